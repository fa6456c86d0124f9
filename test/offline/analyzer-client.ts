/**
 * The real policy server, started the way the Pulumi CLI starts a Node.js policy pack, and a
 * client that speaks its Analyzer protocol. Used to prove the harness (policy-harness.ts)
 * reports what the server reports for the same resources and config.
 *
 * - `node <root>/node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> .` in policy/: the
 *   pack is loaded through ts-node with type-checking, constructs its PolicyPack and prints the
 *   port it serves on;
 * - a minimal Engine service receives its log messages;
 * - Configure gets every policy's level and properties, as the CLI sends them after merging
 *   the schema defaults with the `--policy-pack-config` file (here: resolvePolicyConfig's result).
 */
import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import * as enginerpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginepb from "@pulumi/pulumi/proto/engine_pb";
import type { EnforcementLevel } from "@pulumi/policy";
import { AnalyzerResource, NotApplicable, PolicyDiagnostic, PolicyRun, ResolvedConfig } from "./policy-harness";
import { ROOT } from "./plan-lib";

const LEVELS: Record<analyzerpb.EnforcementLevel, EnforcementLevel> = {
    [analyzerpb.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerpb.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerpb.EnforcementLevel.DISABLED]: "disabled",
    [analyzerpb.EnforcementLevel.REMEDIATE]: "remediate",
};
const TO_LEVEL: Record<EnforcementLevel, analyzerpb.EnforcementLevel> = {
    advisory: analyzerpb.EnforcementLevel.ADVISORY,
    mandatory: analyzerpb.EnforcementLevel.MANDATORY,
    disabled: analyzerpb.EnforcementLevel.DISABLED,
    remediate: analyzerpb.EnforcementLevel.REMEDIATE,
};

export interface PolicyInfo {
    name: string;
    enforcementLevel: EnforcementLevel;
    configSchema?: Record<string, unknown>;
}

export interface AnalyzerInfo {
    name: string;
    version: string;
    policies: PolicyInfo[];
}

type Unary<Req, Res> = (req: Req, callback: (err: grpc.ServiceError | null, res: Res) => void) => unknown;

function call<Req, Res>(fn: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res))));
}

export class PolicyServer {
    /** Messages the pack logged through the engine. */
    readonly logs: string[] = [];
    private constructor(
        private readonly child: ChildProcess,
        private readonly engine: grpc.Server,
        private readonly client: analyzerrpc.AnalyzerClient,
    ) {}

