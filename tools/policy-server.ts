/**
 * The real CrossGuard policy server, started the way `pulumi preview --policy-pack policy` starts
 * a Node.js pack, and a client that speaks its Analyzer protocol the way the engine does. The
 * tests use it to prove that the harness (policy-harness.ts) reports what the server reports.
 *
 * How the CLI runs a Node.js pack (pulumi/pulumi: pkg/resource/plugin/analyzer_plugin.go,
 * NewPolicyAnalyzer, and the `pulumi-analyzer-policy` shim), mirrored here:
 *
 * - the shim resolves `@pulumi/pulumi/cmd/run-policy-pack` from the pack folder
 *   (`require.resolve` walks up to the project's node_modules) and runs
 *   `node <that> <engine-address> .` with the pack folder as working directory and the stack in
 *   the environment (PULUMI_NODEJS_PROJECT/STACK/ORGANIZATION/DRY_RUN and PULUMI_*);
 * - run-policy-pack registers ts-node with type-checking and the pack's tsconfig.json, then
 *   loads index.ts, which constructs the PolicyPack; that serves on 127.0.0.1 and prints the port;
 * - the CLI reads the first line of stdout and requires a number (anything printed before the
 *   port, e.g. a console.log at load time, makes `pulumi preview` fail), then calls Handshake
 *   (the Node.js server does not implement it: UNIMPLEMENTED, which the CLI accepts),
 *   ConfigureStack, GetAnalyzerInfo and Configure with every policy's effective level and
 *   properties; then Analyze once per resource and AnalyzeStack once at the end.
 *
 * The engine address: run-policy-pack drops its first argument (`argv._.shift()`), and the
 * runtime would only dial an engine named in PULUMI_NODEJS_ENGINE, which the CLI does not set for
 * analyzers. So the pack never calls the Engine service; its `log.*` and console output go to
 * its stdout/stderr, which the CLI shows as plugin output. The stub below serves the whole Engine
 * service at the address the CLI would pass and records every call, so a test can show that.
 */
import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import * as enginerpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginepb from "@pulumi/pulumi/proto/engine_pb";
import type * as pluginpb from "@pulumi/pulumi/proto/plugin_pb";
import type { EnforcementLevel, Severity } from "@pulumi/policy";
import type { AnalyzerResource, NotApplicable, PolicyDiagnostic, ResolvedConfig } from "./policy-harness";
import type { WireProps, WireValue } from "./recorder";
import { ROOT } from "./plan-lib";

const LEVEL_NAMES: Record<analyzerpb.EnforcementLevel, EnforcementLevel> = {
    [analyzerpb.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerpb.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerpb.EnforcementLevel.REMEDIATE]: "remediate",
    [analyzerpb.EnforcementLevel.DISABLED]: "disabled",
};
const LEVEL_VALUES: Record<EnforcementLevel, analyzerpb.EnforcementLevel> = {
    advisory: analyzerpb.EnforcementLevel.ADVISORY,
    mandatory: analyzerpb.EnforcementLevel.MANDATORY,
    remediate: analyzerpb.EnforcementLevel.REMEDIATE,
    disabled: analyzerpb.EnforcementLevel.DISABLED,
};
const SEVERITIES: Record<analyzerpb.PolicySeverity, Severity | undefined> = {
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_UNSPECIFIED]: undefined,
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_LOW]: "low",
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_MEDIUM]: "medium",
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_HIGH]: "high",
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_CRITICAL]: "critical",
};
const POLICY_TYPES: Record<analyzerpb.PolicyType, ServedPolicy["type"]> = {
    [analyzerpb.PolicyType.POLICY_TYPE_UNKNOWN]: "unknown",
    [analyzerpb.PolicyType.POLICY_TYPE_RESOURCE]: "resource",
    [analyzerpb.PolicyType.POLICY_TYPE_STACK]: "stack",
};
const LOG_SEVERITIES: Record<enginepb.LogSeverity, EngineLog["severity"]> = {
    [enginepb.LogSeverity.DEBUG]: "debug",
    [enginepb.LogSeverity.INFO]: "info",
    [enginepb.LogSeverity.WARNING]: "warning",
    [enginepb.LogSeverity.ERROR]: "error",
};

