/**
 * The offline plan as a library: run the program for a stack under mocks, render its
 * Kubernetes objects, validate them, and run the policy pack over the same resources.
 * `plan.ts` is the command line around it; the tests call it directly.
 */
import * as fs from "fs";
import * as path from "path";
import { PACK_NAME, packArgs } from "../policy/pack";
import { PolicyConfigError, PolicyPackConfigFile, PolicyRun, ResolvedConfig, resolvePolicyConfig, runPolicyPack } from "./policy-harness";
import { PolicyConfigFileError, displayPath, pickPolicyConfig } from "./policy-config";
import { Program, ProgramFailure, RecordOptions, Recording, recordProgram } from "./recorder";
import { RenderedObject, analyzerResources, renderObjects } from "./render";
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

/** The pack as the harness runs it, with the version `PolicyPack` reads from policy/package.json. */
export const pack = {
    name: PACK_NAME,
    version: (JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package.json"), "utf8")) as { version: string }).version,
    args: packArgs,
};

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
        policyConfig = resolvePolicyConfig(packArgs, picked.config);
    } catch (err) {
        throw picked.file ? new PolicyConfigError(`policy config ${displayPath(picked.file)}: ${(err as Error).message}`) : err;
    }
    // `previousOutputs` is part of RecordOptions once the recorder hands it to the mocks.
    const record: RecordOptions & { previousOutputs?: Record<string, unknown> } = {
        project: stack.project,
        stack: stack.stack,
        config: stack.config,
        secretKeys: stack.secretKeys,
        preview: !opts.update,
    };
    if (opts.previousOutputs) {
        record.previousOutputs = opts.previousOutputs;
    }
    const recording = await recordProgram(loadProgram(), record);
    const objects = renderObjects(recording);
    const schemaFailures = await validateObjects(objects);
    const policies = await runPolicyPack(pack, analyzerResources(recording), policyConfig);
    return { stack, recording, objects, schemaFailures, policyConfig, policyConfigFile: picked.file, policies };
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
