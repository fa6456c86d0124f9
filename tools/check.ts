/**
 * npm run check -- <files, folders or -…> [--stack NAME] [--policy-config FILE] [--json]
 *
 * Runs the kubelab policy pack (resource and stack policies) over plain Kubernetes YAML, such as
 * a tutorial's manifests, a Helm chart's output or the plan's own `out/<stack>/`, and validates
 * each object as `kubectl apply --validate=strict` would. A folder is searched recursively for
 * `*.yaml`/`*.yml`, in sorted order, skipping hidden files and folders; `-` reads standard input.
 *
 * Policy config: `--policy-config FILE` if given, else `policy/config/<stack>.json` for
 * `--stack`, else every policy's schema defaults, chosen as `npm run plan` chooses it; the
 * report says which it used.
 *
 * Exit 0: clean or advisory only; 1: a mandatory violation; 2: input the API server would not
 * take or that can't be read (a missing path, broken YAML, a document that is not a Kubernetes
 * object, an unknown kind of a built-in API group, an apiVersion Kubernetes has removed, a schema
 * failure or unknown field, a selector that does not match its pod template, the same object
 * given twice, nothing to check at all) or bad options / policy config; an empty file or a
 * custom resource's kind is a warning. Input problems never stop the check: every readable
 * object is still validated and checked.
 */
import "./sdk-deferred"; // first: defers SDK modules the commands never use (see there)
import { parseArgs } from "util";

const USAGE = [
    "usage: npm run check -- <files, folders or -…> [--stack NAME] [--policy-config FILE] [--json]",
    "  folders are searched recursively for *.yaml/*.yml (hidden ones skipped); - reads standard input",
    "  --stack NAME           policy config policy/config/NAME.json, as `npm run plan` picks it",
    "  --policy-config FILE   a `pulumi preview --policy-pack-config` file (overrides --stack's)",
    "  --json                 the report as JSON",
    "  exit 0 clean or advisory only, 1 a mandatory violation, 2 input or config errors",
].join("\n");

async function main(): Promise<number> {
    let parsed: { values: { stack?: string; "policy-config"?: string; json?: boolean; help?: boolean }; positionals: string[] };
    try {
        parsed = parseArgs({
            options: { stack: { type: "string" }, "policy-config": { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
            allowPositionals: true, strict: true,
        });
    } catch (err) {
        return fail((err as Error).message, process.argv.includes("--json"), true);
    }
    const { values, positionals } = parsed;
    if (values.help) {
        console.log(USAGE);
        return 0;
    }
    if (!positionals.length) {
        return fail("name at least one YAML file, folder or - (standard input)", values.json === true, true);
    }
    try {
        // Loaded here, not at the top, so that even a pack that fails to load is an error line, not a stack trace.
        // The policy config first: a missing or broken file is reported before the pack loads.
        const { describePolicyConfig, displayPath, pickPolicyConfig } = await import("./policy-config");
        const { file, config } = pickPolicyConfig({ stack: values.stack, file: values["policy-config"] });
        const { resolvePolicyConfig } = await import("./policy-harness");
        const { checkPaths, jsonReport, pack, textReport } = await import("./check-lib");
        try {
            resolvePolicyConfig(pack.args, config);
        } catch (err) {
            throw new Error(`policy config ${file ? displayPath(file) : "(schema defaults)"}: ${(err as Error).message}`);
        }
        const result = await checkPaths(positionals, config);
        if (values.json) {
            console.log(JSON.stringify({ policyConfig: file ? displayPath(file) : null, ...jsonReport(result) }, null, 2));
        } else {
            console.log([`policy config: ${describePolicyConfig(file)}`, ...textReport(result)].join("\n"));
        }
        return result.exitCode;
    } catch (err) {
        return fail(err instanceof Error ? err.message : String(err), values.json === true);
    }
}

/** An error that stops the check: one line on stderr (and, with --json, a report on stdout), exit 2. */
function fail(message: string, json: boolean, usage = false): number {
    console.error(`error: ${message}${usage ? `\n${USAGE}` : ""}`);
    if (json) {
        console.log(JSON.stringify({ error: message, exitCode: 2 }, null, 2));
    }
    return 2;
}

main().then(code => { process.exitCode = code; }, (err: unknown) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
});
