/**
 * Runs a policy pack's policies the way `@pulumi/policy`'s analyzer server does (server.js and
 * deserialize.js of the pinned version), without the gRPC plumbing:
 *
 * - props are deserialized with the pack's own `deserializeProperties` (secrets unwrapped) and
 *   wrapped in its `unknownCheckingProxy`; a policy that touches a value unknown during a preview
 *   yields the engine's advisory "can't run policy … during preview" instead of a result;
 * - enforcement level: the policy config's, else the policy's, else the pack's; `disabled` skips,
 *   `remediate` reports as mandatory; `notApplicable()` and typed validations of another type are
 *   recorded as not applicable;
 * - `getConfig()` returns the policy's config without `enforcementLevel`; like the CLI, the config
 *   handed over is the schema's defaults overlaid with the user's `--policy-pack-config` file,
 *   validated against the schema first;
 * - stack policies see every resource with its parent, dependencies and property dependencies
 *   linked to the resource objects, and its resource options.
 *
 * test/policy-server.test.ts runs the real server on the same input and compares.
 */
import type AjvClass from "ajv";
import {
    EnforcementLevel, Policy, PolicyPackArgs, PolicyResource, PolicyResourceOptions, ReportViolation,
    ResourceValidationArgs, ResourceValidationPolicy, Severity, StackValidationPolicy,
} from "@pulumi/policy";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { WireProps } from "./recorder";

// The server's internals, typed for the harness (they are compiled JS without declarations).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T extends object>(props: T): T;
    UnknownValueError: new (...args: never[]) => Error;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const deserialize = require("@pulumi/policy/deserialize") as {
    deserializeProperties(struct: { toJavaScript(): WireProps }, proxySecrets: boolean): Record<string, unknown>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const policyModule = require("@pulumi/policy/policy") as {
    getPulumiType(fn: object): string | undefined;
    isResourcePolicy(p: Policy): p is ResourceValidationPolicy;
    isStackPolicy(p: Policy): p is StackValidationPolicy;
};

/** One resource as the engine hands it to the analyzer. */
export interface AnalyzerResource {
    urn: string;
    type: string;
    name: string;
    /** Properties `Analyze` gets, on the wire: unknown sentinels and secret wrappers as sent. */
    properties: WireProps;
    /** Properties `AnalyzeStack` gets (outputs), when they differ from `properties`. */
    stackProperties?: WireProps;
    /** As the analyzer protocol carries them (it has no retainOnDelete). */
    options: PolicyResourceOptions;
    provider?: { urn: string; type: string; name: string; properties: WireProps };
    parent?: string;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
}

export interface PolicyDiagnostic {
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    description: string;
    message: string;
    enforcementLevel: EnforcementLevel;
    severity?: Severity;
    /** The resource the diagnostic is about (for resource policies, the analyzed one). */
    urn?: string;
}

export interface NotApplicable {
    policyName: string;
    reason?: string;
    /** Set for resource policies: the resource it did not apply to. */
    urn?: string;
}

export interface PolicyRun {
    diagnostics: PolicyDiagnostic[];
    notApplicable: NotApplicable[];
}

/** A policy's settings as `--policy-pack-config` gives them: a level, or an object of settings and level. */
export type PolicyConfigEntry = EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);
export type PolicyPackConfigFile = Record<string, PolicyConfigEntry>;

/** Resolved config per policy, as the server keeps it after `Configure`. */
export type ResolvedConfig = Record<string, { enforcementLevel?: EnforcementLevel } & Record<string, unknown>>;

export class PolicyConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PolicyConfigError";
    }
}

const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/**
 * What the CLI sends in `Configure`: for every policy, its schema's defaults overlaid with the
 * file's settings (`all` sets the level of every policy without its own), validated against
 * the schema. Unknown policy names and invalid values are errors, as in the CLI.
 */