/** One policy as GetAnalyzerInfo describes it. */
export interface ServedPolicy {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    type: "resource" | "stack" | "unknown";
    severity?: Severity;
    /** The config schema's properties and required list, when the policy has a schema. */
    configSchema?: { properties: Record<string, JavaScriptValue>; required: string[] };
}

/** The pack as GetAnalyzerInfo describes it. */
export interface ServedPack {
    name: string;
    version: string;
    description: string;
    supportsConfig: boolean;
    policies: ServedPolicy[];
}

/** A message the pack logged through the Engine service. */
export interface EngineLog {
    severity: "debug" | "info" | "warning" | "error";
    message: string;
    urn: string;
}

/** A diagnostic from the server, with the URN the engine attributes it to. */
export interface ServedDiagnostic extends PolicyDiagnostic {
    /** The RPC that produced it. */
    call: "Analyze" | "AnalyzeStack";
    /** The diagnostic's `urn` exactly as the server sent it ("" when unset). */
    wireUrn: string;
}

/** A run over the server, in the harness's shapes (it is a PolicyRun). */
export interface ServerRun {
    diagnostics: ServedDiagnostic[];
    notApplicable: NotApplicable[];
}

export interface StartOptions {
    /** The pack folder (with PulumiPolicy.yaml); `<root>/policy` by default. */
    packDir?: string;
    /** How long loading and type-checking the pack may take before the start fails. */
    startTimeoutMs?: number;
    /** Deadline of each RPC. */
    callTimeoutMs?: number;
    /** The stack context the CLI hands the pack (environment and ConfigureStack). */
    project?: string;
    stack?: string;
    organization?: string;
    /** A preview (the default) or an update. */
    dryRun?: boolean;
}

export class PolicyServerStartError extends Error {
    constructor(message: string, readonly output: string) {
        super(`${message}\n--- policy pack output ---\n${output}`);
        this.name = "PolicyServerStartError";
    }
}

type Callback<Res> = (err: grpc.ServiceError | null, res: Res) => void;

/** The whole Engine service: records each call and every log message, answers like an engine would. */
class EngineStub {
    readonly logs: EngineLog[] = [];
    readonly calls: string[] = [];
    readonly server = new grpc.Server();

    constructor() {
        const impl: enginerpc.IEngineServer = {
            log: (call, cb) => {
                this.calls.push("Log");
                const r = call.request;
                this.logs.push({ severity: LOG_SEVERITIES[r.getSeverity()], message: r.getMessage(), urn: r.getUrn() });
                cb(null, new Empty());
            },
            getRootResource: (_call, cb) => {
                this.calls.push("GetRootResource");
                cb(null, new enginepb.GetRootResourceResponse());
            },
            setRootResource: (_call, cb) => {
                this.calls.push("SetRootResource");
                cb(null, new enginepb.SetRootResourceResponse());
            },
            startDebugging: (_call, cb) => {
                this.calls.push("StartDebugging");
                cb(null, new Empty());
            },
            requirePulumiVersion: (_call, cb) => {
                this.calls.push("RequirePulumiVersion");
                cb(null, new enginepb.RequirePulumiVersionResponse());
            },
        };
        this.server.addService(enginerpc.EngineService, impl);
    }

    listen(): Promise<number> {
        return new Promise((resolve, reject) =>
            this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
    }
}

/** The environment the CLI gives a Node.js pack: its own, plus the stack (analyzer_plugin.go constructEnv). */
function packEnvironment(o: Required<Pick<StartOptions, "project" | "stack" | "organization" | "dryRun">>): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        // This process's ts-node settings (mocha registers ts-node transpile-only) are not the
        // CLI's; nor are engine or monitor addresses of an enclosing Pulumi run.
        if (!k.startsWith("TS_NODE_") && k !== "PULUMI_NODEJS_ENGINE" && k !== "PULUMI_NODEJS_MONITOR") {
            env[k] = v;
        }
    }
    const dryRun = String(o.dryRun);
    return {
        ...env,
        PULUMI_NODEJS_ORGANIZATION: o.organization,
        PULUMI_NODEJS_PROJECT: o.project,
        PULUMI_NODEJS_STACK: o.stack,
        PULUMI_NODEJS_DRY_RUN: dryRun,
        PULUMI_ORGANIZATION: o.organization,
        PULUMI_PROJECT: o.project,
        PULUMI_STACK: o.stack,
        PULUMI_DRY_RUN: dryRun,
    };
}

