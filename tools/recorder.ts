/**
 * Runs the real kubelab program on the real `@pulumi/pulumi` runtime under mocks, and records
 * every registration the way the engine would see it: type, name, URN, parent, dependencies,
 * property dependencies, provider, resource options and the (checked) inputs as sent over the
 * wire, unknowns and secrets included.
 *
 * `Mocks.newResource` is not told a resource's parent, dependencies or options, so the recorder
 * wraps Pulumi's own `MockMonitor` and reads them off each `RegisterResourceRequest`.
 *
 * Nothing is skipped silently: a remote component (`remote: true`: `helm.v4.Chart`,
 * `yaml.v2.ConfigGroup`, `kustomize.v2.Directory`, any multi-language component) and a Helm
 * `Release` get their Kubernetes objects from the provider at deploy time, so under mocks they
 * have no children. The recording lists them in `notRenderedOffline`, and fails if one is inside
 * a lab (a `kubelab:labs:*` component): labs are built from kubelab's own components so that the
 * offline plan sees every object; only platform cluster services may use them.
 */
import * as pulumi from "@pulumi/pulumi";
import { KubelabMocks } from "./mocks";
import {
    MockMonitor, RegisterResourceOutputsRequest, RegisterResourceRequest, RegisterResourceResponse, replaceNewUrn, skipUnreadPromiseStacks,
} from "./sdk-internals";

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
    /** Why the offline plan can't show what this resource creates, if it can't (see {@link notRenderedReason}). */
    notRenderedOffline?: string;
}

/** A resource whose Kubernetes objects the offline plan can't show. */
export interface NotRenderedOffline {
    urn: string;
    type: string;
    name: string;
    reason: string;
}

export interface Recording {
    project: string;
    stack: string;
    preview: boolean;
    /** Every resource, in registration order (the root stack first). */
    resources: RecordedResource[];
    /** The stack outputs, as the program returned them. */
    stackOutputs: Record<string, unknown>;
    /** Remote components and Helm releases: their objects are made at deploy time, so they are not in the plan. */
    notRenderedOffline: NotRenderedOffline[];
    /** What the program (or the SDK) logged as warnings (`pulumi.log.warn`), in order: `pulumi preview` shows them as diagnostics. */
    warnings: string[];
}

/**
 * Without an engine to log to (the mocks have none), `pulumi.log.warn` writes
 * `warning: [runtime] <message>` to console.warn (@pulumi/pulumi/log). While `work` runs, those
 * lines are kept in the returned list instead of printed; anything else passes through.
 */
