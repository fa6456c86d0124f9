/**
 * npm run check -- <files or folders…> [--stack NAME | --policy-config FILE] [--json]
 *
 * Runs the kubelab policy pack (resource and stack policies) over plain Kubernetes YAML, such as
 * a tutorial's manifests or a Helm chart's output, and validates each object against the
 * Kubernetes schemas. Exit 0: clean or advisory only; 1: a mandatory violation; 2: input that
 * can't be read (missing path, empty file, broken YAML, a document that is not a Kubernetes
 * object, an object the API server would reject), or bad options.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { CheckResult, checkPaths, messageOf } from "./check-lib";
import { ROOT } from "./plan-lib";
import { PolicyPackConfigFile } from "./policy-harness";

const USAGE = "usage: npm run check -- <files or folders…> [--stack NAME | --policy-config FILE] [--json]";

function readConfig(stack?: string, file?: string): PolicyPackConfigFile {
    if (stack && file) {
        throw new Error("give --stack or --policy-config, not both");
    }
    const configFile = file ? path.resolve(file) : stack ? path.join(ROOT, "policy", "config", `${stack}.json`) : undefined;
    if (!configFile) {
        return {};
    }
    if (!fs.existsSync(configFile)) {
        throw new Error(stack ? `no policy config for stack '${stack}': ${path.relative(process.cwd(), configFile)} does not exist` : `policy config ${file} does not exist`);
    }
    try {
        return JSON.parse(fs.readFileSync(configFile, "utf8")) as PolicyPackConfigFile;
    } catch (err) {
        throw new Error(`policy config ${configFile} is not valid JSON: ${(err as Error).message}`);
    }
}

function where(file: string, document?: string): string {
    return `${path.relative(process.cwd(), file) || file}${document ? `#${document}` : ""}`;
}

function print(result: CheckResult): void {
    for (const p of result.problems) {
        console.log(`${where(p.file, p.document)}: ${p.severity}: ${p.message}`);
    }
    for (const { diagnostic: d, object: o } of result.results) {
        const subject = o ? `${where(o.file, o.document)} ${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}` : "(stack)";
        console.log(`${subject}: [${d.enforcementLevel}] ${d.policyName}: ${messageOf(d)}`);
    }
    const count = (level: string) => result.run.diagnostics.filter(d => d.enforcementLevel === level).length;
    const errors = result.problems.filter(p => p.severity === "error").length;
    console.log(`\n${result.objects.length} object(s) checked: ${count("mandatory")} mandatory violation(s), ${count("advisory")} advisory, ${errors} input error(s) (exit ${result.exitCode})`);
}

async function main(): Promise<number> {
    let parsed: { values: { stack?: string; "policy-config"?: string; json?: boolean; help?: boolean }; positionals: string[] };
    try {
        parsed = parseArgs({
            options: { stack: { type: "string" }, "policy-config": { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
            allowPositionals: true, strict: true,
        });
    } catch (err) {
        console.error(`${(err as Error).message}\n${USAGE}`);
        return 2;
    }
    const { values, positionals } = parsed;
    if (values.help) {
        console.log(USAGE);
        return 0;
    }
    if (!positionals.length) {
        console.error(`error: name at least one YAML file or folder\n${USAGE}`);
        return 2;
    }
    let result: CheckResult;
    try {
        result = await checkPaths(positionals, readConfig(values.stack, values["policy-config"]));
    } catch (err) {
        console.error(`error: ${(err as Error).message}`);
        return 2;
    }
    if (values.json) {
        console.log(JSON.stringify({
            objects: result.objects.map(o => ({ file: o.file, document: o.document, kind: o.kind, namespace: o.namespace, name: o.name })),
            problems: result.problems,
            results: result.results.map(r => ({ ...r.diagnostic, message: messageOf(r.diagnostic), file: r.object?.file, document: r.object?.document, kind: r.object?.kind, namespace: r.object?.namespace, name: r.object?.name })),
            notApplicable: result.run.notApplicable.length,
            exitCode: result.exitCode,
        }, null, 2));
    } else {
        print(result);
    }
    return result.exitCode;
}

main().then(code => { process.exitCode = code; }, err => {
    console.error(`error: ${(err as Error).message}`);
    process.exitCode = 2;
});