/** A JSON value for a protobuf Struct, checked: Struct.fromJavaScript can't carry undefined, functions, … */
function jsonValue(value: unknown, at: string): JavaScriptValue {
    if (value === null || typeof value === "string" || typeof value === "boolean") {
        return value;
    }
    if (typeof value === "number" && Number.isFinite(value)) {
        return value;
    }
    if (Array.isArray(value)) {
        return value.map((v, i) => jsonValue(v, `${at}[${i}]`));
    }
    if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
        return jsonObject(value as Record<string, unknown>, at);
    }
    throw new TypeError(`${at} is not a JSON value: ${String(value)}`);
}

function jsonObject(value: Record<string, unknown>, at: string): Record<string, JavaScriptValue> {
    const out: Record<string, JavaScriptValue> = {};
    for (const [k, v] of Object.entries(value)) {
        out[k] = jsonValue(v, `${at}.${k}`);
    }
    return out;
}

function struct(props: WireProps): Struct {
    return Struct.fromJavaScript(props);
}

function wireValue(value: JavaScriptValue): WireValue {
    if (value === null || typeof value === "string" || typeof value === "boolean" || typeof value === "number") {
        return value;
    }
    if (Array.isArray(value)) {
        return value.map((v: JavaScriptValue) => wireValue(v));
    }
    return wireProps(value as Record<string, JavaScriptValue>);
}

function wireProps(value: Record<string, JavaScriptValue>): WireProps {
    const out: WireProps = {};
    for (const [k, v] of Object.entries(value)) {
        out[k] = wireValue(v);
    }
    return out;
}

export class PolicyServer {
    /** Milliseconds from spawning the pack to its port on stdout (ts-node type-checks the pack). */
    readonly startMs: number;
    /** The runner script, as the CLI's shim resolves it from the pack folder. */
    readonly runner: string;
    /** gRPC status of Handshake (the CLI's first call): 0 if implemented. */
    readonly handshakeCode: grpc.status;

    private exited = false;
    private readonly exitedPromise: Promise<void>;
    private readonly killOnExit = () => this.child.kill("SIGKILL");

    private constructor(
        private readonly child: ChildProcess,
        private readonly engine: EngineStub,
        private readonly client: analyzerrpc.AnalyzerClient,
        private readonly out: { stdout: string; stderr: string },
        private readonly callTimeoutMs: number,
        readonly engineAddress: string,
        runner: string,
        startMs: number,
        handshakeCode: grpc.status,
    ) {
        this.runner = runner;
        this.startMs = startMs;
        this.handshakeCode = handshakeCode;
        this.exitedPromise = new Promise(resolve => {
            if (child.exitCode !== null || child.signalCode !== null) {
                this.exited = true;
                resolve();
            } else {
                child.once("exit", () => {
                    this.exited = true;
                    resolve();
                });
            }
        });
        process.once("exit", this.killOnExit);
    }

    /** Messages the pack logged through the Engine service. */
    get logs(): readonly EngineLog[] {
        return this.engine.logs;
    }

    /** Every Engine RPC the pack made, in order. */
    get engineCalls(): readonly string[] {
        return this.engine.calls;
    }

    /** What the pack wrote after the port line (stdout) and to stderr: the CLI's "plugin output". */
    get output(): string {
        return `${this.out.stdout}${this.out.stderr}`;
    }

    /** True while the pack's process runs. */
    get running(): boolean {
        return !this.exited;
    }

