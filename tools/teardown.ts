/**
 * npm run teardown -- [--yes] [--at DATE]
 *
 * Lists the project's stacks whose expiry (`kubelab:<platform>.expiresAt` in the stack file, or
 * the stack tag `kubelab:expiresAt`) has passed, and with `--yes` destroys them one after the
 * other through the Automation API, as `pulumi destroy --stack <stack>` would. Listing works
 * without the Pulumi CLI (from the stack files); destroying needs it. See teardown-lib.ts.
 *
 * Exit 0: done, or nothing to do; 1: a destroy failed; 2: a usage or listing error; 3: `--yes`
 * without a usable Pulumi CLI (not found, or older than 3.211).
 */
import { runTeardown } from "./teardown-lib";

runTeardown(process.argv.slice(2)).then(code => { process.exitCode = code; }, (err: unknown) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
});
