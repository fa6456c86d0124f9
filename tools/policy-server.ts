/**
 * The policy pack started the way `pulumi preview --policy-pack policy` starts a Node.js pack,
 * as an {@link AnalyzerTransport}: the same requests policy-harness.ts hands the in-process
 * server go over gRPC to this one. One test uses it to show that the two agree and that the
 * pack loads the CLI's way; the plan and check never start it.
 *
 * How the CLI runs a Node.js pack (pulumi/pulumi: pkg/resource/plugin/analyzer_plugin.go,
 * NewPolicyAnalyzer, and the `pulumi-analyzer-policy` shim), mirrored here:
 *
 * - the shim resolves `@pulumi/pulumi/cmd/run-policy-pack` from the pack folder and runs
 *   `node <that> <engine-address> .` with the pack folder as working directory and the stack in
 *   the environment (PULUMI_NODEJS_PROJECT/STACK/ORGANIZATION/DRY_RUN and PULUMI_*);
 * - run-policy-pack registers ts-node with type-checking and the pack's tsconfig.json, then
 *   loads index.ts, which constructs the PolicyPack; that serves on 127.0.0.1 and prints the port;
 * - the CLI reads the first line of stdout and requires a number, then calls Handshake (the
 *   Node.js server does not implement it: UNIMPLEMENTED, which the CLI accepts), ConfigureStack,
 *   GetAnalyzerInfo and Configure; then Analyze once per resource and AnalyzeStack once.
 *
 * run-policy-pack drops the engine address (`argv._.shift()`), so the pack never dials it; the
 * address given here is a listener that counts connections, so a test can show that.
 */
import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "child_process";
import * as net from "net";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { AnalyzerTransport } from "./policy-harness";
import type { WireProps } from "./recorder";
import { AnalyzerProto, PluginInfo, analyzerGrpc, analyzerProto, runPolicyPackScript } from "./sdk-internals";

export interface StartOptions {
    /** The pack folder (with PulumiPolicy.yaml). */
    packDir: string;
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
type Invoke<Res> = (md: grpc.Metadata, o: Partial<grpc.CallOptions>, cb: Callback<Res>) => unknown;

/** The environment the CLI gives a Node.js pack: its own, plus the stack (analyzer_plugin.go constructEnv). */
function packEnvironment(o: { project: string; stack: string; organization: string; dryRun: boolean }): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        // Any ts-node settings in this environment (a user may run the tests under ts-node) are not the
        // CLI's; nor are engine or monitor addresses of an enclosing Pulumi run.
        if (!k.startsWith("TS_NODE_") && k !== "PULUMI_NODEJS_ENGINE" && k !== "PULUMI_NODEJS_MONITOR") {
            env[k] = v;
        }
    }
    const dryRun = String(o.dryRun);
    return {
        ...env,
        PULUMI_NODEJS_ORGANIZATION: o.organization, PULUMI_NODEJS_PROJECT: o.project, PULUMI_NODEJS_STACK: o.stack, PULUMI_NODEJS_DRY_RUN: dryRun,
        PULUMI_ORGANIZATION: o.organization, PULUMI_PROJECT: o.project, PULUMI_STACK: o.stack, PULUMI_DRY_RUN: dryRun,
    };
}

function unary<Res>(invoke: Invoke<Res>, timeoutMs: number): Promise<Res> {
    return new Promise((resolve, reject) =>
        invoke(new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res))));
}

function isServiceError(err: unknown): err is grpc.ServiceError {
    return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === "number";
}

