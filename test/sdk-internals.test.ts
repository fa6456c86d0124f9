/**
 * The private parts of the Pulumi SDKs that tools/sdk-internals.ts wraps are still there, with
 * the names, arities and shapes kubelab relies on. When an SDK upgrade moves or changes one,
 * these fail naming the path and the SDK versions.
 */
import { PolicyPack, PolicyPackArgs } from "@pulumi/policy";
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { ROOT } from "../tools/plan-lib";
import {
    ANALYZER_HANDLERS, MockMonitor, PATHS, POLICY_SDK_VERSION, PULUMI_SDK_VERSION, PolicyPackLoadError, PolicyServerModule,
    analyzerGrpc, analyzerProto, callHandler, loadPolicyServerCopy, replaceNewUrn, runPolicyPackScript, servePolicyPackInProcess,
} from "../tools/sdk-internals";
import { DEFERRED, resolveDeferred } from "../tools/sdk-deferred";

const versions = `@pulumi/pulumi ${PULUMI_SDK_VERSION}, @pulumi/policy ${POLICY_SDK_VERSION}`;

/** Asserts `obj` has every named method (with the arity, if given), naming the path and versions. */
function hasMethods(where: string, obj: object, methods: Record<string, number | undefined>): void {
    for (const [name, arity] of Object.entries(methods)) {
        const fn = (obj as Record<string, unknown>)[name];
        assert.strictEqual(typeof fn, "function", `${where}: ${name} is no longer a function (${versions}); update tools/sdk-internals.ts`);
        if (arity !== undefined) {
            assert.strictEqual((fn as (...args: unknown[]) => unknown).length, arity, `${where}: ${name} no longer takes ${arity} arguments (${versions})`);
        }
    }
}