export function resolvePolicyConfig(pack: PolicyPackArgs, file: PolicyPackConfigFile = {}): ResolvedConfig {
    let ajv: AjvClass | undefined;
    const names = new Set(pack.policies.map(p => p.name));
    for (const key of Object.keys(file)) {
        if (key !== "all" && !names.has(key)) {
            throw new PolicyConfigError(`policy config names '${key}', which is not a policy of this pack; known policies: ${[...names].join(", ")}`);
        }
    }
    const levelOf = (entry: PolicyConfigEntry | undefined): EnforcementLevel | undefined =>
        typeof entry === "string" ? entry : entry?.enforcementLevel;
    const allLevel = levelOf(file.all);
    const resolved: ResolvedConfig = {};
    for (const policy of pack.policies) {
        const entry = file[policy.name];
        const level = levelOf(entry) ?? allLevel;
        if (level !== undefined && !LEVELS.includes(level)) {
            throw new PolicyConfigError(`policy config ${policy.name}: enforcementLevel ${JSON.stringify(level)} is not one of ${LEVELS.join(", ")}`);
        }
        const given = typeof entry === "object" ? { ...entry } : {};
        delete given.enforcementLevel;
        const defaults: Record<string, unknown> = {};
        for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
            if (schema.default !== undefined) {
                defaults[key] = schema.default;
            }
        }
        const props = { ...defaults, ...given };
        if (policy.configSchema && Object.keys(given).length) {
            // Only settings the user gave need checking (the schema's own defaults are valid); ajv loads on demand.
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            ajv ??= new (require("ajv").default as typeof AjvClass)({ allErrors: true, strict: false });
            const validate = ajv.compile({ type: "object", ...policy.configSchema, additionalProperties: false });
            if (!validate(props)) {
                const why = (validate.errors ?? []).map(e => `${e.instancePath || "(config)"} ${e.message}`).join("; ");
                throw new PolicyConfigError(`policy config ${policy.name}: ${why}`);
            }
        } else if (!policy.configSchema && Object.keys(given).length) {
            throw new PolicyConfigError(`policy config ${policy.name}: this policy takes no settings, only enforcementLevel`);
        }
        if (level !== undefined || Object.keys(props).length) {
            resolved[policy.name] = level !== undefined ? { ...props, enforcementLevel: level } : props;
        }
    }
    return resolved;
}

class NotApplicableError extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "Policy does not apply");
    }
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason);
}