    /**
     * Starts the Engine stub and the pack, as the CLI does, and makes the CLI's first calls
     * (Handshake, ConfigureStack). Throws with the pack's output if it does not serve.
     */
    static async start(options: StartOptions = {}): Promise<PolicyServer> {
        const packDir = options.packDir ?? path.join(ROOT, "policy");
        const ctx = {
            project: options.project ?? "kubelab",
            stack: options.stack ?? "dev",
            organization: options.organization ?? "organization",
            dryRun: options.dryRun ?? true,
        };
        const callTimeoutMs = options.callTimeoutMs ?? 20000;
        const startTimeoutMs = options.startTimeoutMs ?? 60000;
        // The shim: `node -e "require.resolve('@pulumi/pulumi/cmd/run-policy-pack')"` in the pack folder.
        const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });

        const engine = new EngineStub();
        const enginePort = await engine.listen();
        const engineAddress = `127.0.0.1:${enginePort}`;
        const started = Date.now();
        const child = spawn(process.execPath, [runner, engineAddress, "."], {
            cwd: packDir,
            env: packEnvironment(ctx),
            stdio: ["ignore", "pipe", "pipe"],
        });
        const out = { stdout: "", stderr: "" };
        child.stderr?.setEncoding("utf8");
        child.stderr?.on("data", (d: string) => { out.stderr += d; });
        child.stdout?.setEncoding("utf8");
        let client: analyzerrpc.AnalyzerClient | undefined;
        const killOnExit = () => child.kill("SIGKILL");
        process.once("exit", killOnExit);
        try {
            const port = await new Promise<number>((resolve, reject) => {
                let firstLine: string | undefined;
                const timer = setTimeout(() => reject(new PolicyServerStartError(`the pack did not print its port within ${startTimeoutMs} ms`, out.stdout + out.stderr)), startTimeoutMs);
                child.stdout?.on("data", (d: string) => {
                    if (firstLine !== undefined) {
                        out.stdout += d;
                        return;
                    }
                    out.stdout += d;
                    const nl = out.stdout.indexOf("\n");
                    if (nl === -1) {
                        return;
                    }
                    firstLine = out.stdout.slice(0, nl).trim();
                    out.stdout = out.stdout.slice(nl + 1);
                    clearTimeout(timer);
                    // The CLI: strconv.Atoi of the first line, else "wrote a non-numeric port to stdout".
                    if (/^\d+$/.test(firstLine)) {
                        resolve(Number(firstLine));
                    } else {
                        reject(new PolicyServerStartError(`the pack wrote a non-numeric port to stdout ('${firstLine}'); pulumi preview would fail`, out.stdout + out.stderr));
                    }
                });
                child.once("error", err => { clearTimeout(timer); reject(err); });
                child.once("exit", (code, signal) => {
                    clearTimeout(timer);
                    reject(new PolicyServerStartError(`the pack exited (${signal ?? code}) before serving`, out.stdout + out.stderr));
                });
            });
            const startMs = Date.now() - started;
            client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
            const c = client;
            const call = <Res>(invoke: (md: grpc.Metadata, o: Partial<grpc.CallOptions>, cb: Callback<Res>) => unknown): Promise<Res> =>
                unary(invoke, callTimeoutMs);

            // Handshake: the CLI tolerates UNIMPLEMENTED and falls back to the arguments it passed.
            const hs = new analyzerpb.AnalyzerHandshakeRequest();
            hs.setEngineAddress(engineAddress);
            hs.setRootDirectory(packDir);
            hs.setProgramDirectory(packDir);
            let handshakeCode = grpc.status.OK;
            try {
                await call<analyzerpb.AnalyzerHandshakeResponse>((md, o, cb) => c.handshake(hs, md, o, cb));
            } catch (err) {
                if (!isServiceError(err) || err.code !== grpc.status.UNIMPLEMENTED) {
                    throw err;
                }
                handshakeCode = err.code;
            }
            const cs = new analyzerpb.AnalyzerStackConfigureRequest();
            cs.setProject(ctx.project);
            cs.setStack(ctx.stack);
            cs.setOrganization(ctx.organization);
            cs.setDryRun(ctx.dryRun);
            await call<analyzerpb.AnalyzerStackConfigureResponse>((md, o, cb) => c.configureStack(cs, md, o, cb));

            process.removeListener("exit", killOnExit);
            return new PolicyServer(child, engine, c, out, callTimeoutMs, engineAddress, runner, startMs, handshakeCode);
        } catch (err) {
            process.removeListener("exit", killOnExit);
            client?.close();
            child.kill("SIGKILL");
            engine.server.forceShutdown();
            throw err;
        }
    }

    private call<Res>(invoke: (md: grpc.Metadata, o: Partial<grpc.CallOptions>, cb: Callback<Res>) => unknown): Promise<Res> {
        return unary(invoke, this.callTimeoutMs);
    }

    /** GetAnalyzerInfo. */
    async info(): Promise<ServedPack> {
        const res = await this.call<analyzerpb.AnalyzerInfo>((md, o, cb) => this.client.getAnalyzerInfo(new Empty(), md, o, cb));
        return {
            name: res.getName(),
            version: res.getVersion(),
            description: res.getDescription(),
            supportsConfig: res.getSupportsconfig(),
            policies: res.getPoliciesList().map((p): ServedPolicy => {
                const schema = p.getConfigschema();
                const served: ServedPolicy = {
                    name: p.getName(),
                    description: p.getDescription(),
                    enforcementLevel: LEVEL_NAMES[p.getEnforcementlevel()],
                    type: POLICY_TYPES[p.getPolicyType()],
                    severity: SEVERITIES[p.getSeverity()],
                };
                if (schema) {
                    served.configSchema = { properties: schema.getProperties()?.toJavaScript() ?? {}, required: schema.getRequiredList() };
                }
                return served;
            }),
        };
    }

    /** GetPluginInfo: the version of @pulumi/policy serving the pack. */
    async pluginVersion(): Promise<string> {
        const res = await this.call<pluginpb.PluginInfo>((md, o, cb) => this.client.getPluginInfo(new Empty(), md, o, cb));
        return res.getVersion();
    }

    /**
     * Configure, as the CLI sends it (ReconcilePolicyPackConfig): every policy of the pack with its
     * effective level (the config's, else the one GetAnalyzerInfo reported) and its properties
     * (schema defaults overlaid with the user's settings: `resolvePolicyConfig`'s output).
     */
    async configure(pack: ServedPack, config: ResolvedConfig): Promise<void> {
        const req = new analyzerpb.ConfigureAnalyzerRequest();
        for (const p of pack.policies) {
            const { enforcementLevel, ...properties } = config[p.name] ?? {};
            const pc = new analyzerpb.PolicyConfig();
            pc.setEnforcementlevel(LEVEL_VALUES[enforcementLevel ?? p.enforcementLevel]);
            pc.setProperties(Struct.fromJavaScript(jsonObject(properties, `policy config ${p.name}`)));
            req.getPolicyconfigMap().set(p.name, pc);
        }
        await this.call<Empty>((md, o, cb) => this.client.configure(req, md, o, cb));
    }

    /** Analyze one resource: the raw response. */
    async analyzeOne(r: AnalyzerResource): Promise<analyzerpb.AnalyzeResponse> {
        const req = new analyzerpb.AnalyzeRequest();
        req.setUrn(r.urn);
        req.setType(r.type);
        req.setName(r.name);
        req.setProperties(struct(r.properties));
        req.setOptions(resourceOptions(r));
        const provider = providerResource(r);
        if (provider) {
            req.setProvider(provider);
        }
        return this.call<analyzerpb.AnalyzeResponse>((md, o, cb) => this.client.analyze(req, md, o, cb));
    }

    /** AnalyzeStack over all resources (their outputs, parents and dependencies): the raw response. */
    async analyzeStack(resources: AnalyzerResource[]): Promise<analyzerpb.AnalyzeResponse> {
        const req = new analyzerpb.AnalyzeStackRequest();
        req.setResourcesList(resources.map(r => {
            const ar = new analyzerpb.AnalyzerResource();
            ar.setUrn(r.urn);
            ar.setType(r.type);
            ar.setName(r.name);
            ar.setProperties(struct(r.stackProperties ?? r.properties));
            ar.setOptions(resourceOptions(r));
            const provider = providerResource(r);
            if (provider) {
                ar.setProvider(provider);
            }
            ar.setParent(r.parent ?? "");
            ar.setDependenciesList(r.dependencies);
            for (const [key, urns] of Object.entries(r.propertyDependencies)) {
                // The engine skips properties without dependencies.
                if (urns.length) {
                    const deps = new analyzerpb.AnalyzerPropertyDependencies();
                    deps.setUrnsList(urns);
                    ar.getPropertydependenciesMap().set(key, deps);
                }
            }
            return ar;
        }));
        return this.call<analyzerpb.AnalyzeResponse>((md, o, cb) => this.client.analyzeStack(req, md, o, cb));
    }

    /**
     * A preview's policy run: Analyze per resource, then AnalyzeStack, converted to the harness's
     * shapes with the URNs the engine reports them under.
     *
     * The server sets a diagnostic's urn only to what the policy passed to reportViolation (none
     * for the "can't run … during preview" advisory). The engine then reports an Analyze
     * diagnostic against the analyzed resource whatever its urn ("For now, we always use the URN
     * we have here rather than a URN specified with the diagnostic", step_generator.go), and an
     * AnalyzeStack diagnostic against its own urn, if any (OnPolicyViolation(d.URN, d)). Not-applicable
     * entries carry no urn on the wire; an Analyze one is about the analyzed resource. The
     * harness's `urn` means the same, so this is where the two representations meet; `wireUrn`
     * keeps what the server sent.
     */
    async run(resources: AnalyzerResource[]): Promise<ServerRun> {
        const run: ServerRun = { diagnostics: [], notApplicable: [] };
        for (const r of resources) {
            collect(await this.analyzeOne(r), run, "Analyze", r.urn);
        }
        collect(await this.analyzeStack(resources), run, "AnalyzeStack", undefined);
        return run;
    }

    /** Stops the pack (SIGKILL, as the CLI kills plugins) and the Engine stub; idempotent. */
    async stop(): Promise<void> {
        process.removeListener("exit", this.killOnExit);
        this.client.close();
        if (!this.exited) {
            this.child.kill("SIGKILL");
        }
        await this.exitedPromise;
        this.child.stdout?.destroy();
        this.child.stderr?.destroy();
        this.engine.server.forceShutdown();
    }
}

