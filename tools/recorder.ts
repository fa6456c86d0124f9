/**
 * Runs the real kubelab program on the real `@pulumi/pulumi` runtime under mocks, and records
 * every registration the way the engine would see it: type, name, URN, parent, dependencies,
 * property dependencies, provider, resource options and the (checked) inputs as sent over the
 * wire, unknowns and secrets included.
 *
 * `Mocks.newResource` is not told a resource's parent, dependencies or options, so the recorder
 * wraps Pulumi's own `MockMonitor` and reads them off each `RegisterResourceRequest`.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import type * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { KubelabMocks } from "./mocks";

/** A raw property map as it crosses the wire: unknowns are sentinel strings, secrets are wrapped. */
export type WireValue = null | boolean | number | string | WireValue[] | { [key: string]: WireValue };
export type WireProps = Record<string, WireValue>;

export interface RecordedOptions {
    protect: boolean;
    retainOnDelete: boolean;
    ignoreChanges: string[];
    replaceOnChanges: string[];
    deleteBeforeReplace?: boolean;
    additionalSecretOutputs: string[];
    aliases: string[];
    customTimeouts: { createSeconds: number; updateSeconds: number; deleteSeconds: number };
    deletedWith?: string;
}

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    /** True for provider-managed resources, false for components and the stack. */
    custom: boolean;
    parent?: string;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    /** URN of the provider resource this one is managed by. */
    provider?: string;
    options: RecordedOptions;
    /** Inputs as the program sent them. */
    inputs: WireProps;
    /** What the (mock) provider answered: checked inputs in a preview, e.g. with auto-names filled in. */
    state: WireProps;
    /** Outputs a component registered with `registerOutputs`. */
    outputs?: WireProps;
}

export interface Recording {
    project: string;
    stack: string;
    preview: boolean;
    /** Every resource, in registration order (the root stack first). */
    resources: RecordedResource[];
    /** The stack outputs, as the program returned them. */
    stackOutputs: Record<string, unknown>;
}

type ResourceCallback = (err: Error | null, response: resproto.RegisterResourceResponse | undefined) => void;
type OutputsCallback = (err: Error | null, response: unknown) => void;

/** `MockMonitor.newUrn` is private; the recorder replaces it through this view. */
interface UrnMaker { newUrn(parent: string, type: string, name: string): string }

const STACK_TYPE = "pulumi:pulumi:Stack";

/** A mock monitor that records what the engine would see. */
export class RecordingMonitor extends MockMonitor {
    readonly recorded = new Map<string, RecordedResource>();

    constructor(mocks: pulumi.runtime.Mocks) {
        super(mocks);
        // The engine leaves the root stack's type out of its children's qualified types:
        // `urn:pulumi:dev::kubelab::kubelab:labs:Smilr$kubernetes:core/v1:Namespace::smilr-namespace`.
        (this as unknown as UrnMaker).newUrn = (parent, type, name) => {
            let qualified = type;
            if (parent) {
                const parentType = parent.split("::")[2];
                if (parentType !== STACK_TYPE) {
                    qualified = `${parentType}$${type}`;
                }
            }
            return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
        };
    }

    override async registerResource(req: resproto.RegisterResourceRequest, callback: ResourceCallback): Promise<void> {
        const inputs = (req.getObject()?.toJavaScript() ?? {}) as WireProps;
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((deps, key) => { propertyDependencies[key] = deps.getUrnsList(); });
        const timeouts = req.getCustomtimeouts();
        const base: Omit<RecordedResource, "urn" | "state"> = {
            type: req.getType(),
            name: req.getName(),
            custom: req.getCustom(),
            parent: req.getParent() || undefined,
            dependencies: req.getDependenciesList(),
            propertyDependencies,
            provider: req.getProvider() ? req.getProvider().split("::").slice(0, -1).join("::") : undefined,
            options: {
                protect: req.getProtect() ?? false,
                retainOnDelete: req.getRetainondelete() ?? false,
                ignoreChanges: req.getIgnorechangesList(),
                replaceOnChanges: req.getReplaceonchangesList(),
                deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
                additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                aliases: req.getAliasesList().map(a => a.getUrn()).filter(u => u),
                customTimeouts: {
                    createSeconds: parseDuration(timeouts?.getCreate()),
                    updateSeconds: parseDuration(timeouts?.getUpdate()),
                    deleteSeconds: parseDuration(timeouts?.getDelete()),
                },
                deletedWith: req.getDeletedwith() || undefined,
            },
            inputs,
        };
        if (base.custom && !base.provider && !base.type.startsWith("pulumi:providers:")) {
            base.provider = this.defaultProvider(base.type, req.getVersion());
        }
        return super.registerResource(req, (err, response) => {
            if (!err && response) {
                const urn = response.getUrn();
                this.recorded.set(urn, { urn, ...base, state: (response.getObject()?.toJavaScript() ?? {}) as WireProps });
            }
            callback(err, response);
        });
    }

