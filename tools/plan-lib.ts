/**
 * The offline plan as a library: run the program for a stack under mocks, render its
 * Kubernetes objects, validate them, and run the policy pack over the same resources.
 * `plan.ts` is the command line around it; the tests call it directly.
 */
import * as fs from "fs";
import * as path from "path";
import { PACK_NAME, packArgs } from "../policy/pack";
import { PolicyPackConfigFile, PolicyRun, ResolvedConfig, resolvePolicyConfig, runPolicyPack } from "./policy-harness";
import { Program, Recording, recordProgram } from "./recorder";
import { RenderedObject, analyzerResources, renderObjects } from "./render";
import { StackConfig, loadStackConfig } from "./stack-config";
import { SchemaFailure, validateObjects } from "./validate";

/** The project root: the nearest folder above this file with a Pulumi.yaml (this file may run compiled, from bin/). */
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
    // Relative, so that the compiled plan (bin/) loads the compiled program beside it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("../index") as Program;
}

/** The policy config file of a stack, `policy/config/<stack>.json`, if there is one. */
export function policyConfigFileFor(stack: string): string | undefined {
    const file = path.join(ROOT, "policy", "config", `${stack}.json`);
    return fs.existsSync(file) ? file : undefined;
}

export interface PlanOptions {
    /** Config to use instead of reading the stack file (tests). */
    config?: StackConfig;
    /** A stack file to read instead of stacks/Pulumi.<stack>.yaml. */
    stackFile?: string;
    /** Policy config file contents, instead of policy/config/<stack>.json. */
    policyConfig?: PolicyPackConfigFile;
    /** Run as an update instead of a preview. */
    update?: boolean;
}

export interface Plan {
    stack: StackConfig;
    recording: Recording;
    objects: RenderedObject[];
    schemaFailures: SchemaFailure[];
    policyConfig: ResolvedConfig;
    policies: PolicyRun;
}

/** Plans `stackName`; throws on bad config or a program error, like `pulumi preview` would fail. */
export async function plan(stackName: string, opts: PlanOptions = {}): Promise<Plan> {
    const stack = opts.config ?? loadStackConfig(ROOT, stackName, opts.stackFile);
    const policyConfigFile = opts.policyConfig ?? readPolicyConfigFile(stackName);
    const policyConfig = resolvePolicyConfig(packArgs, policyConfigFile);
    const recording = await recordProgram(loadProgram(), {
        project: stack.project,
        stack: stack.stack,
        config: stack.config,
        secretKeys: stack.secretKeys,
        preview: !opts.update,
    });
    const objects = renderObjects(recording);
    const schemaFailures = await validateObjects(objects);
    const policies = await runPolicyPack(pack, analyzerResources(recording), policyConfig);
    return { stack, recording, objects, schemaFailures, policyConfig, policies };
}

function readPolicyConfigFile(stack: string): PolicyPackConfigFile {
    const file = policyConfigFileFor(stack);
    if (!file) {
        return {};
    }
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as PolicyPackConfigFile;
    } catch (err) {
        throw new Error(`${path.relative(ROOT, file)} is not valid JSON: ${(err as Error).message}`);
    }
}

/** 0 clean or advisory only, 1 a mandatory violation. Schema failures are program errors (2). */
export function exitCodeOf(p: Plan): number {
    if (p.schemaFailures.length) {
        return 2;
    }
    return p.policies.diagnostics.some(d => d.enforcementLevel === "mandatory") ? 1 : 0;
}
