/**
 * npm run check -- <files or folders…> [--stack NAME | --policy-config FILE] [--json]
 *
 * Runs the kubelab policy pack (resource and stack policies) over plain Kubernetes YAML, such as
 * a tutorial's manifests or a Helm chart's output, and validates each object against the
 * Kubernetes schemas. Exit 0: clean or advisory only; 1: a mandatory violation; 2: input that
 * can't be read (missing path, broken YAML, a document that is not a Kubernetes object, an
 * unknown kind of a built-in API group, an object the API server would reject, nothing to check
 * at all) or bad options / policy config; an empty file or a custom resource's kind is a warning.
 * Input problems never stop the check: every readable object is still validated and checked.
 */
import { parseArgs } from "util";

const USAGE = "usage: npm run check -- <files or folders…> [--stack NAME | --policy-config FILE] [--json]";

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
        return fail("name at least one YAML file or folder", values.json === true, true);
    }
    try {
        // Loaded here, not at the top, so that even a pack that fails to load is an error line, not a stack trace.
        const { ROOT, pack } = await import("./plan-lib");
        const { resolvePolicyConfig } = await import("./policy-harness");
        const { checkPaths, jsonReport, readPolicyConfig, textReport } = await import("./check-lib");
        const { file, config } = readPolicyConfig(ROOT, { stack: values.stack, file: values["policy-config"] });
        try {
            resolvePolicyConfig(pack.args, config);
        } catch (err) {
            throw new Error(`${file}: ${(err as Error).message}`);
        }
        const result = await checkPaths(positionals, config);
        console.log(values.json ? JSON.stringify(jsonReport(result), null, 2) : textReport(result).join("\n"));
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