async function keepingWarnings<T>(work: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
    const warnings: string[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => {
        const m = args.length === 1 && typeof args[0] === "string" ? /^warning: \[runtime\] ([\s\S]*)$/.exec(args[0]) : null;
        if (m) {
            warnings.push(m[1]);
        } else {
            original.apply(console, args);
        }
    };
    try {
        return { result: await work(), warnings };
    } finally {
        console.warn = original;
    }
}

type ResourceCallback = (err: Error | null, response: RegisterResourceResponse | undefined) => void;
type OutputsCallback = (err: Error | null, response: unknown) => void;

const STACK_TYPE = "pulumi:pulumi:Stack";
const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
/** Components of this type prefix are labs, which may not contain what the offline plan can't render. */
const LAB_TYPE_PREFIX = "kubelab:labs:";

/** Why a registration's objects are not rendered offline, or undefined if they are. */
export function notRenderedReason(req: { type: string; remote: boolean }): string | undefined {
    if (req.remote) {
        return "remote component: its children are created by the provider at deploy time";
    }
    if (req.type === HELM_RELEASE_TYPE) {
        return "Helm release: the chart is rendered by the provider";
    }
    return undefined;
}

/** A lab uses a resource the offline plan can't render. */
export class NotRenderableInLabError extends Error {
    constructor(readonly offenders: { resource: NotRenderedOffline; lab: RecordedResource }[]) {
        super(offenders.map(({ resource, lab }) =>
            `lab ${lab.name} (${lab.type}) contains ${resource.type} '${resource.name}', which the offline plan can't render (${resource.reason}). ` +
            "Build labs from kubelab's own components so that every object is planned and checked; only platform cluster services may use remote components or Helm releases.").join("\n"));
        this.name = "NotRenderableInLabError";
    }
}

/** A mock monitor that records what the engine would see. */
export class RecordingMonitor extends MockMonitor {
    readonly recorded = new Map<string, RecordedResource>();

    constructor(mocks: pulumi.runtime.Mocks) {
        super(mocks);
        // The engine leaves the root stack's type out of its children's qualified types:
        // `urn:pulumi:dev::kubelab::kubelab:labs:Smilr$kubernetes:core/v1:Namespace::smilr-namespace`.
        replaceNewUrn(this, (parent, type, name) => {
            let qualified = type;
            if (parent) {
                const parentType = parent.split("::")[2];
                if (parentType !== STACK_TYPE) {
                    qualified = `${parentType}$${type}`;
                }
            }
            return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
        });
    }

    override async registerResource(req: RegisterResourceRequest, callback: ResourceCallback): Promise<void> {
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
            notRenderedOffline: notRenderedReason({ type: req.getType(), remote: req.getRemote() }),
        };
        if (!base.notRenderedOffline) {
            delete base.notRenderedOffline;
        }
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

    override registerResourceOutputs(req: RegisterResourceOutputsRequest, callback: OutputsCallback): void {
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
    /**
     * The program's own stack's previous outputs (a previous plan report's `outputs`), answered to
     * a `StackReference` to that stack; unset, such a reference fails naming `--against`.
     */
    previousOutputs?: Record<string, unknown>;
}

/**
 * Runs `program` inside a root stack resource, under mocks, and returns everything it
 * registered once the runtime has answered every registration. A program error becomes a
 * {@link ProgramFailure} carrying the error and what had been registered before it.
 */
export async function recordProgram(program: Program, opts: RecordOptions): Promise<Recording> {
    const project = opts.project ?? "kubelab";
    const preview = opts.preview ?? true;
    const mocks = new KubelabMocks({ preview, ...(opts.previousOutputs ? { previousOutputs: opts.previousOutputs } : {}) });
    // setMocks turns on the runtime features the mock monitor supports; the recording monitor then replaces it.
    // The organization is the one a DIY (local or object-storage) backend reports; Pulumi Cloud
    // reports the user's or team's, which the program only uses to name its own stack.
    const organization = "organization";
    await pulumi.runtime.setMocks(mocks, project, opts.stack, preview, organization);
    const monitor = new RecordingMonitor(mocks);
    skipUnreadPromiseStacks();
    pulumi.runtime.setMockOptions(monitor, project, opts.stack, preview, organization);
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys ?? []);

    // Like the CLI's program runner (cmd/run/run.js), an uncaught error or unhandled rejection
    // anywhere in the program fails the run; the root stack's own promise rejects that way too.
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => { uncaught.push(err); };
    process.on("unhandledRejection", onUncaught);
    process.on("uncaughtException", onUncaught);
    let failure: unknown;
    let stackOutputs: Record<string, unknown> = {};
    let warnings: string[] = [];
    try {
        try {
            const run = await keepingWarnings(() => pulumi.runtime.runInPulumiStack(async () => program()));
            stackOutputs = run.result ?? {};
            warnings = run.warnings;
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
    const resources = [...monitor.recorded.values()];
    if (failure !== undefined) {
        throw new ProgramFailure(failure, resources);
    }
    const notRenderedOffline = notRenderedIn(resources);
    if (notRenderedOffline.offenders.length) {
        throw new ProgramFailure(new NotRenderableInLabError(notRenderedOffline.offenders), resources);
    }
    return { project, stack: opts.stack, preview, resources, stackOutputs, notRenderedOffline: notRenderedOffline.list, warnings };
}

/** The resources not rendered offline, and those of them inside a lab, with the (innermost) lab. */
function notRenderedIn(resources: RecordedResource[]): { list: NotRenderedOffline[]; offenders: { resource: NotRenderedOffline; lab: RecordedResource }[] } {
    const byUrn = new Map(resources.map(r => [r.urn, r]));
    const list: NotRenderedOffline[] = [];
    const offenders: { resource: NotRenderedOffline; lab: RecordedResource }[] = [];
    for (const r of resources) {
        if (!r.notRenderedOffline) {
            continue;
        }
        const entry: NotRenderedOffline = { urn: r.urn, type: r.type, name: r.name, reason: r.notRenderedOffline };
        list.push(entry);
        const seen = new Set<string>();
        for (let a = r.parent ? byUrn.get(r.parent) : undefined; a && !seen.has(a.urn); a = a.parent ? byUrn.get(a.parent) : undefined) {
            seen.add(a.urn);
            if (a.type.startsWith(LAB_TYPE_PREFIX)) {
                offenders.push({ resource: entry, lab: a });
                break;
            }
        }
    }
    return { list, offenders };
}
