/**
 * Every private part of the Pulumi SDKs that kubelab's tools rely on, in one module.
 *
 * The public surface (`@pulumi/pulumi`'s index, with `pulumi.runtime.unknownValue`,
 * `specialSigKey`, `specialSecretSig`, `setMocks`, `setMockOptions`; `@pulumi/policy`'s index)
 * is used directly everywhere else. What only exists on a private path is reached from here:
 *
 * - `@pulumi/pulumi/runtime/mocks`: `MockMonitor`, which the recorder extends to see each
 *   `RegisterResourceRequest` (the public `Mocks` interface is not told parents, dependencies
 *   or options), and its private `newUrn`, which the recorder replaces to qualify URNs as the
 *   engine does;
 * - `@pulumi/pulumi/proto/*`: the engine's protocol messages (resource_pb, analyzer_pb, plugin_pb)
 *   and the Analyzer gRPC service;
 * - `@pulumi/policy/server`: the analyzer server a `PolicyPack` starts. kubelab runs a pack's
 *   policies through that very code, in process: {@link servePolicyPackInProcess} loads a private
 *   copy of server.js, calls its `serve` (what `new PolicyPack(name, args)` calls, with the
 *   version PolicyPack reads from the pack's package.json) and keeps the Analyzer handlers it
 *   registers instead of letting gRPC bind a port;
 * - `@pulumi/pulumi/cmd/run-policy-pack`: the runner the CLI starts a Node.js pack with;
 * - `@pulumi/pulumi/runtime/debuggable`: `debuggablePromise`, which {@link skipUnreadPromiseStacks}
 *   wraps so that the recording doesn't capture a stack trace for each promise that nothing reads.
 *
 * test/sdk-internals.test.ts checks every name, arity and shape used here and fails naming the
 * path and the SDK version when an upgrade moves or changes one.
 *
 * One other place knows private details, because it must act before the SDK loads:
 * tools/sdk-deferred.ts (which modules the SDKs load for features the offline commands never
 * use). Its test fails the same way if an upgrade changes what it relies on.
 */
import * as path from "path";
import type { EnforcementLevel, PolicyPackArgs } from "@pulumi/policy";
import type { Empty } from "google-protobuf/google/protobuf/empty_pb";
import type * as analyzerpbTypes from "@pulumi/pulumi/proto/analyzer_pb";
import type * as analyzerGrpcTypes from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type * as pluginpbTypes from "@pulumi/pulumi/proto/plugin_pb";
import type * as grpcTypes from "@grpc/grpc-js";

export { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
export type { RegisterResourceOutputsRequest, RegisterResourceRequest, RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";
export type { analyzerpbTypes as AnalyzerProto };

/** Versions of the SDKs these internals come from, for error messages. */
export const PULUMI_SDK_VERSION = (require("@pulumi/pulumi/package.json") as { version: string }).version;
export const POLICY_SDK_VERSION = (require("@pulumi/policy/package.json") as { version: string }).version.replace(/^v/, "");

/** A change in the SDKs that kubelab's tools can't work with. */
export class SdkInternalsError extends Error {
    constructor(what: string, detail: string) {
        super(`${what} changed in @pulumi/pulumi ${PULUMI_SDK_VERSION} / @pulumi/policy ${POLICY_SDK_VERSION}: ${detail}; tools/sdk-internals.ts must follow it`);
        this.name = "SdkInternalsError";
    }
}

/** The module paths, as the test checks them. */
export const PATHS = {
    mockMonitor: "@pulumi/pulumi/runtime/mocks",
    resourceProto: "@pulumi/pulumi/proto/resource_pb",
    analyzerProto: "@pulumi/pulumi/proto/analyzer_pb",
    analyzerGrpc: "@pulumi/pulumi/proto/analyzer_grpc_pb",
    pluginProto: "@pulumi/pulumi/proto/plugin_pb",
    policyServer: "@pulumi/policy/server",
    runPolicyPack: "@pulumi/pulumi/cmd/run-policy-pack",
    debuggable: "@pulumi/pulumi/runtime/debuggable",
} as const;

const loaded: { analyzerProto?: typeof analyzerpbTypes; analyzerGrpc?: typeof analyzerGrpcTypes } = {};

/** The analyzer protocol messages (`@pulumi/pulumi/proto/analyzer_pb`), loaded on first use. */
export function analyzerProto(): typeof analyzerpbTypes {
    return (loaded.analyzerProto ??= require(PATHS.analyzerProto) as typeof analyzerpbTypes);
}

/** The Analyzer gRPC service and client (`@pulumi/pulumi/proto/analyzer_grpc_pb`), loaded on first use. */
export function analyzerGrpc(): typeof analyzerGrpcTypes {
    return (loaded.analyzerGrpc ??= require(PATHS.analyzerGrpc) as typeof analyzerGrpcTypes);
}

export type PluginInfo = pluginpbTypes.PluginInfo;

/** `MockMonitor.newUrn(parent, type, name)`, private in the SDK. */
export type UrnMaker = (parent: string, type: string, name: string) => string;

/** Replaces a MockMonitor's private `newUrn`; fails loudly if the SDK no longer has one to replace. */
export function replaceNewUrn(monitor: object, newUrn: UrnMaker): void {
    const current = (monitor as { newUrn?: unknown }).newUrn;
    if (typeof current !== "function" || current.length !== 3) {
        throw new SdkInternalsError(`${PATHS.mockMonitor} MockMonitor.newUrn`, "it is no longer a method of (parent, type, name)");
    }
    (monitor as { newUrn: UrnMaker }).newUrn = newUrn;
}

/** The runner script the CLI starts a Node.js pack with, resolved from the pack folder as the CLI's shim does. */
export function runPolicyPackScript(packDir: string): string {
    return require.resolve(PATHS.runPolicyPack, { paths: [packDir] });
}

// ---------------------------------------------------------------------------------------------
// The stack trace of every promise the runtime makes.

/** What kubelab uses of `@pulumi/pulumi/runtime/debuggable`. */
interface DebuggableModule {
    debuggablePromise: (<T>(p: Promise<T>, ctx: unknown) => Promise<T>) & { kubelabUnreadStacks?: true };
    debugPromiseLeaks: boolean;
}

/**
 * Stops the runtime from capturing a stack trace for each promise it makes, where nothing will
 * read it. `debuggablePromise` (runtime/debuggable.js) stores `new Error().stack` on each of the
 * thousands of promises a plan makes (~6,300 for the eks stack, ~80 ms of its ~0.6 s recording);
 * the SDK prints that text only in the promise-leak report it writes when
 * `PULUMI_DEBUG_PROMISE_LEAKS` is set (`debugPromiseLeaks`). Unless it is set, the function is
 * wrapped so that V8 captures no frames while it runs: the stored text is just `Error`, and
 * everything else it does (its context, the leak detection, the promise it returns) is the SDK's.
 * The SDK calls it through its module's export (`debuggable_1.debuggablePromise(…)`), so the
 * wrapper is what runs. Idempotent; returns whether the wrapper is in place.
 */
export function skipUnreadPromiseStacks(): boolean {
    const mod = require(PATHS.debuggable) as Partial<DebuggableModule>;
    const original = mod.debuggablePromise;
    if (typeof original !== "function" || original.length !== 2 || typeof mod.debugPromiseLeaks !== "boolean") {
        throw new SdkInternalsError(`${PATHS.debuggable} debuggablePromise`, "it is no longer a function of (promise, ctx) beside a boolean debugPromiseLeaks");
    }
    if (original.kubelabUnreadStacks) {
        return true;
    }
    if (mod.debugPromiseLeaks) {
        return false; // the leak report will print the stacks: keep them
    }
    const wrapped = function debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T> {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
    mod.debuggablePromise = Object.assign(wrapped, { kubelabUnreadStacks: true as const });
    return true;
}

// ---------------------------------------------------------------------------------------------
// The policy server, in process.

/** One unary handler as gRPC calls it; the server's handlers only read `call.request`. */
export type UnaryHandler<Req, Res> = (call: { request: Req }, callback: (err: Error | null | undefined, res?: Res) => void) => unknown;

/** The Analyzer service as `@pulumi/policy/server` implements it. */
export interface AnalyzerHandlers {
    analyze: UnaryHandler<analyzerpbTypes.AnalyzeRequest, analyzerpbTypes.AnalyzeResponse>;
    analyzeStack: UnaryHandler<analyzerpbTypes.AnalyzeStackRequest, analyzerpbTypes.AnalyzeResponse>;
    getAnalyzerInfo: UnaryHandler<Empty, analyzerpbTypes.AnalyzerInfo>;
    getPluginInfo: UnaryHandler<Empty, pluginpbTypes.PluginInfo>;
    configure: UnaryHandler<analyzerpbTypes.ConfigureAnalyzerRequest, Empty>;
    configureStack: UnaryHandler<analyzerpbTypes.AnalyzerStackConfigureRequest, analyzerpbTypes.AnalyzerStackConfigureResponse>;
}

export const ANALYZER_HANDLERS: readonly (keyof AnalyzerHandlers)[] = ["analyze", "analyzeStack", "getAnalyzerInfo", "getPluginInfo", "configure", "configureStack"];

/** What `@pulumi/policy/server` exports and kubelab calls. */
export interface PolicyServerModule {
    serve(name: string, version: string, enforcementLevel: EnforcementLevel, args: PolicyPackArgs, initialConfig?: unknown): void;
}

/** A pack the server rejected: its name, a policy named "all", an enforcementLevel in a config schema, … */
export class PolicyPackLoadError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PolicyPackLoadError";
    }
}

class ServeExit extends Error {}

/**
 * A private copy of `@pulumi/policy/server.js`: the server keeps the pack it serves and its
 * policy config in module state and serves one pack per process, as the CLI runs one pack per
 * process. Each in-process pack gets its own copy (the rest of @pulumi/policy is shared).
 */
export function loadPolicyServerCopy(): PolicyServerModule {
    // The public entry first: it loads the canonical server.js, which keeps its place in the cache.
    require("@pulumi/policy");
    const file = require.resolve(PATHS.policyServer);
    const canonical = require.cache[file];
    delete require.cache[file];
    try {
        const copy = require(file) as Partial<PolicyServerModule>;
        if (typeof copy.serve !== "function" || copy.serve.length !== 5) {
            throw new SdkInternalsError(`${PATHS.policyServer} serve`, "it is no longer a function of (name, version, enforcementLevel, args, initialConfig)");
        }
        return copy as PolicyServerModule;
    } finally {
        if (canonical) {
            require.cache[file] = canonical;
        } else {
            delete require.cache[file];
        }
    }
}

/**
 * Serves a pack with @pulumi/policy's own server code and returns the Analyzer handlers it
 * registered, without binding a port: while `serve` runs (synchronously), the gRPC server it
 * creates records the service implementation instead of listening, its `console.error` +
 * `process.exit(1)` on a rejected pack becomes a {@link PolicyPackLoadError}, and nothing is printed.
 *
 * `enforcementLevel` is what `new PolicyPack(name, args)` passes: `args.enforcementLevel`, else "advisory".
 */
export function servePolicyPackInProcess(name: string, version: string, args: PolicyPackArgs): AnalyzerHandlers {
    const server = loadPolicyServerCopy();
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [path.dirname(require.resolve(PATHS.policyServer))] })) as typeof grpcTypes;
    const proto = grpc.Server.prototype;
    const { addService, bindAsync } = proto;
    const { exit } = process;
    const { error, log } = console;
    const said: string[] = [];
    let registered: { server: grpcTypes.Server; impl: Record<string, unknown> } | undefined;
    proto.addService = function (this: grpcTypes.Server, service: grpcTypes.ServiceDefinition, impl: grpcTypes.UntypedServiceImplementation) {
        // The real addService checks the implementation against the service definition.
        addService.call(this, service, impl);
        registered = { server: this, impl };
    };
    proto.bindAsync = function () { /* no port: the handlers are called in process */ };
    process.exit = ((code?: number) => { throw new ServeExit(`exit ${code}`); }) as typeof process.exit;
    console.error = (...parts: unknown[]) => { said.push(parts.map(String).join(" ")); };
    console.log = (...parts: unknown[]) => { said.push(parts.map(String).join(" ")); };
    try {
        server.serve(name, version, args.enforcementLevel || "advisory", args);
    } catch (err) {
        if (err instanceof ServeExit) {
            throw new PolicyPackLoadError(`policy pack '${name}' can't be served: ${said.join("; ") || err.message}`);
        }
        throw err;
    } finally {
        proto.addService = addService;
        proto.bindAsync = bindAsync;
        process.exit = exit;
        console.error = error;
        console.log = log;
    }
    if (!registered) {
        throw new SdkInternalsError(`${PATHS.policyServer} serve`, "it registered no gRPC service");
    }
    registered.server.forceShutdown();
    const impl = registered.impl;
    const missing = ANALYZER_HANDLERS.filter(h => typeof impl[h] !== "function");
    if (missing.length) {
        throw new SdkInternalsError(`${PATHS.policyServer} serve`, `its Analyzer service lacks ${missing.join(", ")}`);
    }
    return impl as unknown as AnalyzerHandlers;
}

/** Calls one handler and waits for its answer. */
export function callHandler<Req, Res>(handler: UnaryHandler<Req, Res>, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
        const done = (err: Error | null | undefined, res?: Res) => {
            if (err) {
                reject(err);
            } else if (res === undefined) {
                reject(new SdkInternalsError(`${PATHS.policyServer} handlers`, "a handler answered neither a result nor an error"));
            } else {
                resolve(res);
            }
        };
        try {
            const returned = handler({ request }, done);
            if (returned instanceof Promise) {
                returned.catch(reject);
            }
        } catch (err) {
            reject(err);
        }
    });
}