function isServiceError(err: unknown): err is grpc.ServiceError {
    return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === "number";
}

function unary<Res>(invoke: (md: grpc.Metadata, o: Partial<grpc.CallOptions>, cb: Callback<Res>) => unknown, timeoutMs: number): Promise<Res> {
    return new Promise((resolve, reject) =>
        invoke(new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res))));
}

/** The options the engine sends (marshalResourceOptions): custom timeouts always set, parent as a string. */
function resourceOptions(r: AnalyzerResource): analyzerpb.AnalyzerResourceOptions {
    const o = new analyzerpb.AnalyzerResourceOptions();
    o.setProtect(r.options.protect);
    o.setIgnorechangesList(r.options.ignoreChanges);
    o.setDeletebeforereplace(r.options.deleteBeforeReplace ?? false);
    o.setDeletebeforereplacedefined(r.options.deleteBeforeReplace !== undefined);
    o.setAdditionalsecretoutputsList(r.options.additionalSecretOutputs);
    o.setAliasesList(r.options.aliases);
    const t = new analyzerpb.AnalyzerResourceOptions.CustomTimeouts();
    t.setCreate(r.options.customTimeouts.createSeconds);
    t.setUpdate(r.options.customTimeouts.updateSeconds);
    t.setDelete(r.options.customTimeouts.deleteSeconds);
    o.setCustomtimeouts(t);
    o.setParent(r.options.parent ?? "");
    return o;
}