describe("SDK internals kubelab relies on", () => {
    it("every private path still resolves", () => {
        for (const [what, p] of Object.entries(PATHS)) {
            assert.doesNotThrow(() => require.resolve(p), `${what}: ${p} no longer resolves (${versions}); update tools/sdk-internals.ts`);
        }
        assert.strictEqual(runPolicyPackScript(path.join(ROOT, "policy")), require.resolve(PATHS.runPolicyPack));
    });

    it(`${PATHS.mockMonitor}: MockMonitor with the methods the recorder overrides, and a private newUrn(parent, type, name)`, () => {
        hasMethods(`${PATHS.mockMonitor} MockMonitor.prototype`, MockMonitor.prototype, { registerResource: 2, registerResourceOutputs: 2 });
        const monitor = new MockMonitor({ newResource: () => ({ id: undefined, state: {} }), call: () => ({}) });
        replaceNewUrn(monitor, (_parent, type, name) => `urn:test::${type}::${name}`);
        assert.strictEqual((monitor as unknown as { newUrn(p: string, t: string, n: string): string }).newUrn("", "a:b:C", "x"), "urn:test::a:b:C::x");
        assert.throws(() => replaceNewUrn({}, () => ""), /MockMonitor\.newUrn changed in @pulumi\/pulumi .*tools\/sdk-internals\.ts must follow it/);
    });

    it(`${PATHS.resourceProto}: the registration fields the recorder reads`, () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const pb = require(PATHS.resourceProto) as Record<string, { prototype: object }>;
        hasMethods(`${PATHS.resourceProto} RegisterResourceRequest`, pb.RegisterResourceRequest.prototype, {
            getType: 0, getName: 0, getCustom: 0, getRemote: 0, getParent: 0, getObject: 0, getDependenciesList: 0, getPropertydependenciesMap: 1,
            getProvider: 0, getVersion: 0, getProtect: 0, getRetainondelete: 0, getIgnorechangesList: 0, getReplaceonchangesList: 0,
            getDeletebeforereplace: 0, getDeletebeforereplacedefined: 0, getAdditionalsecretoutputsList: 0, getAliasesList: 0,
            getCustomtimeouts: 0, getDeletedwith: 0,
        });
        hasMethods(`${PATHS.resourceProto} RegisterResourceResponse`, pb.RegisterResourceResponse.prototype, { getUrn: 0, getObject: 0 });
        hasMethods(`${PATHS.resourceProto} RegisterResourceOutputsRequest`, pb.RegisterResourceOutputsRequest.prototype, { getUrn: 0, getOutputs: 0 });
    });

    it(`${PATHS.analyzerProto} and ${PATHS.analyzerGrpc}: the messages and the service the harness uses`, () => {
        const pb = analyzerProto();
        hasMethods(`${PATHS.analyzerProto} AnalyzeRequest`, pb.AnalyzeRequest.prototype, { setUrn: 1, setType: 1, setName: 1, setProperties: 1, setOptions: 1, setProvider: 1 });
        hasMethods(`${PATHS.analyzerProto} AnalyzerResource`, pb.AnalyzerResource.prototype, {
            setUrn: 1, setType: 1, setName: 1, setProperties: 1, setOptions: 1, setProvider: 1, setParent: 1, setDependenciesList: 1, getPropertydependenciesMap: 1,
        });
        hasMethods(`${PATHS.analyzerProto} AnalyzerResourceOptions`, pb.AnalyzerResourceOptions.prototype, {
            setProtect: 1, setIgnorechangesList: 1, setDeletebeforereplace: 1, setDeletebeforereplacedefined: 1, setAdditionalsecretoutputsList: 1,
            setAliasesList: 1, setCustomtimeouts: 1, setParent: 1,
        });
        hasMethods(`${PATHS.analyzerProto} AnalyzerResourceOptions.CustomTimeouts`, pb.AnalyzerResourceOptions.CustomTimeouts.prototype, { setCreate: 1, setUpdate: 1, setDelete: 1 });
        hasMethods(`${PATHS.analyzerProto} ConfigureAnalyzerRequest`, pb.ConfigureAnalyzerRequest.prototype, { getPolicyconfigMap: 1 });
        hasMethods(`${PATHS.analyzerProto} PolicyConfig`, pb.PolicyConfig.prototype, { setEnforcementlevel: 1, setProperties: 1 });
        hasMethods(`${PATHS.analyzerProto} AnalyzeResponse`, pb.AnalyzeResponse.prototype, { getDiagnosticsList: 0, getNotApplicableList: 0 });
        hasMethods(`${PATHS.analyzerProto} AnalyzeDiagnostic`, pb.AnalyzeDiagnostic.prototype, {
            getPolicyname: 0, getPolicypackname: 0, getPolicypackversion: 0, getDescription: 0, getMessage: 0, getEnforcementlevel: 0, getUrn: 0, getSeverity: 0,
        });
        hasMethods(`${PATHS.analyzerProto} PolicyNotApplicable`, pb.PolicyNotApplicable.prototype, { getPolicyName: 0, getReason: 0 });
        for (const message of ["AnalyzeStackRequest", "AnalyzerProviderResource", "AnalyzerPropertyDependencies", "AnalyzerHandshakeRequest", "AnalyzerStackConfigureRequest"] as const) {
            assert.strictEqual(typeof pb[message], "function", `${PATHS.analyzerProto}: ${message} is gone (${versions})`);
        }
        assert.deepStrictEqual([pb.EnforcementLevel.ADVISORY, pb.EnforcementLevel.MANDATORY, pb.EnforcementLevel.DISABLED, pb.EnforcementLevel.REMEDIATE].map(v => typeof v), ["number", "number", "number", "number"]);
        const service = analyzerGrpc().AnalyzerService as unknown as Record<string, unknown>;
        for (const rpc of [...ANALYZER_HANDLERS, "handshake"]) {
            assert.ok(service[rpc], `${PATHS.analyzerGrpc}: AnalyzerService has no ${rpc} (${versions})`);
        }
        assert.strictEqual(typeof analyzerGrpc().AnalyzerClient, "function");
    });

    it(`${PATHS.policyServer}: serve(name, version, level, args, initialConfig), one private copy per pack`, () => {
        const copy = loadPolicyServerCopy();
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const canonical = require(PATHS.policyServer) as PolicyServerModule;
        assert.notStrictEqual(copy, canonical, "a copy, so that the canonical server (what `new PolicyPack` uses) stays unserved");
        assert.strictEqual(copy.serve.length, 5);
        assert.strictEqual(loadPolicyServerCopy() === copy, false);
    });

    it("`new PolicyPack(name, args)`, as policy/index.ts calls it, is serve(name, package.json version, args.enforcementLevel ?? advisory, args)", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const canonical = require(PATHS.policyServer) as PolicyServerModule;
        const serve = canonical.serve;
        const calls: unknown[][] = [];
        const cwd = process.cwd();
        const packDir = path.join(ROOT, "policy");
        canonical.serve = (...args: unknown[]) => { calls.push(args); };
        try {
            // As the CLI loads the pack: its folder is the working directory (PolicyPack reads ./package.json).
            process.chdir(packDir);
            new PolicyPack("spy", { policies: [] });
            const entry = require.resolve(path.join(packDir, "index.ts"));
            delete require.cache[entry];
            require(entry);
        } finally {
            process.chdir(cwd);
            canonical.serve = serve;
        }
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const version = (require(path.join(packDir, "package.json")) as { version: string }).version;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { PACK_NAME, packArgs } = require(path.join(packDir, "pack")) as typeof import("../policy/pack");
        assert.strictEqual(calls.length, 2, `PolicyPack no longer calls ${PATHS.policyServer} serve (${versions})`);
        assert.deepStrictEqual(calls[0].slice(0, 4), ["spy", version, "advisory", { policies: [] }]);
        assert.strictEqual(calls[1][0], PACK_NAME);
        assert.strictEqual(calls[1][1], version);
        assert.strictEqual(calls[1][2], packArgs.enforcementLevel ?? "advisory");
        assert.strictEqual(calls[1][3], packArgs, "the pack the CLI loads is the pack the harness serves");
    });

    it("serves in process: every Analyzer handler, no port, no output; packs keep their own state", async () => {
        const written: string[] = [];
        const write = process.stdout.write;
        process.stdout.write = ((chunk: string | Uint8Array) => { written.push(String(chunk)); return true; }) as typeof process.stdout.write;
        let a, b;
        try {
            const args: PolicyPackArgs = { policies: [{ name: "p", description: "d", enforcementLevel: "mandatory", validateResource: (_a, report) => report("x") }] };
            a = servePolicyPackInProcess("a", "1.0.0", args);
            b = servePolicyPackInProcess("b", "2.0.0", args);
        } finally {
            process.stdout.write = write;
        }
        assert.deepStrictEqual(written, [], "serving prints nothing (the real server prints its port)");
        for (const h of ANALYZER_HANDLERS) {
            assert.strictEqual(typeof a[h], "function", h);
        }
        const infoA = await callHandler(a.getAnalyzerInfo, new Empty());
        const infoB = await callHandler(b.getAnalyzerInfo, new Empty());
        assert.deepStrictEqual([infoA.getName(), infoA.getVersion(), infoB.getName(), infoB.getVersion()], ["a", "1.0.0", "b", "2.0.0"]);
        // Configure is module state of server.js: switching p off in pack a leaves pack b alone.
        const pb = analyzerProto();
        const configure = new pb.ConfigureAnalyzerRequest();
        const pc = new pb.PolicyConfig();
        pc.setEnforcementlevel(pb.EnforcementLevel.DISABLED);
        pc.setProperties(Struct.fromJavaScript({}));
        configure.getPolicyconfigMap().set("p", pc);
        await callHandler(a.configure, configure);
        const req = new pb.AnalyzeRequest();
        req.setType("kubernetes:core/v1:ConfigMap");
        req.setProperties(Struct.fromJavaScript({}));
        req.setOptions(new pb.AnalyzerResourceOptions());
        assert.strictEqual((await callHandler(a.analyze, req)).getDiagnosticsList().length, 0);
        assert.strictEqual((await callHandler(b.analyze, req)).getDiagnosticsList().length, 1);
    });

    it("turns the server's console.error + process.exit(1) for a rejected pack into an error naming why", () => {
        assert.throws(() => servePolicyPackInProcess("bad name!", "1.0.0", { policies: [] }),
            (e: Error) => e instanceof PolicyPackLoadError && /policy pack 'bad name!' can't be served: Invalid policy pack name/.test(e.message));
        assert.throws(() => servePolicyPackInProcess("ok", "1.0.0", { policies: [{ name: "all", description: "d", validateResource: () => undefined }] }),
            /"all" is a reserved name/);
    });

    it("the server decodes an Analyze request's properties through Struct.toJavaScript() only", async () => {
        const handlers = servePolicyPackInProcess("probe", "1.0.0", { policies: [{ name: "p", description: "d", validateResource: (a, report) => report(JSON.stringify(a.props)) }] });
        const pb = analyzerProto();
        const req = new pb.AnalyzeRequest();
        req.setType("kubernetes:core/v1:ConfigMap");
        req.setUrn("urn:pulumi:s::p::kubernetes:core/v1:ConfigMap::x");
        req.setName("x");
        req.setOptions(new pb.AnalyzerResourceOptions());
        let decoded = 0;
        class Probe extends Struct {
            override toJavaScript() {
                decoded++;
                return { data: { b: "2", a: "1" } };
            }
            override getFieldsMap(): never {
                throw new Error(`${PATHS.policyServer} now reads a properties Struct's fields directly (${versions}): the in-process DecodedStruct of tools/policy-harness.ts must follow`);
            }
        }
        req.setProperties(new Probe());
        const res = await callHandler(handlers.analyze, req);
        assert.strictEqual(decoded, 1);
        assert.deepStrictEqual(res.getDiagnosticsList().map(d => d.getMessage()), ['d\n{"data":{"b":"2","a":"1"}}']);
    });
});

