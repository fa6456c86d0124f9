/**
 * The offline plan as a library: run the program for a stack under mocks, render its
 * Kubernetes objects, validate them, and run the policy pack over the same resources.
 * `plan.ts` is the command line around it; the tests call it directly.
 */
import * as fs from "fs";
import * as path from "path";
import { kubelabPack } from "./kubelab-pack";
import { PolicyConfigError, PolicyPackConfigFile, PolicyRun, ResolvedConfig, resolvePolicyConfig, runPolicyPack } from "./policy-harness";
import { PolicyConfigFileError, describePolicyConfig, displayPath, pickPolicyConfig } from "./policy-config";
import { Program, ProgramFailure, RecordOptions, Recording, recordProgram } from "./recorder";
import { RenderedObject, analyzerResources, renderObjects, resourceTree } from "./render";
import { StackConfig, StackConfigError, loadStackConfig } from "./stack-config";
import { SchemaFailure, validateObjects } from "./validate";

/** The project root: the nearest folder above this file with a Pulumi.yaml. */
export const ROOT = findRoot(__dirname);

function findRoot(from: string): string {
    for (let dir = from; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) {
            return dir;
        }
        if (path.dirname(dir) === dir) {
            throw new Error(`no Pulumi.yaml above ${from}`);
        }
    }
}

/** The pack the plan runs (tools/kubelab-pack.ts). */
export const pack = kubelabPack;

/** Loads the program (index.ts exports it as a function). */
export function loadProgram(): Program {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("../index") as Program;
}

export interface PlanOptions {
    /** Config to use instead of reading the stack file (tests). */
    config?: StackConfig;
    /** A stack file to read instead of stacks/Pulumi.<stack>.yaml. */
    stackFile?: string;
    /** Policy config file contents, instead of the file {@link pickPolicyConfig} picks (tests). */
    policyConfig?: PolicyPackConfigFile;
    /** A policy config file to use instead of policy/config/<stack>.json (`--policy-config`). */
    policyConfigFile?: string;
    /** What the program reads as its stack's previous outputs (a previous plan's, with `--against`). */
    previousOutputs?: Record<string, unknown>;
    /** Run as an update instead of a preview. */
    update?: boolean;
}

export interface Plan {
    stack: StackConfig;
    recording: Recording;
    objects: RenderedObject[];
    schemaFailures: SchemaFailure[];
    policyConfig: ResolvedConfig;
    /** The policy config file the pack ran with (absolute), if any; see {@link pickPolicyConfig}. */
    policyConfigFile?: string;
    policies: PolicyRun;
}

/** Plans `stackName`; throws on bad config or a program error, like `pulumi preview` would fail. */
export async function plan(stackName: string, opts: PlanOptions = {}): Promise<Plan> {
    const stack = opts.config ?? loadStackConfig(ROOT, stackName, opts.stackFile);
    const picked = opts.policyConfig ? { config: opts.policyConfig } : pickPolicyConfig({ stack: stackName, file: opts.policyConfigFile });
    let policyConfig: ResolvedConfig;
    try {
        policyConfig = resolvePolicyConfig(kubelabPack.args, picked.config);
    } catch (err) {
        throw picked.file ? new PolicyConfigError(`policy config ${displayPath(picked.file)}: ${(err as Error).message}`) : err;
    }
    const recording = await recordStack(stack, opts);
    const objects = renderObjects(recording);
    const schemaFailures = await validateObjects(objects);
    const policies = await runPolicyPack(pack, analyzerResources(recording), policyConfig);
    return { stack, recording, objects, schemaFailures, policyConfig, policyConfigFile: picked.file, policies };
}

/**
 * The first step of {@link plan}: runs the program with `stack`'s config under mocks and returns
 * what it registered, without rendering, validating or running the policies.
 */
export function recordStack(stack: StackConfig, opts: Pick<PlanOptions, "previousOutputs" | "update"> = {}): Promise<Recording> {
    const record: RecordOptions = {
        project: stack.project,
        stack: stack.stack,
        config: stack.config,
        secretKeys: stack.secretKeys,
        preview: !opts.update,
    };
    if (opts.previousOutputs) {
        record.previousOutputs = opts.previousOutputs;
    }
    return recordProgram(loadProgram(), record);
}