function providerResource(r: AnalyzerResource): analyzerpb.AnalyzerProviderResource | undefined {
    if (!r.provider) {
        return undefined;
    }
    const p = new analyzerpb.AnalyzerProviderResource();
    p.setUrn(r.provider.urn);
    p.setType(r.provider.type);
    p.setName(r.provider.name);
    p.setProperties(struct(r.provider.properties));
    return p;
}

function collect(res: analyzerpb.AnalyzeResponse, run: ServerRun, call: ServedDiagnostic["call"], analyzed: string | undefined): void {
    for (const d of res.getDiagnosticsList()) {
        const wireUrn = d.getUrn();
        const diagnostic: ServedDiagnostic = {
            policyName: d.getPolicyname(),
            policyPackName: d.getPolicypackname(),
            policyPackVersion: d.getPolicypackversion(),
            description: d.getDescription(),
            message: d.getMessage(),
            enforcementLevel: LEVEL_NAMES[d.getEnforcementlevel()],
            call,
            wireUrn,
        };
        const severity = SEVERITIES[d.getSeverity()];
        if (severity) {
            diagnostic.severity = severity;
        }
        const urn = analyzed ?? (wireUrn || undefined);
        if (urn) {
            diagnostic.urn = urn;
        }
        run.diagnostics.push(diagnostic);
    }
    for (const n of res.getNotApplicableList()) {
        const na: NotApplicable = { policyName: n.getPolicyName() };
        if (n.getReason()) {
            na.reason = n.getReason();
        }
        if (analyzed) {
            na.urn = analyzed;
        }
        run.notApplicable.push(na);
    }
}