describe(`${PATHS.debuggable}: no stack trace captured for a promise when nothing will read it (skipUnreadPromiseStacks)`, function () {
    this.timeout(30000);
    const debuggableFile = require.resolve(PATHS.debuggable);

    it("the SDK reads a promise's stack only for the leak report PULUMI_DEBUG_PROMISE_LEAKS asks for, and calls debuggablePromise through its module's export", () => {
        const source = fs.readFileSync(debuggableFile, "utf8");
        const where = `${debuggableFile} (${versions}); update skipUnreadPromiseStacks in tools/sdk-internals.ts`;
        assert.match(source, /exports\.debugPromiseLeaks = !!process\.env\.PULUMI_DEBUG_PROMISE_LEAKS;/, `debugPromiseLeaks no longer comes from PULUMI_DEBUG_PROMISE_LEAKS: ${where}`);
        // The stack is stored once, read once (promiseDebugString), and that is printed only under debugPromiseLeaks.
        assert.strictEqual(source.match(/_debugStackTrace/g)?.length, 2, `_debugStackTrace is used elsewhere: ${where}`);
        const calls = [...source.matchAll(/[^ ]promiseDebugString\(/g)];
        assert.strictEqual(calls.length, 1, `promiseDebugString is called elsewhere: ${where}`);
        assert.match(source.slice(0, calls[0].index).split("\n").slice(-4).join("\n"), /if \(exports\.debugPromiseLeaks\) \{/, `promiseDebugString is printed without debugPromiseLeaks: ${where}`);
        // No other file of the SDK reads either, and every caller goes through the export.
        const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
        const jsFiles = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap(e =>
            e.isDirectory() ? (e.name === "node_modules" ? [] : jsFiles(path.join(dir, e.name))) : e.name.endsWith(".js") ? [path.join(dir, e.name)] : []);
        for (const file of jsFiles(sdkDir).filter(f => f !== debuggableFile)) {
            const text = fs.readFileSync(file, "utf8");
            assert.ok(!/_debugStackTrace|promiseDebugString/.test(text), `${path.relative(sdkDir, file)} reads a promise's debug stack (${versions})`);
            const direct = text.split("\n").filter(l => /debuggablePromise\(/.test(l) && !/debuggable_1\.debuggablePromise\(/.test(l));
            assert.deepStrictEqual(direct, [], `${path.relative(sdkDir, file)} calls debuggablePromise other than through its module's export (${versions})`);
        }
    });

    const probe = `
        const { skipUnreadPromiseStacks } = require("./tools/sdk-internals.ts");
        const debuggable = require(${JSON.stringify(debuggableFile)});
        const first = skipUnreadPromiseStacks();
        const wrapped = debuggable.debuggablePromise;
        const second = skipUnreadPromiseStacks();
        const p = Promise.resolve(7);
        const returned = debuggable.debuggablePromise(p, "a promise");
        returned.then(value => console.log(JSON.stringify({
            first, second, same: wrapped === debuggable.debuggablePromise, limit: Error.stackTraceLimit,
            stack: p._debugStackTrace, ctx: p._debugCtx, value, text: debuggable.promiseDebugString(p),
        })));`;
    const run = (env: NodeJS.ProcessEnv) => {
        const r = spawnSync(process.execPath, ["-r", "./tools/ts-hook.js", "-e", probe], { cwd: ROOT, encoding: "utf8", env });
        assert.strictEqual(r.status, 0, r.stderr);
        return JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
    };

    it("without PULUMI_DEBUG_PROMISE_LEAKS: the stored stack is just 'Error', all else is the SDK's, and the limit is restored", () => {
        const env = { ...process.env };
        delete env.PULUMI_DEBUG_PROMISE_LEAKS;
        const seen = run(env);
        assert.deepStrictEqual({ ...seen, text: undefined }, { first: true, second: true, same: true, limit: 10, stack: "Error", ctx: "a promise", value: 7, text: undefined });
        assert.match(String(seen.text), /^CONTEXT\(\d+\): a promise\nSTACK_TRACE:\nError$/);
    });

    it("with PULUMI_DEBUG_PROMISE_LEAKS set: nothing is wrapped, and the leak report gets the whole stack", () => {
        const seen = run({ ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "1" });
        assert.deepStrictEqual([seen.first, seen.second, seen.same, seen.limit, seen.value], [false, false, true, 10, 7]);
        assert.match(String(seen.stack), /^Error\n {4}at (Object\.)?debuggablePromise \(.*debuggable\.js:\d+:\d+\)\n {4}at /);
    });
});

describe("SDK modules the offline commands defer (tools/sdk-deferred.ts)", function () {
    this.timeout(60000);

    it("each deferred module is still required where sdk-deferred says, by that specifier", () => {
        for (const entry of DEFERRED) {
            const source = fs.readFileSync(require.resolve(entry.from), "utf8");
            assert.ok(source.includes(`require("${entry.specifier}")`),
                `${entry.from} no longer requires "${entry.specifier}" (${versions}); update tools/sdk-deferred.ts`);
            assert.doesNotThrow(() => resolveDeferred(entry), `${entry.specifier} no longer resolves from ${entry.from} (${versions})`);
        }
    });

    it("loading @pulumi/pulumi loads neither typescript nor @npmcli/arborist; the first use loads the real module, which then works", () => {
        // A fresh process: this one's module cache already decided.
        const script = `
            const { deferral } = require("./tools/sdk-deferred.ts");
            const pulumi = require("@pulumi/pulumi");
            // Files of the real modules (the stand-ins sit in the cache under the deferred files' names).
            const loaded = () => Object.keys(require.cache).filter(f => !deferral.deferred.includes(f) &&
                /node_modules[\\\\/](typescript|@npmcli[\\\\/]arborist)[\\\\/]/.test(f)).length;
            const before = { deferred: deferral.deferred.length, loaded: loaded() };
            // serializeFunction parses the function with TypeScript: through the stand-in.
            pulumi.runtime.serializeFunction(() => 42).then(async fn => {
                const arborist = require(${JSON.stringify(require.resolve("@npmcli/arborist", { paths: [path.dirname(require.resolve("@pulumi/pulumi/runtime/closure/codePaths.js"))] }))});
                console.log(JSON.stringify({ before, text: fn.text.includes("42"), arborist: typeof arborist.Arborist,
                    after: deferral.loaded.length, loadedAfter: loaded() > 0 }));
            }, err => { console.error(err.stack); process.exit(1); });`;
        const r = spawnSync(process.execPath, ["-r", "./tools/ts-hook.js", "-e", script], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        const seen = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
        assert.deepStrictEqual(seen, { before: { deferred: DEFERRED.length, loaded: 0 }, text: true, arborist: "function", after: 2, loadedAfter: true });
    });

    it("the automation API, glob and normalize-package-data are not loaded by the SDKs' start-up, and work on first use, as the SDKs use them", () => {
        const real = (pattern: string) => `Object.keys(require.cache).filter(f => !deferral.deferred.includes(f) && ${pattern}.test(f)).length`;
        const script = `
            const { deferral } = require("./tools/sdk-deferred.ts");
            const pulumi = require("@pulumi/pulumi");
            const k8s = require("@pulumi/kubernetes");
            const before = {
                automation: ${real(String.raw`/@pulumi[\\/]pulumi[\\/]automation[\\/]/`)},
                glob: ${real(String.raw`/node_modules[\\/]glob[\\/]/`)},
                normalize: ${real(String.raw`/node_modules[\\/](normalize-package-data|hosted-git-info|spdx-[a-z-]+)[\\/]/`)},
            };
            // As the SDK's index exports it (pulumi.automation) and as tools/teardown-lib.ts imports it.
            const viaIndex = typeof pulumi.automation.LocalWorkspace;
            const viaPath = typeof require("@pulumi/pulumi/automation").Stack;
            // As @pulumi/kubernetes/yaml/yaml.js calls it for ConfigFile's file patterns (an __importStar'ed glob.sync).
            const globFile = require.resolve("glob", { paths: [require("path").dirname(require.resolve("@pulumi/kubernetes/yaml/yaml.js"))] });
            const matched = require(globFile).sync("package.json", { dotRelative: true });
            // As runtime/closure/codePaths.js calls it (an __importDefault'ed function).
            const normalizeFile = require.resolve("normalize-package-data", { paths: [require("path").dirname(require.resolve("@pulumi/pulumi/runtime/closure/codePaths.js"))] });
            const pkg = { name: "x", version: "1.0.0" };
            require(normalizeFile).default(pkg);
            console.log(JSON.stringify({ before, viaIndex, viaPath, matched, normalized: pkg._id, yaml: typeof k8s.yaml.ConfigFile }));`;
        const r = spawnSync(process.execPath, ["-r", "./tools/ts-hook.js", "-e", script], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(JSON.parse(r.stdout.trim().split("\n").pop()!), {
            before: { automation: 0, glob: 0, normalize: 0 },
            viaIndex: "function", viaPath: "function", matched: ["./package.json"], normalized: "x@1.0.0", yaml: "function",
        });
    });
});