/** 0 clean or advisory only, 1 a mandatory violation. Schema failures are program errors (2). */
export function exitCodeOf(p: Plan): number {
    if (p.schemaFailures.length) {
        return 2;
    }
    return p.policies.diagnostics.some(d => d.enforcementLevel === "mandatory") ? 1 : 0;
}

/**
 * What kind of failure stopped a plan: `config` for the stack's config (its file, a key the
 * program rejects) or the policy config, `program` for anything else the program threw.
 */
export function failureKind(err: unknown): "config" | "program" {
    if (err instanceof StackConfigError || err instanceof PolicyConfigError || err instanceof PolicyConfigFileError) {
        return "config";
    }
    if (err instanceof ProgramFailure && err.cause instanceof Error && CONFIG_ERRORS.has(err.cause.name)) {
        return "config";
    }
    return "program";
}

/** Names of the errors the program throws for bad stack config (infra/config.ts), before it registers anything. */
const CONFIG_ERRORS = new Set(["ConfigError", "MissingConfigError"]);

/** The plan as `npm run plan` prints it (before the diff and the verdict line). */
export function planSummary(p: Plan, where: { out: string; reportFile: string }): string[] {
    const { stack, recording, objects, schemaFailures, policies } = p;
    const lines = [`Offline plan of stack '${stack.stack}' (project ${stack.project}, ${recording.preview ? "preview" : "update"}, mocked providers)`];
    if (stack.placeholders.length) {
        lines.push(`secure values replaced by placeholders (no secrets provider offline): ${stack.placeholders.join(", ")}`);
    }
    lines.push("", "Resources:", ...resourceTree(recording).map(l => `  ${l}`));
    const counts = new Map<string, number>();
    for (const r of recording.resources) {
        counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    }
    lines.push("", `${recording.resources.length} resources:`, ...[...counts].sort().map(([type, n]) => `  ${String(n).padStart(3)}  ${type}`));
    const skipped = recording.notRenderedOffline;
    if (skipped.length) {
        lines.push("", `Not rendered offline (${skipped.length}): under mocks they have no children, so their Kubernetes objects are not in the output and no policy saw them`);
        lines.push(...skipped.map(s => `  ? ${s.type}  ${s.name}: ${s.reason}`));
    }
    if (recording.warnings.length) {
        lines.push("", `Warnings from the program (${recording.warnings.length}), as pulumi preview shows them:`, ...recording.warnings.map(w => `  warning: ${w}`));
    }
    lines.push("", `${objects.length} Kubernetes objects written to ${displayPath(where.out)}/ (one file each, in apply order); report: ${displayPath(where.reportFile)}`);
    if (schemaFailures.length) {
        lines.push("", `Schema validation: ${schemaFailures.length} object(s) the API server would reject:`);
        for (const f of schemaFailures) {
            lines.push(`  ✗ ${f.object}`, ...f.errors.map(e => `      ${e}`));
        }
    } else {
        lines.push("Schema validation: every object is valid");
    }
    const byLevel = (level: string) => policies.diagnostics.filter(d => d.enforcementLevel === level);
    const mandatory = byLevel("mandatory");
    const advisory = byLevel("advisory");
    lines.push("", `Policy config: ${describePolicyConfig(p.policyConfigFile)}`);
    lines.push(`Policies (pack ${pack.name}): ${mandatory.length} mandatory violation(s), ${advisory.length} advisory, ${policies.notApplicable.length} not applicable`);
    for (const d of [...mandatory, ...advisory]) {
        const message = d.message.startsWith(d.description) ? d.message.slice(d.description.length).trim() : d.message;
        lines.push(`  ${d.enforcementLevel === "mandatory" ? "✗" : "!"} [${d.enforcementLevel}] ${d.policyName}: ${message}`);
    }
    return lines;
}
