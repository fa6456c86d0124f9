/**
 * The plan as users run it (`node tools/launch.js plan …`, `kubelab plan …`): where it writes,
 * what it refuses, how it reports errors; and the modules behind that: the output folder
 * (tools/output.ts) and the policy config choice (tools/policy-config.ts).
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { MANIFEST, OutputError, checkOutputDir, readManifest, writeFileAtomically, writeOutputDir } from "../tools/output";
import { POLICY_CONFIG_DIR, pickPolicyConfig } from "../tools/policy-config";

function tmpDir(prefix = "kubelab-test-"): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const ROOT = path.resolve(__dirname, "..");

interface Run { status: number | null; stdout: string; stderr: string }

/** Runs a command the way users do, `node tools/<entry> <args…>` from the project root, without blocking the others. */
function run(entry: "launch.js" | "kubelab.js", args: string[], env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(ROOT, "tools", entry), ...args], { cwd: ROOT, env: { ...process.env, npm_lifecycle_event: "", ...env } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (b: Buffer) => { stdout += b.toString(); });
        child.stderr.on("data", (b: Buffer) => { stderr += b.toString(); });
        child.on("error", reject);
        child.on("close", status => resolve({ status, stdout, stderr }));
    });
}

const show = (r: Run) => `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** A folder's entries with their contents (files) or "(folder)", to prove nothing changed. */
function snapshot(dir: string): [string, string][] {
    return fs.readdirSync(dir, { withFileTypes: true }).map((e): [string, string] =>
        [e.name, e.isFile() ? fs.readFileSync(path.join(dir, e.name), "utf8") : "(folder)"]).sort();
}

describe("policy config choice (plan and check)", () => {
    it("uses the stack's policy/config/<stack>.json, also for a fully qualified stack", () => {
        const file = path.join(POLICY_CONFIG_DIR, "minikube.json");
        const picked = pickPolicyConfig({ stack: "minikube" });
        assert.strictEqual(picked.file, file);
        assert.deepStrictEqual(picked.config, JSON.parse(fs.readFileSync(file, "utf8")));
        assert.strictEqual(pickPolicyConfig({ stack: "acme/kubelab/minikube" }).file, file);
    });

    it("falls back to no file (the schemas' defaults) for a stack without one, and without a stack", () => {
        assert.deepStrictEqual(pickPolicyConfig({ stack: "no-such-stack" }), { config: {} });
        assert.deepStrictEqual(pickPolicyConfig({}), { config: {} });
    });

    it("an explicit file overrides the stack's; a missing or malformed one is an error naming it", () => {
        const dir = tmpDir();
        const file = path.join(dir, "strict.json");
        fs.writeFileSync(file, '\uFEFF{"all": "mandatory"}');
        assert.deepStrictEqual(pickPolicyConfig({ stack: "minikube", file }), { file, config: { all: "mandatory" } });
        assert.throws(() => pickPolicyConfig({ file: path.join(dir, "missing.json") }), /policy config .*missing\.json does not exist/);
        fs.writeFileSync(file, "[1]");
        assert.throws(() => pickPolicyConfig({ file }), /strict\.json must be a JSON object .* got an array/);
        fs.writeFileSync(file, "{");
        assert.throws(() => pickPolicyConfig({ file }), /strict\.json is not valid JSON/);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("rejects a stack name that would leave policy/config", () => {
        assert.throws(() => pickPolicyConfig({ stack: "../../etc/passwd" }), /is not a stack name/);
        assert.throws(() => pickPolicyConfig({ stack: ".." }), /is not a stack name/);
    });
});

describe("the plan's output folder (tools/output.ts)", () => {
    // A stand-in project root, so that refusing "the project root" is tested without the real one at stake.
    let root: string;
    let out: string;
    const opts = () => ({ root, stack: "test" });
    const files = (...names: string[]) => names.map(name => ({ name, content: `# ${name}\n` }));
    const listing = (dir: string) => fs.readdirSync(dir).sort();

    beforeEach(() => {
        root = tmpDir("kubelab-root-");
        fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: kubelab\n");
        out = path.join(root, "out", "test");
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("writes the files and a manifest listing them, creating the folder", () => {
        const manifest = writeOutputDir(out, files("01-a.yaml", "02-b.yaml"), opts());
        assert.deepStrictEqual(listing(out), [MANIFEST, "01-a.yaml", "02-b.yaml"].sort());
        assert.deepStrictEqual(manifest.files, ["01-a.yaml", "02-b.yaml"]);
        assert.deepStrictEqual(readManifest(out)?.files, ["01-a.yaml", "02-b.yaml"]);
        assert.strictEqual(fs.readFileSync(path.join(out, "02-b.yaml"), "utf8"), "# 02-b.yaml\n");
        assert.ok(!MANIFEST.endsWith(".yaml") && !MANIFEST.endsWith(".yml") && !MANIFEST.endsWith(".json"), "kubectl apply -f DIR reads .yaml, .yml and .json files");
    });

    it("replaces its own previous output, removing files the new plan no longer writes, and leaves no temporary folder", () => {
        writeOutputDir(out, files("01-a.yaml", "02-b.yaml"), opts());
        writeOutputDir(out, files("01-a.yaml", "03-c.yaml"), opts());
        assert.deepStrictEqual(listing(out), [MANIFEST, "01-a.yaml", "03-c.yaml"].sort());
        assert.deepStrictEqual(listing(path.dirname(out)), ["test"]);
    });

    it("accepts an empty existing folder", () => {
        fs.mkdirSync(out, { recursive: true });
        writeOutputDir(out, files("01-a.yaml"), opts());
        assert.deepStrictEqual(listing(out), [MANIFEST, "01-a.yaml"].sort());
    });

    it("refuses a folder holding a file it did not write, and deletes nothing", () => {
        fs.mkdirSync(out, { recursive: true });
        fs.writeFileSync(path.join(out, "notes.txt"), "mine");
        assert.throws(() => writeOutputDir(out, files("01-a.yaml"), opts()),
            (e: Error) => e instanceof OutputError && e.message.includes(out) && /holds 1 item\(s\) a previous plan did not write \(notes\.txt\)/.test(e.message));
        assert.deepStrictEqual(listing(out), ["notes.txt"]);
        // Also next to a previous plan's own files: the stranger is named, nothing is removed.
        fs.rmSync(path.join(out, "notes.txt"));
        writeOutputDir(out, files("01-a.yaml"), opts());
        fs.writeFileSync(path.join(out, "notes.txt"), "mine");
        fs.mkdirSync(path.join(out, "sub"));
        assert.throws(() => writeOutputDir(out, files("02-b.yaml"), opts()), /holds 2 item\(s\) the previous plan did not write \(notes\.txt, sub\)/);
        assert.deepStrictEqual(listing(out), [MANIFEST, "01-a.yaml", "notes.txt", "sub"].sort());
    });

    it("refuses a manifest that isn't a plan's", () => {
        fs.mkdirSync(out, { recursive: true });
        fs.writeFileSync(path.join(out, MANIFEST), JSON.stringify({ files: ["x"] }));
        fs.writeFileSync(path.join(out, "x"), "x");
        assert.throws(() => checkOutputDir(out, opts()), /a previous plan did not write/);
    });

    it("refuses the project root, its ancestors, the home folder, / and a file, even when empty of strangers", () => {
        const cases: [string, RegExp][] = [
            [root, /it is the project root/],
            [path.dirname(root), /it contains the project/],
            [path.join(root, "out", ".."), /it is the project root/],
            [os.homedir(), /it is your home folder/],
            ["/", /it is the file system's root/],
        ];
        for (const [dir, why] of cases) {
            assert.throws(() => writeOutputDir(dir, files("01-a.yaml"), opts()), (e: Error) => e instanceof OutputError && why.test(e.message) && e.message.includes(path.resolve(dir)), dir);
        }
        assert.deepStrictEqual(listing(root), ["Pulumi.yaml"]);
        const file = path.join(root, "file.yaml");
        fs.writeFileSync(file, "a: 1\n");
        assert.throws(() => checkOutputDir(file, opts()), /it is a file, not a folder/);
    });

    it("says why when the output folder can't be made", () => {
        const blocker = path.join(root, "blocker");
        fs.writeFileSync(blocker, "a file\n");
        assert.throws(() => writeOutputDir(path.join(blocker, "out"), files("01-a.yaml"), opts()),
            (e: Error) => e instanceof OutputError && /refusing to write the plan to .*blocker\/out: a part of its path is a file, not a folder/.test(e.message));
        assert.strictEqual(fs.readFileSync(blocker, "utf8"), "a file\n");
    });

    it("refuses a symbolic link to the project root", () => {
        const link = path.join(root, "out-link");
        fs.symlinkSync(root, link);
        assert.throws(() => checkOutputDir(link, opts()), /it is the project root/);
    });

    it("a plan that fails while writing leaves the previous output as it was", () => {
        writeOutputDir(out, files("01-a.yaml", "02-b.yaml"), opts());
        const before = listing(out).map(f => [f, fs.readFileSync(path.join(out, f), "utf8")]);
        function* failing() {
            yield { name: "01-a.yaml", content: "new\n" };
            throw new Error("render failed");
        }
        assert.throws(() => writeOutputDir(out, failing(), opts()), /render failed/);
        assert.deepStrictEqual(listing(out).map(f => [f, fs.readFileSync(path.join(out, f), "utf8")]), before);
        assert.deepStrictEqual(listing(path.dirname(out)), ["test"], "no temporary folder is left behind");
        assert.throws(() => writeOutputDir(out, files("../escape.yaml"), opts()), /may not write an output file named/);
        assert.throws(() => writeOutputDir(out, files(MANIFEST), opts()), /may not write an output file named/);
        assert.deepStrictEqual(listing(out).map(f => [f, fs.readFileSync(path.join(out, f), "utf8")]), before);
    });

    it("takes over the output of a plan from before the manifest (report.json listing its files)", () => {
        fs.mkdirSync(out, { recursive: true });
        fs.writeFileSync(path.join(out, "01-a.yaml"), "a");
        fs.writeFileSync(path.join(out, "all.yaml"), "a");
        fs.writeFileSync(path.join(out, "report.json"), JSON.stringify({ stack: "test", objects: [{ file: path.join(out, "01-a.yaml") }] }));
        writeOutputDir(out, files("01-b.yaml"), opts());
        assert.deepStrictEqual(listing(out), [MANIFEST, "01-b.yaml"].sort());
    });

    it("writes the report atomically, over a previous report only", () => {
        const report = path.join(root, "out", "test.report.json");
        const isReport = (text: string) => text.includes("kubelab-plan-report");
        writeFileAtomically(report, '{"format": "kubelab-plan-report"}\n', isReport);
        writeFileAtomically(report, '{"format": "kubelab-plan-report", "n": 2}\n', isReport);
        assert.match(fs.readFileSync(report, "utf8"), /"n": 2/);
        const readme = path.join(root, "README.md");
        fs.writeFileSync(readme, "# mine\n");
        assert.throws(() => writeFileAtomically(readme, "{}", isReport), /refusing to write the report to .*README\.md: the file exists and is not a previous plan report/);
        assert.strictEqual(fs.readFileSync(readme, "utf8"), "# mine\n");
        assert.throws(() => writeFileAtomically(root, "{}", isReport), /it is a folder/);
    });
});

describe("npm run plan / kubelab plan, as users run them", function () {
    // Every plan costs seconds: each case below runs once, concurrently, in before().
    this.timeout(120000);
    const work = tmpDir("kubelab-cli-");
    const out = path.join(work, "out", "minikube");
    const reportFile = `${out}.report.json`;
    const out2 = path.join(work, "second", "minikube");
    const previousFile = path.join(work, "previous.report.json");
    const userDir = path.join(work, "mine");
    const notAReport = path.join(work, "notes.json");
    // What the first plan and the check load: every process appends its module cache's files at exit.
    const modulesFile = path.join(work, "modules.jsonl");
    const recordModules = path.join(work, "record-modules.js");
    const recording = () => ({
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${JSON.stringify(recordModules)}`.trim(),
        KUBELAB_TEST_MODULES: modulesFile,
    });
    let rootBefore: string[];
    const runs: Record<string, Run> = {};

    before(async () => {
        fs.mkdirSync(userDir);
        fs.writeFileSync(path.join(userDir, "keep.txt"), "a user's file\n");
        fs.writeFileSync(notAReport, '{"mine": true}\n');
        fs.writeFileSync(recordModules, 'process.on("exit", () => require("fs").appendFileSync(process.env.KUBELAB_TEST_MODULES, JSON.stringify(Object.keys(require.cache)) + "\\n"));\n');
        // Names only: other work may edit files in the project meanwhile; a deletion shows as a missing name.
        rootBefore = fs.readdirSync(ROOT).filter(n => n !== "out").sort();
        const refusals = {
            root: run("launch.js", ["plan", "--stack", "minikube", "--out", ROOT]),
            rootDot: run("kubelab.js", ["plan", "--stack", "minikube", "--out", "."]),
            userDir: run("launch.js", ["plan", "--stack", "minikube", "--out", userDir, "--json"]),
            badReport: run("launch.js", ["plan", "--stack", "minikube", "--out", path.join(work, "o2"), "--report", notAReport]),
            badOption: run("launch.js", ["plan", "--stak", "minikube", "--json"]),
            noAgainst: run("launch.js", ["plan", "--stack", "minikube", "--out", path.join(work, "o3"), "--against", path.join(work, "missing.json"), "--json"]),
            unknownStack: run("launch.js", ["plan", "--stack", "nope", "--out", path.join(work, "o4"), "--json"]),
            badCommand: run("kubelab.js", ["plam"]),
            // As `npm run plan -- --out .` started in the user's folder: npm runs the script in the root, INIT_CWD says where the user was.
            npmRelative: run("launch.js", ["plan", "--out", "."], { npm_lifecycle_event: "plan", INIT_CWD: userDir }),
            first: run("kubelab.js", ["plan", "--stack", "minikube", "--out", out, "--json"], recording()),
        };
        for (const [name, p] of Object.entries(refusals)) {
            runs[name] = await p;
        }
        // The first plan's output, copied: a second plan replaces it, compared against a previous
        // report whose StatefulSet asked for less storage and was deployed by a kubelab from before
        // the orphan annotation (so the replacement deletes its pods); meanwhile check reads the first folder.
        fs.cpSync(out, out2, { recursive: true });
        fs.copyFileSync(reportFile, `${out2}.report.json`);
        const previous = JSON.parse(fs.readFileSync(reportFile, "utf8")) as { resources: { type: string; inputs: { metadata: { annotations?: Record<string, string> }; spec: { volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[] } } }[] };
        const sts = previous.resources.find(r => r.type === "kubernetes:apps/v1:StatefulSet")!;
        sts.inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage = "1Mi";
        delete sts.inputs.metadata.annotations;
        fs.writeFileSync(previousFile, JSON.stringify(previous));
        const [second, check] = await Promise.all([
            run("launch.js", ["plan", "--stack", "minikube", "--out", out2, "--against", previousFile]),
            run("launch.js", ["check", out, "--stack", "minikube", "--json"], recording()),
        ]);
        runs.second = second;
        runs.check = check;
    });

    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("refuses --out at the project root (also as '.') with exit 2 and a message naming it, deleting nothing", () => {
        for (const r of [runs.root, runs.rootDot]) {
            assert.strictEqual(r.status, 2, show(r));
            assert.match(r.stderr, new RegExp(`refusing to write the plan to ${ROOT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: it is the project root`));
            assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
        }
        assert.deepStrictEqual(fs.readdirSync(ROOT).filter(n => n !== "out").sort(), rootBefore);
        assert.ok(fs.existsSync(path.join(ROOT, "Pulumi.yaml")) && fs.existsSync(path.join(ROOT, "tools", "plan.ts")));
    });

    it("refuses a folder holding a user's file, as a JSON error with --json, and leaves the file", () => {
        const r = runs.userDir;
        assert.strictEqual(r.status, 2, show(r));
        const body = JSON.parse(r.stdout) as { error: { kind: string; message: string }; exitCode: number };
        assert.deepStrictEqual(Object.keys(body).sort(), ["error", "exitCode"]);
        assert.strictEqual(body.exitCode, 2);
        assert.strictEqual(body.error.kind, "output");
        assert.match(body.error.message, /refusing to write the plan to .*mine: it holds 1 item\(s\) a previous plan did not write \(keep\.txt\)/);
        assert.deepStrictEqual(snapshot(userDir), [["keep.txt", "a user's file\n"]]);
    });

    it("under npm run, a relative --out means the user's folder, not the project root", () => {
        const r = runs.npmRelative;
        assert.strictEqual(r.status, 2, show(r));
        assert.match(r.stderr, /refusing to write the plan to .*mine: it holds 1 item\(s\) a previous plan did not write \(keep\.txt\)/);
    });

    it("refuses to overwrite a file that is not a plan report with --report", () => {
        assert.strictEqual(runs.badReport.status, 2, show(runs.badReport));
        assert.match(runs.badReport.stderr, /refusing to write the report to .*notes\.json: the file exists and is not a previous plan report/);
        assert.strictEqual(fs.readFileSync(notAReport, "utf8"), '{"mine": true}\n');
        assert.ok(!fs.existsSync(path.join(work, "o2")));
    });

    it("prints only a JSON error object on stdout with --json: usage, input and config errors", () => {
        const cases: [Run, string, RegExp][] = [
            [runs.badOption, "usage", /Unknown option '--stak'/],
            [runs.noAgainst, "input", /--against .*missing\.json: no such file/],
            [runs.unknownStack, "config", /stack nope/],
        ];
        for (const [r, kind, message] of cases) {
            assert.strictEqual(r.status, 2, show(r));
            const body = JSON.parse(r.stdout) as { error: { kind: string; message: string }; exitCode: number };
            assert.strictEqual(body.error.kind, kind, show(r));
            assert.match(body.error.message, message);
            assert.strictEqual(body.exitCode, 2);
            assert.match(r.stderr, /^error: /);
            assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
        }
        assert.ok(!fs.existsSync(path.join(work, "o3")) && !fs.existsSync(path.join(work, "o4")), "a failed plan writes nothing");
    });

    it("kubelab with an unknown command prints the usage and exits 2", () => {
        assert.strictEqual(runs.badCommand.status, 2, show(runs.badCommand));
        assert.match(runs.badCommand.stderr, /unknown command 'plam'\nusage: kubelab <plan\|check\|bench\|teardown>/);
    });

    it("writes only single-object YAML files (and its manifest) to the output folder, the report beside it, and the same report with --json", () => {
        const r = runs.first;
        assert.strictEqual(r.status, 0, show(r));
        const printed = JSON.parse(r.stdout) as { stack: string; exitCode: number; policyConfigFile?: string; objects: { file: string; kind: string }[] };
        assert.strictEqual(printed.stack, "minikube");
        assert.strictEqual(printed.policyConfigFile, path.join("policy", "config", "minikube.json"), "relative to the project, so reports compare across machines");
        assert.deepStrictEqual(JSON.parse(fs.readFileSync(reportFile, "utf8")), printed, "the report file is what --json prints");
        const files = fs.readdirSync(out).sort();
        assert.deepStrictEqual(files.filter(f => !f.endsWith(".yaml")), [MANIFEST]);
        assert.deepStrictEqual(files.filter(f => f.endsWith(".yaml")), printed.objects.map(o => path.basename(o.file)).sort());
        assert.strictEqual(files[1], "01-namespace-smilr.yaml");
        for (const f of files.filter(x => x.endsWith(".yaml"))) {
            const docs = parseAllDocuments(fs.readFileSync(path.join(out, f), "utf8"));
            assert.strictEqual(docs.length, 1, f);
            assert.match(String((docs[0].toJS() as { kind?: string }).kind), /^[A-Z]/, f);
        }
        assert.ok(printed.objects.some(o => o.kind === "StatefulSet"));
    });

    it("replaces its own output on a second run, names the policy config, and with --against prints the changes and exits 1 when a volume's StatefulSet deployed without the orphan annotation is replaced", () => {
        const r = runs.second;
        assert.strictEqual(r.status, 1, show(r));
        assert.match(r.stdout, /kubelab:labs:Smilr {2}smilr/);
        assert.match(r.stdout, /Schema validation: every object is valid/);
        assert.match(r.stdout, /Policy config: policy\/config\/minikube\.json/);
        assert.match(r.stdout, /0 mandatory violation\(s\)/);
        const changes = r.stdout.slice(r.stdout.search(/Changes against .*previous\.report\.json:/));
        assert.ok(changes.length < r.stdout.length, show(r));
        assert.match(changes, /StatefulSet[^\n]*smilr-mongodb[\s\S]*volumeClaimTemplates/);
        assert.match(changes, /✗ [^\n]*StatefulSet smilr\/mongodb/, "the risk is named");
        assert.match(r.stdout, /\nFAILED: the changes put data at risk \(see above\) \(exit 1\)\n$/);
        assert.deepStrictEqual(fs.readdirSync(out2).sort(), fs.readdirSync(out).sort());
        assert.deepStrictEqual(fs.readdirSync(path.dirname(out2)).sort(), ["minikube", "minikube.report.json"], "no temporary folder left");
        // The previous report there was replaced (a plan report may be), by the plan's own report, not the diff's verdict.
        const rewritten = JSON.parse(fs.readFileSync(`${out2}.report.json`, "utf8")) as { exitCode: number; objects: { file: string }[] };
        assert.strictEqual(rewritten.exitCode, 0);
        assert.ok(rewritten.objects.every(o => o.file.startsWith(out2)), "the copied report was replaced");
    });

    it("a plan and a check never load the TypeScript compiler, @npmcli/arborist, the Automation API or glob (tools/sdk-deferred.ts)", () => {
        // The plan (one process) and the check (launch.js and the child it starts with a heap limit).
        const processes = fs.readFileSync(modulesFile, "utf8").trim().split("\n").map(line => JSON.parse(line) as string[]);
        assert.strictEqual(processes.length, 3, "three processes recorded");
        for (const files of processes) {
            // A deferred module's own file is in the cache, holding its stand-in; nothing under it is.
            const unwanted = files.filter(f => /[\\/]node_modules[\\/](typescript|@npmcli[\\/]arborist[\\/]lib[\\/](?!index\.js$)|normalize-package-data[\\/]lib[\\/](?!normalize\.js$)|js-yaml|execa|@pulumi[\\/]pulumi[\\/]automation[\\/](?!index\.js$)|glob[\\/]dist[\\/]commonjs[\\/](?!index\.js$))/.test(f));
            assert.deepStrictEqual(unwanted, []);
        }
        assert.ok(processes.some(files => files.some(f => f.endsWith(path.join("tools", "plan.ts")))), "the plan was among them");
        assert.ok(processes.some(files => files.some(f => f.endsWith(path.join("tools", "check.ts")))), "the check was among them");
    });

    it("npm run check over the plan's folder gives the plan's verdict, each object once", () => {
        const r = runs.check;
        const plan = JSON.parse(fs.readFileSync(reportFile, "utf8")) as { exitCode: number; objects: unknown[]; policies: { diagnostics: { policyName: string; enforcementLevel: string }[] } };
        const check = JSON.parse(r.stdout) as { exitCode: number; objects: unknown[]; results: { policyName: string; enforcementLevel: string }[] };
        assert.strictEqual(check.exitCode, plan.exitCode, show(r));
        assert.strictEqual(check.objects.length, plan.objects.length);
        const mandatory = (ds: { policyName: string; enforcementLevel: string }[]) => ds.filter(d => d.enforcementLevel === "mandatory").map(d => d.policyName).sort();
        assert.deepStrictEqual(mandatory(check.results), mandatory(plan.policies.diagnostics));
    });
});
