/**
 * The plan as users run it (`node tools/launch.js plan …`, `kubelab plan …`): where it writes,
 * what it refuses, how it reports errors; and the modules behind that: the output folder
 * (tools/output.ts) and the policy config choice (tools/policy-config.ts).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MANIFEST, OutputError, checkOutputDir, readManifest, writeFileAtomically, writeOutputDir } from "../tools/output";
import { POLICY_CONFIG_DIR, pickPolicyConfig } from "../tools/policy-config";

function tmpDir(prefix = "kubelab-test-"): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
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

    it("refuses a symbolic link to the project root", () => {
        const link = path.join(tmpDir(), "link");
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