    /** Starts the engine stub and the pack's server; resolves once the pack serves. */
    static async start(timeoutMs = 60000): Promise<PolicyServer> {
        const logs: string[] = [];
        const engine = new grpc.Server();
        engine.addService(enginerpc.EngineService, {
            log: (c: grpc.ServerUnaryCall<enginepb.LogRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
                logs.push(c.request.getMessage());
                cb(null, new Empty());
            },
            getRootResource: (_c: unknown, cb: grpc.sendUnaryData<enginepb.GetRootResourceResponse>) => cb(null, new enginepb.GetRootResourceResponse()),
            setRootResource: (_c: unknown, cb: grpc.sendUnaryData<enginepb.SetRootResourceResponse>) => cb(null, new enginepb.SetRootResourceResponse()),
        });
        const enginePort = await new Promise<number>((resolve, reject) =>
            engine.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
        const runner = path.join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
        const child = spawn(process.execPath, [runner, `127.0.0.1:${enginePort}`, "."], { cwd: path.join(ROOT, "policy"), stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stderr?.on("data", d => { stderr += String(d); });
        try {
            const port = await new Promise<number>((resolve, reject) => {
                let out = "";
                const timer = setTimeout(() => reject(new Error(`the policy pack did not start within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
                child.stdout?.on("data", d => {
                    out += String(d);
                    const m = /^(\d+)\s*$/m.exec(out);
                    if (m) {
                        clearTimeout(timer);
                        resolve(Number(m[1]));
                    }
                });
                child.once("exit", code => { clearTimeout(timer); reject(new Error(`the policy pack exited ${code} before serving: ${stderr}${out}${logs.join("\n")}`)); });
            });
            const client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
            const server = new PolicyServer(child, engine, client);
            server.logs.push(...logs);
            return server;
        } catch (err) {
            child.kill("SIGKILL");
            engine.forceShutdown();
            throw err;
        }
    }

    async info(): Promise<AnalyzerInfo> {
        const res = await call<unknown, analyzerpb.AnalyzerInfo>((r, cb) => this.client.getAnalyzerInfo(r as never, cb), new Empty());
        return {
            name: res.getName(),
            version: res.getVersion(),
            policies: res.getPoliciesList().map(p => ({
                name: p.getName(),
                enforcementLevel: LEVELS[p.getEnforcementlevel()],
                configSchema: p.getConfigschema()?.getProperties()?.toJavaScript(),
            })),
        };
    }

    /** Configure as the CLI does: every policy gets its effective level and its properties. */
    async configure(info: AnalyzerInfo, config: ResolvedConfig): Promise<void> {
        const req = new analyzerpb.ConfigureAnalyzerRequest();
        for (const p of info.policies) {
            const { enforcementLevel, ...props } = config[p.name] ?? {};
            const pc = new analyzerpb.PolicyConfig();
            pc.setEnforcementlevel(TO_LEVEL[enforcementLevel ?? p.enforcementLevel]);
            pc.setProperties(Struct.fromJavaScript(props as never));
            req.getPolicyconfigMap().set(p.name, pc);
        }
        await call((r, cb) => this.client.configure(r, cb), req);
    }

    /** One Analyze per resource, then one AnalyzeStack, as in a preview. */
    async analyze(resources: AnalyzerResource[]): Promise<PolicyRun> {
        const run: PolicyRun = { diagnostics: [], notApplicable: [] };
        for (const r of resources) {
            const req = new analyzerpb.AnalyzeRequest();
            req.setType(r.type);
            req.setUrn(r.urn);
            req.setName(r.name);
            req.setProperties(Struct.fromJavaScript(r.properties as never));
            req.setOptions(optionsOf(r));
            const provider = providerOf(r);
            if (provider) {
                req.setProvider(provider);
            }
            const res = await call<analyzerpb.AnalyzeRequest, analyzerpb.AnalyzeResponse>((q, cb) => this.client.analyze(q, cb), req);
            // The engine attaches a resource policy's diagnostics to the analyzed resource.
            collect(res, run, r.urn);
        }
        const req = new analyzerpb.AnalyzeStackRequest();
        req.setResourcesList(resources.map(r => {
            const ar = new analyzerpb.AnalyzerResource();
            ar.setType(r.type);
            ar.setUrn(r.urn);
            ar.setName(r.name);
            ar.setProperties(Struct.fromJavaScript((r.stackProperties ?? r.properties) as never));
            ar.setOptions(optionsOf(r));
            const provider = providerOf(r);
            if (provider) {
                ar.setProvider(provider);
            }
            ar.setParent(r.parent ?? "");
            ar.setDependenciesList(r.dependencies);
            for (const [k, urns] of Object.entries(r.propertyDependencies)) {
                const deps = new analyzerpb.AnalyzerPropertyDependencies();
                deps.setUrnsList(urns);
                ar.getPropertydependenciesMap().set(k, deps);
            }
            return ar;
        }));
        const res = await call<analyzerpb.AnalyzeStackRequest, analyzerpb.AnalyzeResponse>((q, cb) => this.client.analyzeStack(q, cb), req);
        collect(res, run, undefined);
        return run;
    }

    /** Stops the pack and the engine stub. */
    async stop(): Promise<void> {
        this.client.close();
        const exited = new Promise<void>(resolve => {
            if (this.child.exitCode !== null || this.child.signalCode !== null) {
                resolve();
            } else {
                this.child.once("exit", () => resolve());
            }
        });
        this.child.kill("SIGKILL");
        await exited;
        this.engine.forceShutdown();
    }
}

function optionsOf(r: AnalyzerResource): analyzerpb.AnalyzerResourceOptions {
    const o = new analyzerpb.AnalyzerResourceOptions();
    o.setProtect(r.options.protect);
    o.setIgnorechangesList(r.options.ignoreChanges);
    if (r.options.deleteBeforeReplace !== undefined) {
        o.setDeletebeforereplace(r.options.deleteBeforeReplace);
        o.setDeletebeforereplacedefined(true);
    }
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

function providerOf(r: AnalyzerResource): analyzerpb.AnalyzerProviderResource | undefined {
    if (!r.provider) {
        return undefined;
    }
    const p = new analyzerpb.AnalyzerProviderResource();
    p.setType(r.provider.type);
    p.setUrn(r.provider.urn);
    p.setName(r.provider.name);
    p.setProperties(Struct.fromJavaScript(r.provider.properties as never));
    return p;
}

function collect(res: analyzerpb.AnalyzeResponse, run: PolicyRun, analyzed: string | undefined): void {
    for (const d of res.getDiagnosticsList()) {
        const diagnostic: PolicyDiagnostic = {
            policyName: d.getPolicyname(),
            policyPackName: d.getPolicypackname(),
            policyPackVersion: d.getPolicypackversion(),
            description: d.getDescription(),
            message: d.getMessage(),
            enforcementLevel: LEVELS[d.getEnforcementlevel()],
            urn: d.getUrn() || analyzed,
        };
        run.diagnostics.push(diagnostic);
    }
    for (const n of res.getNotApplicableList()) {
        const na: NotApplicable = { policyName: n.getPolicyName(), reason: n.getReason() || undefined };
        if (analyzed) {
            na.urn = analyzed;
        }
        run.notApplicable.push(na);
    }
}