    /**
     * A custom resource registered without a provider gets the engine's default provider for its
     * package (`pulumi:providers:kubernetes::default_4_34_2`), which the engine adds to the stack.
     */
    private defaultProvider(type: string, version: string): string {
        const pkg = type.split(":")[0];
        const name = version ? `default_${version.replace(/[.+-]/g, "_")}` : "default";
        const urn = `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::pulumi:providers:${pkg}::${name}`;
        if (!this.recorded.has(urn)) {
            const props: WireProps = version ? { version } : {};
            this.recorded.set(urn, {
                urn, type: `pulumi:providers:${pkg}`, name, custom: true, dependencies: [], propertyDependencies: {},
                options: {
                    protect: false, retainOnDelete: false, ignoreChanges: [], replaceOnChanges: [], additionalSecretOutputs: [], aliases: [],
                    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
                },
                inputs: props, state: props,
            });
        }
        return urn;
    }

    override registerResourceOutputs(req: resproto.RegisterResourceOutputsRequest, callback: OutputsCallback): void {
        const record = this.recorded.get(req.getUrn());
        if (record) {
            record.outputs = (req.getOutputs()?.toJavaScript() ?? {}) as WireProps;
        }
        super.registerResourceOutputs(req, callback);
    }
}

/** "5m", "1h30m", "20s" → seconds; the SDK sends Go durations. */
function parseDuration(value: string | undefined): number {
    if (!value) {
        return 0;
    }
    let seconds = 0;
    for (const [, n, unit] of value.matchAll(/([0-9.]+)(h|m|s|ms)/g)) {
        seconds += Number(n) * ({ h: 3600, m: 60, s: 1, ms: 0.001 }[unit] ?? 0);
    }
    return seconds;
}

/** The program failed; `registered` is what it had registered by then (the root stack at least). */
export class ProgramFailure extends Error {
    constructor(readonly cause: unknown, readonly registered: RecordedResource[]) {
        super(cause instanceof Error ? cause.message : String(cause));
        this.name = "ProgramFailure";
    }
}

/** A Pulumi program as `index.ts` exports it: a function returning the stack outputs. */
export type Program = () => Promise<Record<string, unknown> | undefined>;

export interface RecordOptions {
    project?: string;
    stack: string;
    /** Full config keys (`kubelab:labs`) to string values, structured values as JSON. */
    config: Record<string, string>;
    secretKeys?: string[];
    /** Preview (default) or update: in a preview, values computed at deployment are unknown. */
    preview?: boolean;
}

/**
 * Runs `program` inside a root stack resource, under mocks, and returns everything it
 * registered once the runtime has answered every registration. A program error becomes a
 * {@link ProgramFailure} carrying the error and what had been registered before it.
 */
export async function recordProgram(program: Program, opts: RecordOptions): Promise<Recording> {
    const project = opts.project ?? "kubelab";
    const preview = opts.preview ?? true;
    const mocks = new KubelabMocks({ preview });
    // setMocks turns on the runtime features the mock monitor supports; the recording monitor then replaces it.
    await pulumi.runtime.setMocks(mocks, project, opts.stack, preview);
    const monitor = new RecordingMonitor(mocks);
    pulumi.runtime.setMockOptions(monitor, project, opts.stack, preview);
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys ?? []);

    // Like the CLI's program runner (cmd/run/run.js), an uncaught error or unhandled rejection
    // anywhere in the program fails the run; the root stack's own promise rejects that way too.
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => { uncaught.push(err); };
    process.on("unhandledRejection", onUncaught);
    process.on("uncaughtException", onUncaught);
    let failure: unknown;
    let stackOutputs: Record<string, unknown> = {};
    try {
        try {
            stackOutputs = (await pulumi.runtime.runInPulumiStack(async () => program())) ?? {};
        } catch (err) {
            failure = err;
        }
        try {
            await pulumi.runtime.disconnect();
        } catch (err) {
            failure = failure ?? err;
        }
        await new Promise(resolve => setImmediate(resolve));
    } finally {
        process.off("unhandledRejection", onUncaught);
        process.off("uncaughtException", onUncaught);
    }
    failure = failure ?? uncaught[0];
    if (failure !== undefined) {
        throw new ProgramFailure(failure, [...monitor.recorded.values()]);
    }
    return { project, stack: opts.stack, preview, resources: [...monitor.recorded.values()], stackOutputs };
}
