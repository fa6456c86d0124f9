/**
 * npm run bench -- [--runs N] [--only plan|check|clone] [--stacks a,b] [--objects SMALL,LARGE] [--write-readme] [--readme FILE]
 *
 * Measures the performance targets the README states, on this machine, in one run, each command
 * started as users start it (`node tools/launch.js <command>`, what `npm run <command>` runs,
 * without npm's own start-up):
 *
 * - plan: `plan --stack S` for every stack in stacks/ (or `--stacks a,b`), each against the bare
 *   `require` of `@pulumi/pulumi`, `@pulumi/kubernetes` and the platform SDK files that stack's
 *   plan loads (`@pulumi/command` for minikube, the azure-native, gcp or aws modules for a cloud;
 *   found by one discovery run of the plan) (target: at most 1.5× its median time), and the
 *   plan's peak RSS (target: at most 250 MB);
 * - check: `check` over SMALL and LARGE objects (default 2,000 and 20,000: namespaces of a
 *   small app, ten objects each), whose time must grow at most linearly (target: LARGE in at
 *   most 4× the time of SMALL, for 10× the objects) with a peak RSS of at most 600 MB; for
 *   comparison, its start-up (one namespace) and the policy server's own share of each size,
 *   the pack's run timed in process with every policy a no-op ({@link serverAloneMs});
 * - clone: what a newcomer does: a fresh clone of the committed HEAD into an empty temporary
 *   folder (nothing beside it), `npm ci`, then `npm test` (target: both in under 60 s), done
 *   `--clone-runs` times (default 3; the same run varies by tens of seconds on a shared
 *   machine) and reported by the median total, with the range.
 *
 * Runs alternate (baseline, plan, small, large, …) so that load on the machine hits all alike;
 * figures are medians. Peak RSS is what each child process reports at exit
 * (`process.resourceUsage().maxRSS`, through a preloaded module). `--write-readme` replaces the
 * text between `<!-- bench:start -->` and `<!-- bench:end -->` in README.md (or `--readme
 * FILE`) with the table, the date and the Node version.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import type { PolicyPackArgs } from "@pulumi/policy";
import type { PackUnderTest } from "./policy-harness";

const ROOT = path.resolve(__dirname, "..");
const LAUNCH = path.join(ROOT, "tools", "launch.js");

export const README_START = "<!-- bench:start -->";
export const README_END = "<!-- bench:end -->";

/** The targets, as the project states them. */
export const TARGETS = { planRatio: 1.5, planRssMb: 250, checkRatio: 4, checkRssMb: 600, cloneSeconds: 60 };

/** Objects per namespace in {@link scaleManifests}. */
export const OBJECTS_PER_NAMESPACE = 10;

/**
 * Kubernetes YAML of `namespaces` namespaces, each holding a small app that passes every
 * mandatory policy: Namespace, ResourceQuota, LimitRange, ConfigMap, ServiceAccount,
 * Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget and NetworkPolicy.
 */
export function scaleManifests(namespaces: number): string {
    const docs: string[] = [];
    for (let i = 0; i < namespaces; i++) {
        const ns = `team-${i}`;
        docs.push(
            `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`,
            `apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: quota, namespace: ${ns}}\nspec: {hard: {requests.cpu: "4", requests.memory: 8Gi, limits.memory: 16Gi}}\n`,
            `apiVersion: v1\nkind: LimitRange\nmetadata: {name: limits, namespace: ${ns}}\nspec: {limits: [{type: Container, defaultRequest: {cpu: 50m, memory: 64Mi}, default: {memory: 128Mi}}]}\n`,
            `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config, namespace: ${ns}}\ndata: {LOG_LEVEL: info}\n`,
            `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: ${ns}}\n`,
            [
                "apiVersion: apps/v1", "kind: Deployment", `metadata: {name: web, namespace: ${ns}, labels: {app: web}}`, "spec:",
                "  selector: {matchLabels: {app: web}}", "  template:", "    metadata: {labels: {app: web}}", "    spec:",
                "      serviceAccountName: web", "      containers:", "        - name: web", "          image: nginx:1.27.2",
                "          ports: [{containerPort: 80}]", "          envFrom: [{configMapRef: {name: web-config}}]",
                "          readinessProbe: {httpGet: {path: /, port: 80}}",
                "          resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 128Mi}}", "",
            ].join("\n"),
            `apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: ${ns}}\nspec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 80}]}\n`,
            [
                "apiVersion: autoscaling/v2", "kind: HorizontalPodAutoscaler", `metadata: {name: web, namespace: ${ns}}`, "spec:",
                "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}", "  minReplicas: 2", "  maxReplicas: 6",
                "  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]", "",
            ].join("\n"),
            `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web, namespace: ${ns}}\nspec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}\n`,
            `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: ${ns}}\nspec: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 80}]}], policyTypes: [Ingress]}\n`,
        );
    }
    return docs.join("---\n");
}

