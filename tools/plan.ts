/**
 * npm run plan -- --stack <name> [--config-file FILE] [--policy-config FILE] [--out DIR]
 *                 [--report FILE] [--against REPORT] [--json]
 *
 * Runs the kubelab program for a stack offline (real Pulumi runtime, mocked providers, preview
 * mode), prints the resource tree, writes every Kubernetes object as one YAML file to DIR
 * (default out/<stack>/, nothing else but the plan's manifest `.kubelab-plan`, so that
 * `kubectl apply -f DIR` and `npm run check -- DIR` take it as it is), writes the report to
 * FILE (default `<DIR>.report.json`, i.e. out/<stack>.report.json), validates the objects
 * against the Kubernetes schemas and runs the policy pack.
 *
 * The output folder is only ever replaced if a previous plan wrote it (see output.ts): a folder
 * holding anything else, the project root, the home folder, `/` or a folder containing the
 * project is refused before the plan runs.
 *
 * `--against REPORT` compares with a previous plan's report, as `pulumi preview --diff` would,
 * and feeds the program that plan's stack outputs as its previous outputs.
 *
 * Exit 0: clean or advisory only; 1: a mandatory violation, or a change that would lose a
 * volume; 2: a usage, config, program or output error (or an object the API server would
 * reject). With `--json`, stdout holds exactly one JSON document: the report, or on failure
 * `{"error": {"kind", "message"}, "exitCode": 2}`.
 */
import "./sdk-deferred"; // first: defers SDK modules the commands never use (see there)
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { OutputError, checkOutputDir, writeFileAtomically, writeOutputDir } from "./output";
import type { Plan } from "./plan-lib";
import { displayPath, pickPolicyConfig } from "./policy-config";
import { StackConfig, loadStackConfig } from "./stack-config";
import type { PlanReport } from "./report";

/** The project root (this file is `<root>/tools/plan.ts`). */
const ROOT = path.resolve(__dirname, "..");
/** What identifies a plan report (report.ts's REPORT_FORMAT, kept here so that refusals don't load the runtime). */
const REPORT_FORMAT = "kubelab-plan-report";

const USAGE = "usage: npm run plan -- --stack <name> [--config-file Pulumi.<name>.yaml] [--policy-config FILE] [--out DIR] [--report FILE] [--against REPORT] [--json]";

/** What stopped the plan; `--json` prints it as `{"error": {"kind", "message"}, "exitCode": 2}`. */
type ErrorKind = "usage" | "config" | "program" | "output" | "input";

class PlanCommandError extends Error {
    constructor(readonly kind: ErrorKind, message: string) {
        super(message);
        this.name = "PlanCommandError";
    }
}

interface Options {
    stack?: string;
    "config-file"?: string;
    "policy-config"?: string;
    out?: string;
    report?: string;
    against?: string;
    json?: boolean;
    help?: boolean;
}

