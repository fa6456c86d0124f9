/**
 * npm run plan -- --stack <name> [--config-file FILE] [--out DIR] [--json]
 *
 * Runs the kubelab program for a stack offline (real Pulumi runtime, mocked providers, preview
 * mode), prints the resource tree, writes every Kubernetes object as YAML to DIR (default
 * out/<stack>/) with report.json, validates the objects against the Kubernetes schemas and runs
 * the policy pack. Exit 0: clean or advisory only; 1: a mandatory violation; 2: a config or
 * program error (or an object the API server would reject).
 * `--config-file` reads the stack's config from another file (to try a variant of a stack).
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { Plan, ROOT, exitCodeOf, plan } from "./plan-lib";
import { fileNameOf, resourceTree, toYaml } from "./render";

const USAGE = "usage: npm run plan -- --stack <name> [--config-file Pulumi.<name>.yaml] [--out DIR] [--json]";

async function main(): Promise<number> {
    let values: { stack?: string; "config-file"?: string; out?: string; json?: boolean; help?: boolean };
    try {
        values = parseArgs({
            options: { stack: { type: "string", short: "s" }, "config-file": { type: "string" }, out: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
            strict: true,
        }).values;
    } catch (err) {
        console.error(`${(err as Error).message}\n${USAGE}`);
        return 2;
    }
    if (values.help) {
        console.log(USAGE);
        return 0;
    }
    const stack = values.stack ?? "minikube";
    let result: Plan;
    try {
        result = await plan(stack, { stackFile: values["config-file"] });
    } catch (err) {
        console.error(`error: stack ${stack}: ${(err as Error).message}`);
        return 2;
    }
    const out = path.resolve(values.out ?? path.join(ROOT, "out", stack));
    writeOutput(result, out);
    const report = reportOf(result, out);
    if (values.json) {
        console.log(JSON.stringify(report, null, 2));
    } else {
        printHuman(result, out);
    }
    return exitCodeOf(result);
}

function reportOf(p: Plan, out: string) {
    return {
        stack: p.stack.stack,
        project: p.stack.project,
        preview: p.recording.preview,
        placeholders: p.stack.placeholders,
        resources: p.recording.resources.map(r => ({
            type: r.type, name: r.name, urn: r.urn, parent: r.parent, dependencies: r.dependencies,
            provider: r.provider, protect: r.options.protect, retainOnDelete: r.options.retainOnDelete,
            ignoreChanges: r.options.ignoreChanges,
        })),
        objects: p.objects.map((o, i) => ({ file: path.join(out, fileNameOf(o, i)), apiVersion: o.apiVersion, kind: o.kind, namespace: o.namespace, name: o.name, urn: o.urn, unknownPaths: o.unknownPaths })),
        schemaFailures: p.schemaFailures,
        policyConfig: p.policyConfig,
        policies: p.policies,
        exitCode: exitCodeOf(p),
    };
}

function writeOutput(p: Plan, out: string): void {
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });
    p.objects.forEach((o, i) => fs.writeFileSync(path.join(out, fileNameOf(o, i)), toYaml([o])));
    fs.writeFileSync(path.join(out, "all.yaml"), toYaml(p.objects));
    fs.writeFileSync(path.join(out, "report.json"), `${JSON.stringify(reportOf(p, out), null, 2)}\n`);
}

function printHuman(p: Plan, out: string): void {
    const { stack, recording, objects, schemaFailures, policies } = p;
    console.log(`Offline plan of stack '${stack.stack}' (project ${stack.project}, ${recording.preview ? "preview" : "update"}, mocked providers)`);
    if (stack.placeholders.length) {
        console.log(`secure values replaced by placeholders (no secrets provider offline): ${stack.placeholders.join(", ")}`);
    }
    console.log("\nResources:");
    for (const line of resourceTree(recording)) {
        console.log(`  ${line}`);
    }
    const counts = new Map<string, number>();
    for (const r of recording.resources) {
        counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    }
    console.log(`\n${recording.resources.length} resources:`);
    for (const [type, n] of [...counts].sort()) {
        console.log(`  ${String(n).padStart(3)}  ${type}`);
    }
    console.log(`\n${objects.length} Kubernetes objects written to ${path.relative(process.cwd(), out) || "."}/ (apply order; all.yaml, report.json)`);
    if (schemaFailures.length) {
        console.log(`\nSchema validation: ${schemaFailures.length} object(s) the API server would reject:`);
        for (const f of schemaFailures) {
            console.log(`  ✗ ${f.object}\n${f.errors.map(e => `      ${e}`).join("\n")}`);
        }
    } else {
        console.log("Schema validation: every object is valid");
    }
    const byLevel = (level: string) => policies.diagnostics.filter(d => d.enforcementLevel === level);
    const mandatory = byLevel("mandatory");
    const advisory = byLevel("advisory");
    console.log(`\nPolicies (pack kubelab): ${mandatory.length} mandatory violation(s), ${advisory.length} advisory, ${policies.notApplicable.length} not applicable`);
    for (const d of [...mandatory, ...advisory]) {
        const message = d.message.startsWith(d.description) ? d.message.slice(d.description.length).trim() : d.message;
        console.log(`  ${d.enforcementLevel === "mandatory" ? "✗" : "!"} [${d.enforcementLevel}] ${d.policyName}: ${message}`);
    }
    const code = exitCodeOf(p);
    console.log(`\n${code === 0 ? "OK" : code === 1 ? "FAILED: mandatory policy violations" : "FAILED: invalid objects"} (exit ${code})`);
}

main().then(code => { process.exitCode = code; }, err => {
    console.error(`error: ${(err as Error).message}`);
    process.exitCode = 2;
});