/** Reads the port the pack prints first, as the CLI does; rejects with the pack's output otherwise. */
function portOf(child: ChildProcess, out: { stdout: string; stderr: string }, timeoutMs: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
        let firstLine: string | undefined;
        const timer = setTimeout(() => reject(new PolicyServerStartError(`the pack did not print its port within ${timeoutMs} ms`, out.stdout + out.stderr)), timeoutMs);
        child.stdout?.on("data", (d: string) => {
            out.stdout += d;
            if (firstLine !== undefined) {
                return;
            }
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
}

/** A pack started as the CLI starts it, spoken to over gRPC. */
export class CliPolicyPack implements AnalyzerTransport {
    private exited = false;
    private readonly exitedPromise: Promise<void>;
    private readonly killOnExit = () => this.child.kill("SIGKILL");
    private info?: Promise<AnalyzerProto.AnalyzerInfo>;

    private constructor(
        private readonly child: ChildProcess,
        private readonly engine: { server: net.Server; connections: number },
        private readonly client: InstanceType<ReturnType<typeof analyzerGrpc>["AnalyzerClient"]>,
        private readonly out: { stdout: string; stderr: string },
        private readonly callTimeoutMs: number,
        /** The runner script, as the CLI's shim resolves it from the pack folder. */
        readonly runner: string,
        /** Milliseconds from spawning the pack to its port on stdout (ts-node type-checks the pack). */
        readonly startMs: number,
        /** gRPC status of Handshake (the CLI's first call): 0 if implemented. */
        readonly handshakeCode: grpc.status,
    ) {
        this.exitedPromise = new Promise(resolve => {
            if (child.exitCode !== null || child.signalCode !== null) {
                this.exited = true;
                resolve();
            } else {
                child.once("exit", () => { this.exited = true; resolve(); });
            }
        });
        process.once("exit", this.killOnExit);
    }

    /** Connections the pack made to the engine address it was given. */
    get engineConnections(): number {
        return this.engine.connections;
    }

    /** What the pack wrote after the port line (stdout) and to stderr: the CLI's "plugin output". */
    get output(): string {
        return `${this.out.stdout}${this.out.stderr}`;
    }

    /** True while the pack's process runs. */
    get running(): boolean {
        return !this.exited;
    }

    /** Starts the pack as the CLI does and makes the CLI's first calls (Handshake, ConfigureStack). */
    static async start(options: StartOptions): Promise<CliPolicyPack> {
        const packDir = options.packDir;
        const ctx = {
            project: options.project ?? "kubelab",
            stack: options.stack ?? "dev",
            organization: options.organization ?? "organization",
            dryRun: options.dryRun ?? true,
        };
        const callTimeoutMs = options.callTimeoutMs ?? 20000;
        const runner = runPolicyPackScript(packDir);
        const engine = { server: net.createServer(socket => { engine.connections++; socket.destroy(); }), connections: 0 };
        await new Promise<void>((resolve, reject) => engine.server.once("error", reject).listen(0, "127.0.0.1", () => resolve()));
        const engineAddress = `127.0.0.1:${(engine.server.address() as net.AddressInfo).port}`;
        const started = Date.now();
        const child = spawn(process.execPath, [runner, engineAddress, "."], { cwd: packDir, env: packEnvironment(ctx), stdio: ["ignore", "pipe", "pipe"] });
        const out = { stdout: "", stderr: "" };
        child.stderr?.setEncoding("utf8");
        child.stderr?.on("data", (d: string) => { out.stderr += d; });
        child.stdout?.setEncoding("utf8");
        const killOnExit = () => child.kill("SIGKILL");
        process.once("exit", killOnExit);
        let client: CliPolicyPack["client"] | undefined;
        try {
            const port = await portOf(child, out, options.startTimeoutMs ?? 60000);
            const startMs = Date.now() - started;
            const c = new (analyzerGrpc().AnalyzerClient)(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
            client = c;
            const pb = analyzerProto();
            const hs = new pb.AnalyzerHandshakeRequest();
            hs.setEngineAddress(engineAddress);
            hs.setRootDirectory(packDir);
            hs.setProgramDirectory(packDir);
            let handshakeCode = grpc.status.OK;
            try {
                await unary<AnalyzerProto.AnalyzerHandshakeResponse>((md, o, cb) => c.handshake(hs, md, o, cb), callTimeoutMs);
            } catch (err) {
                if (!isServiceError(err) || err.code !== grpc.status.UNIMPLEMENTED) {
                    throw err;
                }
                handshakeCode = err.code;
            }
            const cs = new pb.AnalyzerStackConfigureRequest();
            cs.setProject(ctx.project);
            cs.setStack(ctx.stack);
            cs.setOrganization(ctx.organization);
            cs.setDryRun(ctx.dryRun);
            await unary<AnalyzerProto.AnalyzerStackConfigureResponse>((md, o, cb) => c.configureStack(cs, md, o, cb), callTimeoutMs);
            process.removeListener("exit", killOnExit);
            return new CliPolicyPack(child, engine, c, out, callTimeoutMs, runner, startMs, handshakeCode);
        } catch (err) {
            process.removeListener("exit", killOnExit);
            client?.close();
            child.kill("SIGKILL");
            engine.server.close();
            throw err;
        }
    }

    private call<Res>(invoke: Invoke<Res>): Promise<Res> {
        return unary(invoke, this.callTimeoutMs);
    }

    getAnalyzerInfo(): Promise<AnalyzerProto.AnalyzerInfo> {
        this.info ??= this.call<AnalyzerProto.AnalyzerInfo>((md, o, cb) => this.client.getAnalyzerInfo(new Empty(), md, o, cb));
        return this.info;
    }

    /** GetPluginInfo: the version of @pulumi/policy serving the pack. */
    async pluginVersion(): Promise<string> {
        const res = await this.call<PluginInfo>((md, o, cb) => this.client.getPluginInfo(new Empty(), md, o, cb));
        return res.getVersion();
    }

    async configure(req: AnalyzerProto.ConfigureAnalyzerRequest): Promise<void> {
        await this.call<Empty>((md, o, cb) => this.client.configure(req, md, o, cb));
    }

    analyze(req: AnalyzerProto.AnalyzeRequest): Promise<AnalyzerProto.AnalyzeResponse> {
        return this.call((md, o, cb) => this.client.analyze(req, md, o, cb));
    }

    analyzeStack(req: AnalyzerProto.AnalyzeStackRequest): Promise<AnalyzerProto.AnalyzeResponse> {
        return this.call((md, o, cb) => this.client.analyzeStack(req, md, o, cb));
    }

    struct(props: WireProps): Struct {
        return Struct.fromJavaScript(props);
    }

    /** Stops the pack (SIGKILL, as the CLI kills plugins) and the engine listener; idempotent. */
    async stop(): Promise<void> {
        process.removeListener("exit", this.killOnExit);
        this.client.close();
        if (!this.exited) {
            this.child.kill("SIGKILL");
        }
        await this.exitedPromise;
        this.child.stdout?.destroy();
        this.child.stderr?.destroy();
        this.engine.server.close();
    }
}