async function main(json: boolean): Promise<number> {
    let values: Options;
    try {
        values = parseArgs({
            options: {
                stack: { type: "string", short: "s" },
                "config-file": { type: "string" },
                "policy-config": { type: "string" },
                out: { type: "string" },
                report: { type: "string" },
                against: { type: "string" },
                json: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
            strict: true,
        }).values;
    } catch (err) {
        throw new PlanCommandError("usage", (err as Error).message);
    }
    if (values.help) {
        console.log(USAGE);
        return 0;
    }
    const stack = values.stack ?? "minikube";
    const stackName = stack.split("/").pop() ?? "";
    if (!/^[A-Za-z0-9_.-]+$/.test(stackName) || /^\.+$/.test(stackName)) {
        throw new PlanCommandError("usage", `--stack ${JSON.stringify(stack)} is not a stack name (letters, digits, '-', '_' and '.')`);
    }
    const out = path.resolve(values.out ?? path.join(ROOT, "out", stackName));
    const reportFile = path.resolve(values.report ?? `${out}.report.json`);

    // Everything that can be refused is refused before the (slow) plan runs, and before the
    // Pulumi runtime, the program and the policy pack are even loaded.
    try {
        checkOutputDir(out, { root: ROOT });
        const rel = path.relative(out, reportFile);
        if (!rel.startsWith("..") && !path.isAbsolute(rel)) {
            throw new OutputError(`refusing to write the report to ${reportFile}: it is inside the output folder ${out}, which holds only the Kubernetes objects; the default is ${out}.report.json`);
        }
        const st = fs.lstatSync(reportFile, { throwIfNoEntry: false });
        if (st?.isDirectory()) {
            throw new OutputError(`refusing to write the report to ${reportFile}: it is a folder; give a file name such as out/${stackName}.report.json`);
        }
        if (st && (!st.isFile() || !isPlanReport(fs.readFileSync(reportFile, "utf8")))) {
            throw new OutputError(`refusing to write the report to ${reportFile}: the file exists and is not a previous plan report; remove it or choose another name`);
        }
    } catch (err) {
        throw new PlanCommandError("output", (err as Error).message);
    }
    if (values.against !== undefined && !fs.statSync(values.against, { throwIfNoEntry: false })?.isFile()) {
        throw new PlanCommandError("input", `--against ${values.against}: no such file; write a report with \`npm run plan -- --stack ${stack} --report FILE\` first`);
    }
    // The stack's config and policy config are read (and a bad one refused) before the runtime loads too.
    let config: StackConfig;
    try {
        config = loadStackConfig(ROOT, stack, values["config-file"]);
        pickPolicyConfig({ stack, file: values["policy-config"] });
    } catch (err) {
        throw new PlanCommandError("config", `stack ${stack}: ${(err as Error).message}`);
    }

    const { buildReport, readReport } = await import("./report");
    const { diffExitCode, diffReports, formatDiff } = await import("./diff");
    const { exitCodeOf, failureKind, plan, planSummary } = await import("./plan-lib");
    const { fileNameOf, toYaml } = await import("./render");
    let previous: PlanReport | undefined;
    if (values.against !== undefined) {
        try {
            previous = readReport(values.against);
        } catch (err) {
            throw new PlanCommandError("input", `--against: ${(err as Error).message}`);
        }
    }

    let result: Plan;
    try {
        result = await plan(stack, {
            config,
            policyConfigFile: values["policy-config"],
            previousOutputs: previous?.outputs,
        });
    } catch (err) {
        throw new PlanCommandError(failureKind(err), `stack ${stack}: ${err instanceof Error ? err.message : String(err)}`);
    }

    // The policy config file relative to the project when it is the project's, so that reports compare across machines.
    const policyFile = result.policyConfigFile && !path.relative(ROOT, result.policyConfigFile).startsWith("..")
        ? path.relative(ROOT, result.policyConfigFile) : result.policyConfigFile;
    const report = buildReport(result, { outDir: out, policyConfigFile: policyFile });
    try {
        writeOutputDir(out, result.objects.map((o, i) => ({ name: fileNameOf(o, i), content: toYaml([o]) })), { root: ROOT, stack: result.stack.stack });
        writeFileAtomically(reportFile, `${JSON.stringify(report, null, 2)}\n`, isPlanReport);
    } catch (err) {
        throw new PlanCommandError("output", (err as Error).message);
    }

    const diff = previous ? diffReports(previous, report) : undefined;
    const code = Math.max(exitCodeOf(result), diff ? diffExitCode(diff) : 0);
    if (json) {
        printJson({ ...report, ...(diff ? { against: path.resolve(values.against ?? ""), diff } : {}), exitCode: code });
    } else {
        for (const line of planSummary(result, { out, reportFile })) {
            console.log(line);
        }
        if (diff) {
            console.log(`\nChanges against ${displayPath(path.resolve(values.against ?? ""))}:`);
            for (const line of formatDiff(diff)) {
                console.log(`  ${line}`);
            }
        }
        const verdict = code === 0 ? "OK"
            : code === 2 ? "FAILED: invalid objects"
                : exitCodeOf(result) === 1 ? "FAILED: mandatory policy violations" : "FAILED: the changes put data at risk (see above)";
        console.log(`\n${verdict} (exit ${code})`);
    }
    return code;
}

/** A file the report may replace: a previous plan's report. */
function isPlanReport(text: string): boolean {
    try {
        const value = JSON.parse(text) as { format?: unknown };
        return value?.format === REPORT_FORMAT;
    } catch {
        return false;
    }
}

/** Prints a failure: one line on stderr, and with --json the error object alone on stdout. */
function fail(err: unknown, json: boolean): number {
    const kind: ErrorKind = err instanceof PlanCommandError ? err.kind : "program";
    const message = err instanceof Error ? err.message : String(err);
    console.error(`error: ${message}${kind === "usage" ? `\n${USAGE}` : ""}`);
    if (json) {
        printJson({ error: { kind, message }, exitCode: 2 });
    }
    return 2;
}

// Known before parsing, so that even a usage error is reported as JSON when --json was asked for.
const json = process.argv.slice(2).includes("--json");
/** With --json, stdout is for the one JSON document: whatever the program or a library logs goes to stderr. */
const stdout = process.stdout.write.bind(process.stdout);
function printJson(value: object): void {
    stdout(`${JSON.stringify(value, null, 2)}\n`);
}
if (json) {
    process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
}
main(json).then(code => { process.exitCode = code; }, err => { process.exitCode = fail(err, json); });