export interface Measured {
    ms: number;
    /** Peak resident set size of the child process, MB. */
    rssMb: number;
}

/** A module preloaded into every measured process: keeps the largest peak RSS (KiB) of them in $KUBELAB_BENCH_RSS at exit. */
function writePreload(dir: string): string {
    const file = path.join(dir, "rss.js");
    // The largest of every process's peak: a launcher that starts the command in a child of its own
    // (check does, to set its heap limit) must not report its own small peak instead of the child's.
    fs.writeFileSync(file, "process.on(\"exit\", () => { const f = process.env.KUBELAB_BENCH_RSS; if (f) { const fs = require(\"fs\"); " +
        "const before = fs.existsSync(f) ? Number(fs.readFileSync(f, \"utf8\")) : 0; fs.writeFileSync(f, String(Math.max(before, process.resourceUsage().maxRSS))); } });\n");
    return file;
}

/** Runs `node args…` once in ROOT; throws (with its stderr) unless it exits with one of `ok`. */
function measure(args: string[], tmp: string, preload: string, ok: number[] = [0]): Measured {
    const rssFile = path.join(tmp, `rss-${process.pid}-${Date.now()}`);
    const env = { ...process.env, KUBELAB_BENCH_RSS: rssFile, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${JSON.stringify(preload)}`.trim() };
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status === null || !ok.includes(r.status)) {
        throw new Error(`node ${args.join(" ")} exited ${r.status ?? r.signal}: ${r.stderr.trim().split("\n").slice(-5).join("\n")}`);
    }
    const rssMb = fs.existsSync(rssFile) ? Number(fs.readFileSync(rssFile, "utf8")) / 1024 : NaN;
    fs.rmSync(rssFile, { force: true });
    return { ms, rssMb };
}

export const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export interface BenchOptions {
    runs: number;
    plan: boolean;
    /** Stacks whose plans are measured (default: every stack file in stacks/). */
    stacks: string[];
    check: boolean;
    /** Measure a fresh clone's `npm ci` and `npm test`. */
    clone: boolean;
    /** How many fresh clones (each over a minute; their times vary by tens of seconds on a shared machine). */
    cloneRuns: number;
    /** Object counts for the check benchmark: small, large (multiples of {@link OBJECTS_PER_NAMESPACE}). */
    objects: [number, number];
    log?: (line: string) => void;
}

/** One stack's plan and its baseline. */
export interface PlanFigures {
    stack: string;
    /** The platform SDK packages whose files the baseline requires besides @pulumi/pulumi and @pulumi/kubernetes. */
    sdks: string[];
    baseline: Measured;
    /**
     * The same `require` with tools/sdk-deferred.ts loaded first (through the TypeScript hook), as
     * the plan loads the SDK: for comparison only, the target is against {@link baseline}.
     */
    deferredBaseline?: Measured;
    plan: Measured;
}

/** A fresh clone's install and test run: with several, the one whose total is the median. */
export interface CloneFigures {
    ciMs: number;
    testMs: number;
    tests: TestSummary;
    /** Every run's `npm ci` + `npm test`, when more than one was measured. */
    totalsMs?: number[];
}

/** Of several fresh-clone runs, the median one (by total), with every total; the worst test summary counts. */
export function medianClone(runs: CloneFigures[]): CloneFigures {
    const totals = runs.map(r => r.ciMs + r.testMs);
    const sorted = [...runs].sort((a, b) => (a.ciMs + a.testMs) - (b.ciMs + b.testMs));
    const mid = sorted[Math.floor((sorted.length - 1) / 2)];
    const worst = runs.reduce((w, r) => (r.tests.failed > w.tests.failed ? r : w), runs[0]);
    return { ...mid, tests: worst.tests.failed > mid.tests.failed ? worst.tests : mid.tests, ...(runs.length > 1 ? { totalsMs: totals } : {}) };
}

export interface BenchResult {
    runs: number;
    plans?: PlanFigures[];
    /** `startup`: one namespace's objects, to tell the check's fixed cost from its cost per object (for comparison only). */
    check?: {
        small: Measured & { objects: number };
        large: Measured & { objects: number };
        startup?: Measured & { objects: number };
        /** The policy server's own share at each size: the run of a pack whose every policy does nothing (for comparison only). */
        serverAlone?: { smallMs: number; largeMs: number };
    };
    clone?: CloneFigures;
}

export interface TestSummary {
    passed: number;
    failed: number;
    skipped: number;
}

/** The counts of the closing `tests: N passed, N failed[, N skipped]` line of `npm test`'s output, if it has one. */
export function testSummary(output: string): TestSummary | undefined {
    const m = /^tests: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/m.exec(output);
    return m ? { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0) } : undefined;
}

/**
 * Why a fresh clone can't be measured here (no git, or the project is not a checkout with a
 * commit), or undefined when it can; asked before minutes of other measuring, not after.
 */
export function cloneUnavailable(root = ROOT): string | undefined {
    const r = spawnSync("git", ["-C", root, "rev-parse", "--verify", "--quiet", "HEAD"], { encoding: "utf8" });
    if (r.error) {
        return `git is not available (${r.error.message})`;
    }
    return r.status === 0 ? undefined : `${root} is not a git checkout with a commit`;
}

/**
 * Clones the committed HEAD of the project into an empty temporary folder and times `npm ci`
 * and `npm test` there, with this process's Node first on the PATH; throws if either fails.
 * The folder is removed afterwards.
 */
export function measureFreshClone(log: (line: string) => void = () => undefined): CloneFigures {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-bench-clone-"));
    try {
        const dir = path.join(tmp, "kubelab");
        const git = spawnSync("git", ["clone", "--quiet", "--no-hardlinks", ROOT, dir], { encoding: "utf8" });
        if (git.status !== 0) {
            throw new Error(`git clone of ${ROOT} failed: ${(git.stderr || git.error?.message || "").trim()}`);
        }
        const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` };
        delete env.NODE_OPTIONS;
        const timed = (args: string[]) => {
            const start = process.hrtime.bigint();
            const r = spawnSync("npm", args, { cwd: dir, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
            const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
            if (r.status !== 0) {
                throw new Error(`npm ${args.join(" ")} in a fresh clone exited ${r.status ?? r.signal ?? r.error?.message}: ${`${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-5).join("\n")}`);
            }
            return { ms: elapsed, output: r.stdout };
        };
        const ci = timed(["ci"]);
        log(`fresh clone: npm ci ${ci.ms.toFixed(0)} ms`);
        const test = timed(["test"]);
        const tests = testSummary(test.output);
        if (!tests) {
            throw new Error("npm test in a fresh clone printed no `tests: N passed, N failed` line");
        }
        log(`fresh clone: npm test ${test.ms.toFixed(0)} ms (${tests.passed} passed)`);
        return { ciMs: ci.ms, testMs: test.ms, tests };
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/**
 * What the check's target leaves each object at the measured start-up: a check that takes
 * `startup + b × n` for n objects meets `large ≤ ratio × small` only while
 * b ≤ (ratio − 1) × startup / (large − ratio × small), in ms per object.
 */
export function checkBudgetPerObject(c: { small: { objects: number }; large: { objects: number }; startup?: Measured }): number {
    const r = TARGETS.checkRatio;
    return c.startup ? ((r - 1) * c.startup.ms) / (c.large.objects - r * c.small.objects) : NaN;
}

/**
 * The pack with every policy's validation replaced by one that reports nothing, names, levels,
 * kinds (resource or stack) and number of validations kept: the server does all it does for the
 * real pack (copy each object for every validation, wrap it, call it) and the policies nothing.
 */
export function noOpPack(pack: PackUnderTest): PackUnderTest {
    const none = () => undefined;
    const policies = pack.args.policies.map(p => ("validateStack" in p && typeof p.validateStack === "function")
        ? { ...p, validateStack: none }
        : "validateResource" in p && p.validateResource !== undefined
            ? { ...p, validateResource: Array.isArray(p.validateResource) ? p.validateResource.map(() => none) : none }
            : p);
    return { ...pack, name: `${pack.name}-no-op`, args: { ...pack.args, policies } as PolicyPackArgs };
}

/**
 * Milliseconds of the no-op pack's run ({@link noOpPack}) over the objects of `file`, read as
 * `check` reads them and sent as it sends them; the server is started (one resource) before timing.
 */
export async function serverAloneMs(file: string): Promise<number> {
    const { kubelabPack } = await import("./kubelab-pack");
    const { readManifests } = await import("./check-lib");
    const { manifestResources } = await import("./manifests");
    const { resolvePolicyConfig, runPolicyPack } = await import("./policy-harness");
    const resources = manifestResources(readManifests(file, []).map(o => o.object));
    const pack = noOpPack(kubelabPack);
    const config = resolvePolicyConfig(pack.args, {});
    await runPolicyPack(pack, resources.slice(0, 1), config);
    const start = process.hrtime.bigint();
    await runPolicyPack(pack, resources, config);
    return Number(process.hrtime.bigint() - start) / 1e6;
}

/** A script that prints {@link serverAloneMs} of the file it is given, loading the sources as the commands do. */
function writeServerAloneScript(dir: string): string {
    const file = path.join(dir, "server-alone.js");
    fs.writeFileSync(file, [
        `require(${JSON.stringify(path.join(ROOT, "tools", "ts-hook.js"))});`,
        `require(${JSON.stringify(path.join(ROOT, "tools", "sdk-deferred.ts"))});`,
        `require(${JSON.stringify(path.join(ROOT, "tools", "bench.ts"))}).serverAloneMs(process.argv[2]).then(ms => console.log(ms));`,
        "",
    ].join("\n"));
    return file;
}

/** Runs the script of {@link writeServerAloneScript} over `file` with the heap limit `check` would set for it. */
function measureServerAlone(script: string, file: string): number {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { checkHeapMb } = require(LAUNCH) as { checkHeapMb(args: string[]): number };
    const r = spawnSync(process.execPath, [`--max-old-space-size=${checkHeapMb([file])}`, script, file], { cwd: ROOT, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    const ms = Number(r.stdout.trim());
    if (r.status !== 0 || !Number.isFinite(ms)) {
        throw new Error(`the policy server's share over ${file} could not be measured (exit ${r.status ?? r.signal}): ${r.stderr.trim().split("\n").slice(-5).join("\n")}`);
    }
    return ms;
}

const summarize = (xs: Measured[]): Measured => ({ ms: median(xs.map(x => x.ms)), rssMb: Math.max(...xs.map(x => x.rssMb)) });

/** The packages whose files count as a platform's SDK in a baseline. */
export const PLATFORM_SDKS = ["@pulumi/command", "@pulumi/azure-native", "@pulumi/gcp", "@pulumi/aws"];

/** Every stack with a stack file in stacks/. */
export function stackNames(root = ROOT): string[] {
    return fs.readdirSync(path.join(root, "stacks")).map(f => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();
}

/** A module preloaded into a discovery run: writes the module cache's keys to $KUBELAB_BENCH_MODULES at exit. */
function writeModuleRecorder(dir: string): string {
    const file = path.join(dir, "modules.js");
    fs.writeFileSync(file, `process.on("exit", () => { const f = process.env.KUBELAB_BENCH_MODULES; if (f) require("fs").writeFileSync(f, JSON.stringify(Object.keys(require.cache))); });\n`);
    return file;
}

/**
 * The platform SDK files a stack's plan loads (one discovery run with `recorder` preloaded), and a baseline script that requires them after @pulumi/pulumi and
 * @pulumi/kubernetes.
 */
function baselineFor(stack: string, tmp: string, recorder: string): { script: string; deferredScript: string; sdks: string[] } {
    const listFile = path.join(tmp, `modules-${stack}.json`);
    const env = { ...process.env, KUBELAB_BENCH_MODULES: listFile, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${JSON.stringify(recorder)}`.trim() };
    const r = spawnSync(process.execPath, [LAUNCH, "plan", "--stack", stack, "--out", path.join(tmp, `out-${stack}`), "--report", path.join(tmp, `report-${stack}.json`)],
        { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    if (r.status !== 0 && r.status !== 1) {
        throw new Error(`plan --stack ${stack} exited ${r.status ?? r.signal}: ${r.stderr.trim().split("\n").slice(-5).join("\n")}`);
    }
    const loaded = JSON.parse(fs.readFileSync(listFile, "utf8")) as string[];
    const sdkOf = (file: string) => PLATFORM_SDKS.find(sdk => file.includes(`${path.sep}node_modules${path.sep}${sdk.replace("/", path.sep)}${path.sep}`));
    const files = loaded.filter(f => sdkOf(f) !== undefined && f.endsWith(".js"));
    const sdks = [...new Set(files.map(f => sdkOf(f)!))].sort();
    const requires = [
        `require(${JSON.stringify(require.resolve("@pulumi/pulumi", { paths: [ROOT] }))});`,
        `require(${JSON.stringify(require.resolve("@pulumi/kubernetes", { paths: [ROOT] }))});`,
        ...files.map(f => `require(${JSON.stringify(f)});`),
        "",
    ];
    const script = path.join(tmp, `baseline-${stack}.js`);
    fs.writeFileSync(script, requires.join("\n"));
    const deferredScript = path.join(tmp, `baseline-deferred-${stack}.js`);
    fs.writeFileSync(deferredScript, [
        `require(${JSON.stringify(path.join(ROOT, "tools", "ts-hook.js"))});`,
        `require(${JSON.stringify(path.join(ROOT, "tools", "sdk-deferred.ts"))});`,
        ...requires,
    ].join("\n"));
    return { script, deferredScript, sdks };
}

/** Measures what `opts` asks for. */
export function runBench(opts: BenchOptions): BenchResult {
    const log = opts.log ?? (() => undefined);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-bench-"));
    try {
        const preload = writePreload(tmp);
        const [smallN, largeN] = opts.objects.map(n => Math.max(1, Math.round(n / OBJECTS_PER_NAMESPACE)));
        const smallFile = path.join(tmp, "small.yaml");
        const startupFile = path.join(tmp, "startup.yaml");
        const largeFile = path.join(tmp, "large.yaml");
        if (opts.check) {
            fs.writeFileSync(smallFile, scaleManifests(smallN));
            fs.writeFileSync(startupFile, scaleManifests(1));
            fs.writeFileSync(largeFile, scaleManifests(largeN));
        }
        const recorder = opts.plan ? writeModuleRecorder(tmp) : "";
        const stacks = opts.plan ? opts.stacks.map(stack => ({ stack, ...baselineFor(stack, tmp, recorder), baseline: [] as Measured[], deferredBaseline: [] as Measured[], plan: [] as Measured[] })) : [];
        const samples = { small: [] as Measured[], large: [] as Measured[], startup: [] as Measured[], serverSmall: [] as number[], serverLarge: [] as number[] };
        const serverScript = opts.check ? writeServerAloneScript(tmp) : "";
        for (let i = 0; i < opts.runs; i++) {
            for (const st of stacks) {
                st.baseline.push(measure([st.script], tmp, preload));
                st.deferredBaseline.push(measure([st.deferredScript], tmp, preload));
                // Exit 1 (a mandatory violation) is a plan's verdict, not a failure to run.
                st.plan.push(measure([LAUNCH, "plan", "--stack", st.stack, "--out", path.join(tmp, `out-${st.stack}`), "--report", path.join(tmp, `report-${st.stack}.json`)], tmp, preload, [0, 1]));
                log(`run ${i + 1}: ${st.stack}: baseline ${st.baseline[i].ms.toFixed(0)} ms (deferred ${st.deferredBaseline[i].ms.toFixed(0)} ms), plan ${st.plan[i].ms.toFixed(0)} ms`);
            }
            if (opts.check) {
                samples.small.push(measure([LAUNCH, "check", smallFile], tmp, preload, [0, 1]));
                samples.large.push(measure([LAUNCH, "check", largeFile], tmp, preload, [0, 1]));
                samples.startup.push(measure([LAUNCH, "check", startupFile], tmp, preload, [0, 1]));
                samples.serverSmall.push(measureServerAlone(serverScript, smallFile));
                samples.serverLarge.push(measureServerAlone(serverScript, largeFile));
                log(`run ${i + 1}: check ${smallN * OBJECTS_PER_NAMESPACE} objects ${samples.small[i].ms.toFixed(0)} ms, ${largeN * OBJECTS_PER_NAMESPACE} objects ${samples.large[i].ms.toFixed(0)} ms; ` +
                    `policy server alone ${samples.serverSmall[i].toFixed(0)} ms, ${samples.serverLarge[i].toFixed(0)} ms`);
            }
        }
        const clone = opts.clone ? medianClone(Array.from({ length: opts.cloneRuns }, () => measureFreshClone(log))) : undefined;
        return {
            runs: opts.runs,
            ...(clone ? { clone } : {}),
            plans: opts.plan ? stacks.map(st => ({
                stack: st.stack, sdks: st.sdks, baseline: summarize(st.baseline), deferredBaseline: summarize(st.deferredBaseline), plan: summarize(st.plan),
            })) : undefined,
            check: opts.check ? {
                small: { ...summarize(samples.small), objects: smallN * OBJECTS_PER_NAMESPACE },
                large: { ...summarize(samples.large), objects: largeN * OBJECTS_PER_NAMESPACE },
                startup: { ...summarize(samples.startup), objects: OBJECTS_PER_NAMESPACE },
                serverAlone: { smallMs: median(samples.serverSmall), largeMs: median(samples.serverLarge) },
            } : undefined,
        };
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

const met = (ok: boolean) => (ok ? "met" : "**NOT met**");
const ms = (x: number) => `${Math.round(x).toLocaleString("en-US")} ms`;
const mb = (x: number) => `${Math.round(x)} MB`;
const count = (n: number) => n.toLocaleString("en-US");

/** The result as a markdown table, with a line saying when, where and how it was measured. */
export function benchTable(r: BenchResult, when = new Date()): string {
    const rows: string[][] = [];
    for (const { stack, sdks, baseline, deferredBaseline, plan } of r.plans ?? []) {
        const ratio = plan.ms / baseline.ms;
        rows.push(
            [`bare \`require\` of @pulumi/pulumi, @pulumi/kubernetes${sdks.map(sdk => `, ${sdk}`).join("")} (the files the ${stack} plan loads)`, ms(baseline.ms), "(baseline)"],
            ...(deferredBaseline ? [[
                "the same `require` with the SDK modules the plan defers left unloaded (tools/sdk-deferred.ts)",
                `${ms(deferredBaseline.ms)} (the plan is ${(plan.ms / deferredBaseline.ms).toFixed(2)}× this)`, "(for comparison)",
            ]] : []),
            [`\`npm run plan -- --stack ${stack}\``, `${ms(plan.ms)} (${ratio.toFixed(2)}× baseline)`, `≤ ${TARGETS.planRatio}× baseline: ${met(ratio <= TARGETS.planRatio)}`],
            [`${stack} plan peak RSS`, mb(plan.rssMb), `≤ ${TARGETS.planRssMb} MB: ${met(plan.rssMb <= TARGETS.planRssMb)}`],
        );
    }
    if (r.check) {
        const { small, large, startup } = r.check;
        const ratio = large.ms / small.ms;
        // Beyond start-up, per object: equal at both sizes when the check is linear.
        const perObject = (m: Measured & { objects: number }) => startup ? `${((m.ms - startup.ms) / (m.objects - startup.objects)).toFixed(2)} ms` : "";
        rows.push(
            ...(startup ? [[`\`npm run check\` over ${count(startup.objects)} objects (its start-up)`, ms(startup.ms), "(for comparison)"]] : []),
            [`\`npm run check\` over ${count(small.objects)} objects`, `${ms(small.ms)}${startup ? ` (${perObject(small)} per object beyond start-up)` : ""}`, "(baseline)"],
            [`\`npm run check\` over ${count(large.objects)} objects`, `${ms(large.ms)} (${ratio.toFixed(2)}× ${count(small.objects)}${startup ? `; ${perObject(large)} per object beyond start-up` : ""})`,
                `≤ ${TARGETS.checkRatio}×: ${met(ratio <= TARGETS.checkRatio)}`],
            [`check peak RSS (${count(large.objects)} objects)`, mb(large.rssMb), `≤ ${TARGETS.checkRssMb} MB: ${met(large.rssMb <= TARGETS.checkRssMb)}`],
        );
        if (startup && r.check.serverAlone) {
            const { smallMs, largeMs } = r.check.serverAlone;
            const serverPerObject = (largeMs - smallMs) / (large.objects - small.objects);
            rows.push([
                `of which \`@pulumi/policy\`'s server alone: the same Analyze and AnalyzeStack calls with every policy a no-op, timed in process`,
                `${ms(smallMs)} and ${ms(largeMs)} (${serverPerObject.toFixed(2)} ms per object)`,
                `(for comparison: at this start-up, ${TARGETS.checkRatio}× allows ${checkBudgetPerObject(r.check).toFixed(2)} ms per object for all of the check's work)`,
            ]);
        }
    }
    if (r.clone) {
        const { ciMs, testMs, tests, totalsMs } = r.clone;
        const seconds = (x: number) => `${(x / 1000).toFixed(1)} s`;
        const measured = totalsMs ? `median of ${totalsMs.length} clones, totals ${seconds(Math.min(...totalsMs))} to ${seconds(Math.max(...totalsMs))}` : "measured once";
        rows.push([
            `fresh clone of HEAD, nothing beside it: \`npm ci\`, then \`npm test\` (${count(tests.passed)} passed, ${tests.failed} failed${tests.skipped ? `, ${tests.skipped} skipped` : ""}; ${measured})`,
            `${seconds(ciMs)} + ${seconds(testMs)} = ${seconds(ciMs + testMs)}`,
            `< ${TARGETS.cloneSeconds} s, green: ${met(ciMs + testMs < TARGETS.cloneSeconds * 1000 && tests.failed === 0)}`,
        ]);
    }
    const lines = [
        `\`npm run bench\` on ${when.toISOString().slice(0, 10)}: medians of ${r.runs} run(s), peak RSS the highest; Node ${process.version}, ${os.cpus().length} CPU(s); runs alternate so that load on the machine hits all alike.`,
        "",
        "| what | measured | target |",
        "|---|---|---|",
        ...rows.map(row => `| ${row.join(" | ")} |`),
    ];
    return lines.join("\n");
}

/** `text` with the part between the bench markers replaced by `table`; throws if the markers are missing or out of order. */
export function replaceBenchSection(text: string, table: string, file = "README.md"): string {
    const start = text.indexOf(README_START);
    const end = text.indexOf(README_END);
    if (start < 0 || end < 0 || end < start || text.indexOf(README_START, start + 1) >= 0) {
        throw new Error(`${file} needs exactly one ${README_START} … ${README_END} section for the figures`);
    }
    return `${text.slice(0, start + README_START.length)}\n${table}\n${text.slice(end)}`;
}

const USAGE = "usage: npm run bench -- [--runs N] [--clone-runs N] [--only plan|check|clone] [--stacks a,b] [--objects SMALL,LARGE] [--write-readme] [--readme FILE]";

/** The command line as options; throws a one-line error naming the bad option. */
export function parseOptions(argv: string[]): BenchOptions & { readme?: string } {
    const { values } = parseArgs({
        args: argv,
        options: {
            runs: { type: "string", default: "5" },
            "clone-runs": { type: "string", default: "3" },
            only: { type: "string" },
            objects: { type: "string", default: "2000,20000" },
            stacks: { type: "string" },
            "write-readme": { type: "boolean" },
            readme: { type: "string" },
            help: { type: "boolean", short: "h" },
        },
        strict: true,
    });
    if (values.help) {
        console.log(USAGE);
        process.exit(0);
    }
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) {
        throw new Error(`--runs ${values.runs}: give a whole number of runs, 1 or more`);
    }
    const cloneRuns = Number(values["clone-runs"]);
    if (!Number.isInteger(cloneRuns) || cloneRuns < 1) {
        throw new Error(`--clone-runs ${values["clone-runs"]}: give a whole number of fresh clones, 1 or more`);
    }
    if (values.only !== undefined && !["plan", "check", "clone"].includes(values.only)) {
        throw new Error(`--only ${values.only}: give plan, check or clone`);
    }
    const objects = values.objects.split(",").map(Number);
    if (objects.length !== 2 || objects.some(n => !Number.isInteger(n) || n < OBJECTS_PER_NAMESPACE) || objects[0] >= objects[1]) {
        throw new Error(`--objects ${values.objects}: give two object counts SMALL,LARGE, each at least ${OBJECTS_PER_NAMESPACE}, SMALL below LARGE (e.g. 2000,20000)`);
    }
    const known = stackNames();
    const stacks = values.stacks === undefined ? known : values.stacks.split(",").filter(Boolean);
    const unknown = stacks.filter(st => !known.includes(st));
    if (stacks.length === 0 || unknown.length) {
        throw new Error(`--stacks ${values.stacks}: give stacks that have a stack file in stacks/ (${known.join(", ")})`);
    }
    const readme = values.readme !== undefined ? path.resolve(values.readme) : values["write-readme"] ? path.join(ROOT, "README.md") : undefined;
    const only = (what: string) => values.only === undefined || values.only === what;
    return { runs, plan: only("plan"), stacks, check: only("check"), clone: only("clone"), cloneRuns, objects: [objects[0], objects[1]], readme };
}

function main(): number {
    let opts: ReturnType<typeof parseOptions>;
    try {
        opts = parseOptions(process.argv.slice(2));
        // Fail before minutes of measuring, not after.
        if (opts.readme) {
            replaceBenchSection(fs.readFileSync(opts.readme, "utf8"), "", path.basename(opts.readme));
        }
        const noClone = opts.clone ? cloneUnavailable() : undefined;
        if (noClone) {
            throw new Error(`the fresh-clone measurement clones the committed HEAD, but ${noClone}; measure the rest with --only plan or --only check`);
        }
    } catch (err) {
        console.error(`error: ${(err as Error).message}\n${USAGE}`);
        return 2;
    }
    if (opts.clone && spawnSync("git", ["-C", ROOT, "status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" }).stdout.trim()) {
        console.error("note: the working tree has uncommitted changes; the fresh clone measures the committed HEAD without them");
    }
    try {
        const table = benchTable(runBench({ ...opts, log: line => console.error(line) }));
        console.log(table);
        if (opts.readme) {
            fs.writeFileSync(opts.readme, replaceBenchSection(fs.readFileSync(opts.readme, "utf8"), table, path.basename(opts.readme)));
            console.error(`figures written to ${path.relative(process.cwd(), opts.readme) || opts.readme}`);
        }
        return 0;
    } catch (err) {
        console.error(`error: ${(err as Error).message}`);
        return 2;
    }
}

// A command when started (tools/launch.js, the kubelab bin, or this file itself); a library when imported by a test.
if (require.main && /[\\/](launch|kubelab)\.js$|[\\/]bench\.ts$/.test(require.main.filename)) {
    process.exitCode = main();
}