/** Same as the server's `isTypeOf`: the class's `__pulumiType`, else its `isInstance`. */
function isTypeOf(type: string, resourceClass: object): boolean {
    const pulumiType = policyModule.getPulumiType(resourceClass);
    if (pulumiType) {
        return type === pulumiType;
    }
    const isInstance = (resourceClass as { isInstance?: (o: unknown) => boolean }).isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

const viaStruct = new WeakMap<WireProps, WireProps>();

/**
 * Props as the server hands them to a policy: the wire properties go through a protobuf Struct
 * (which orders every object's keys, and can't carry `undefined`), are deserialized by the
 * pack's own code, and wrapped in its unknown-checking proxy. The Struct round trip is done once
 * per resource; deserializing copies it afresh for every policy, as the server does.
 */
function propsOf(properties: WireProps): Record<string, unknown> {
    let sorted = viaStruct.get(properties);
    if (!sorted) {
        sorted = Struct.fromJavaScript(properties as Parameters<typeof Struct.fromJavaScript>[0]).toJavaScript() as WireProps;
        viaStruct.set(properties, sorted);
    }
    const wire = sorted;
    return proxy.unknownCheckingProxy(deserialize.deserializeProperties({ toJavaScript: () => wire }, false));
}

export interface PackUnderTest {
    name: string;
    version: string;
    args: PolicyPackArgs;
}

/**
 * Runs every resource policy over each resource (as `Analyze` calls), then every stack policy over
 * all of them (as `AnalyzeStack`). `config` is what {@link resolvePolicyConfig} returns.
 */
export async function runPolicyPack(pack: PackUnderTest, resources: AnalyzerResource[], config: ResolvedConfig = {}): Promise<PolicyRun> {
    const run: PolicyRun = { diagnostics: [], notApplicable: [] };
    const packLevel = pack.args.enforcementLevel ?? "advisory";
    const levelOf = (p: Policy): EnforcementLevel => config[p.name]?.enforcementLevel || p.enforcementLevel || packLevel;
    const getConfigFor = (p: Policy) => <T extends object>(): T => {
        const c = config[p.name];
        if (!c) {
            return {} as T;
        }
        const { enforcementLevel: _level, ...properties } = c;
        void _level;
        return properties as T;
    };
    const reporter = (p: Policy, level: EnforcementLevel, defaultUrn: string | undefined): ReportViolation =>
        (message: string, urn?: string) => {
            run.diagnostics.push({
                policyName: p.name,
                policyPackName: pack.name,
                policyPackVersion: pack.version,
                description: p.description,
                message: message ? `${p.description}\n${message}` : p.description,
                enforcementLevel: level,
                severity: p.severity,
                urn: urn ?? defaultUrn,
            });
        };
    const cantRun = (p: Policy, err: Error, urn: string | undefined) => {
        run.diagnostics.push({
            policyName: p.name,
            policyPackName: pack.name,
            policyPackVersion: pack.version,
            description: p.description,
            message: `can't run policy '${p.name}' from policy pack '${pack.name}@v${pack.version}' during preview: ${err.message}`,
            enforcementLevel: "advisory",
            severity: p.severity,
            urn,
        });
    };

    // Analyze: one call per resource.
    for (const r of resources) {
        for (const p of pack.args.policies) {
            let level = levelOf(p);
            if (level === "disabled" || !policyModule.isResourcePolicy(p)) {
                continue;
            }
            if (!p.validateResource) {
                run.notApplicable.push({ policyName: p.name, reason: "Policy does not implement validateResource", urn: r.urn });
                continue;
            }
            if (level === "remediate") {
                level = "mandatory";
            }
            if (!Array.isArray(p.validateResource)) {
                const pulumiType = policyModule.getPulumiType(p.validateResource);
                if (pulumiType && r.type !== pulumiType) {
                    run.notApplicable.push({ policyName: p.name, reason: `Policy only applies to resources of type '${pulumiType}'`, urn: r.urn });
                    continue;
                }
            }
            const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
            for (const validation of validations) {
                try {
                    const props = propsOf(r.properties);
                    const args: ResourceValidationArgs = {
                        type: r.type,
                        props,
                        urn: r.urn,
                        name: r.name,
                        opts: serverOptions(r.options),
                        stackTags: new Map(),
                        isType: resourceClass => isTypeOf(r.type, resourceClass),
                        asType: (resourceClass => (isTypeOf(r.type, resourceClass) ? props : undefined)) as ResourceValidationArgs["asType"],
                        getConfig: getConfigFor(p),
                        notApplicable: throwNotApplicable,
                    };
                    if (r.provider) {
                        args.provider = { type: r.provider.type, urn: r.provider.urn, name: r.provider.name, props: propsOf(r.provider.properties) };
                    }
                    await Promise.resolve(validation(args, reporter(p, level, r.urn)));
                } catch (err) {
                    if (err instanceof proxy.UnknownValueError) {
                        cantRun(p, err, r.urn);
                    } else if (err instanceof NotApplicableError) {
                        run.notApplicable.push({ policyName: p.name, reason: err.reason, urn: r.urn });
                    } else {
                        throw new Error(`Error validating resource with policy '${p.name}' from policy pack '${pack.name}@v${pack.version}': ${(err as Error).message}`);
                    }
                }
            }
        }
    }

    // AnalyzeStack: one call with every resource.
    for (const p of pack.args.policies) {
        let level = levelOf(p);
        if (level === "disabled" || !policyModule.isStackPolicy(p)) {
            continue;
        }
        if (level === "remediate") {
            level = "mandatory";
        }
        const pulumiType = policyModule.getPulumiType(p.validateStack);
        if (pulumiType && !resources.some(r => r.type === pulumiType)) {
            run.notApplicable.push({ policyName: p.name, reason: `Policy only applies to resources of type '${pulumiType}'` });
            continue;
        }
        try {
            const linked = linkResources(resources);
            await Promise.resolve(p.validateStack({
                resources: linked,
                stackTags: new Map(),
                getConfig: getConfigFor(p),
                notApplicable: throwNotApplicable,
            }, reporter(p, level, undefined)));
        } catch (err) {
            if (err instanceof proxy.UnknownValueError) {
                cantRun(p, err, undefined);
            } else if (err instanceof NotApplicableError) {
                run.notApplicable.push({ policyName: p.name, reason: err.reason });
            } else {
                throw new Error(`Error validating stack with policy '${p.name}' from policy pack '${pack.name}@v${pack.version}': ${(err as Error).message}`);
            }
        }
    }
    return run;
}

/** The options object the server builds from the request (`getResourceOptions`). */
function serverOptions(o: AnalyzerResource["options"]): PolicyResourceOptions {
    const result: PolicyResourceOptions = {
        protect: o.protect,
        ignoreChanges: o.ignoreChanges,
        aliases: o.aliases,
        customTimeouts: o.customTimeouts,
        additionalSecretOutputs: o.additionalSecretOutputs,
    };
    if (o.deleteBeforeReplace !== undefined) {
        result.deleteBeforeReplace = o.deleteBeforeReplace;
    }
    if (o.parent) {
        result.parent = o.parent;
    }
    return result;
}

/** PolicyResources with parent, dependencies and property dependencies resolved to each other. */
function linkResources(resources: AnalyzerResource[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const linked = resources.map(r => {
        const props = propsOf(r.stackProperties ?? r.properties);
        const resource: PolicyResource = {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: serverOptions(r.options),
            dependencies: [],
            propertyDependencies: {},
            isType: resourceClass => isTypeOf(r.type, resourceClass),
            asType: (resourceClass => (isTypeOf(r.type, resourceClass) ? props : undefined)) as PolicyResource["asType"],
        };
        if (r.provider) {
            resource.provider = { type: r.provider.type, urn: r.provider.urn, name: r.provider.name, props: propsOf(r.provider.properties) };
        }
        byUrn.set(r.urn, resource);
        return resource;
    });
    resources.forEach((r, i) => {
        const resource = linked[i];
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        if (parent) {
            resource.parent = parent;
        }
        resource.dependencies = r.dependencies.map(d => byUrn.get(d)).filter((d): d is PolicyResource => d !== undefined);
        for (const [key, urns] of Object.entries(r.propertyDependencies)) {
            resource.propertyDependencies[key] = urns.map(d => byUrn.get(d)).filter((d): d is PolicyResource => d !== undefined);
        }
    });
    return linked;
}
