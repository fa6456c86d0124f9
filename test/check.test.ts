/**
 * `npm run check`: the pack over plain YAML, with clear errors for input it can't read.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { checkPaths, messageOf } from "./offline/check-lib";
import { ROOT } from "./offline/plan-lib";

const fixture = (...parts: string[]) => path.join(ROOT, "test", "fixtures", "check", ...parts);

describe("npm run check", function () {
    this.timeout(30000);

    it("passes clean multi-document YAML", async () => {
        const r = await checkPaths([fixture("good", "app.yaml")]);
        assert.deepStrictEqual(r.objects.map(o => `${o.document} ${o.kind}`), ["1 Namespace", "2 Deployment", "3 Service", "4 HorizontalPodAutoscaler"]);
        assert.deepStrictEqual(r.problems, []);
        assert.deepStrictEqual(r.run.diagnostics.filter(d => d.enforcementLevel === "mandatory"), []);
        assert.strictEqual(r.exitCode, 0);
    });

    it("reports resource and stack policy violations with file, document and object", async () => {
        const r = await checkPaths([fixture("bad")]);
        const lines = r.results.map(({ diagnostic: d, object: o }) => `${path.basename(o!.file)}#${o!.document} ${o!.kind} ${d.policyName}`);
        assert.ok(lines.includes("violations.yaml#1 StorageClass storage-class-expandable"), lines.join("\n"));
        assert.ok(lines.includes("violations.yaml#3 Deployment container-requests"));
        assert.ok(lines.includes("violations.yaml#2 PersistentVolumeClaim claim-storage-class-expandable"), "stack policies map back to the document");
        const requests = r.results.find(x => x.diagnostic.policyName === "container-requests")!;
        assert.match(messageOf(requests.diagnostic), /^Deployment shop\/api: container 'api' has no cpu or memory request/);
        assert.strictEqual(r.exitCode, 1);
    });

    it("follows the policy config it is given", async () => {
        const r = await checkPaths([fixture("bad")], { all: "advisory" });
        assert.ok(r.run.diagnostics.length > 0);
        assert.ok(r.run.diagnostics.every(d => d.enforcementLevel === "advisory"));
        assert.strictEqual(r.exitCode, 0);
    });

    const cases: [string, RegExp][] = [
        ["empty.yaml", /^file is empty: it holds no Kubernetes objects$/],
        ["comments-only.yaml", /^file is empty/],
        ["not-kubernetes.yaml", /^not a Kubernetes object: it needs apiVersion and kind$/],
        ["broken.yaml", /^YAML syntax error at line 6, column 1: /],
        ["tabs.yaml", /^YAML syntax error at line 4, column 1: Tabs are not allowed as indentation/],
        ["does-not-exist.yaml", /^no such file or folder$/],
    ];
    for (const [file, message] of cases) {
        it(`reports ${file} as unreadable input and keeps checking the rest`, async () => {
            const r = await checkPaths([fixture(file), fixture("good", "app.yaml")]);
            const problems = r.problems.filter(p => p.severity === "error");
            assert.strictEqual(problems.length, 1, JSON.stringify(r.problems));
            assert.match(problems[0].message, message);
            assert.strictEqual(r.objects.length, 4, "the good file was still checked");
            assert.strictEqual(r.exitCode, 2);
        });
    }

    it("reads CRLF line endings, a byte-order mark and trailing spaces", async () => {
        const r = await checkPaths([fixture("crlf-bom.yaml")]);
        assert.deepStrictEqual(r.problems, []);
        assert.deepStrictEqual(r.objects.map(o => `${o.kind} ${o.namespace}/${o.name}`), ["ConfigMap shop/windows"]);
        assert.strictEqual(r.exitCode, 0);
    });

    it("warns about a kind it doesn't know, and checks the rest", async () => {
        const r = await checkPaths([fixture("unknown-kind.yaml")]);
        assert.deepStrictEqual(r.problems.map(p => [p.severity, p.document]), [["warning", "1"]]);
        assert.match(r.problems[0].message, /unknown kind Certificate in apiVersion cert-manager\.io\/v1/);
        assert.strictEqual(r.objects.length, 2);
        assert.strictEqual(r.exitCode, 0);
    });

    it("expands kind: List", async () => {
        const r = await checkPaths([fixture("list.yaml")]);
        assert.deepStrictEqual(r.objects.map(o => `${o.document} ${o.kind}`), ["1.1 ConfigMap", "1.2 StorageClass"]);
        assert.strictEqual(r.results.find(x => x.diagnostic.policyName === "storage-class-expandable")?.object?.document, "1.2");
    });

    it("rejects an object the API server would reject", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-check-"));
        fs.writeFileSync(path.join(dir, "bad.yaml"), "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: p, namespace: x}\nspec:\n  storageClassName: fast\n  resources: {requests: {storage: 500MB}}\n");
        const r = await checkPaths([dir]);
        assert.ok(r.problems.some(p => p.severity === "error" && /fails schema validation: \/spec\/resources\/requests\/storage/.test(p.message)), JSON.stringify(r.problems));
        assert.strictEqual(r.exitCode, 2);
    });

    it("as a command: exit codes, one line per result, and no stack trace", () => {
        const run = (...args: string[]) => spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "test/offline/check.ts", ...args], { cwd: ROOT, encoding: "utf8" });
        const bad = run(fixture("bad"));
        assert.strictEqual(bad.status, 1, bad.stderr);
        assert.match(bad.stdout, /violations\.yaml#3 Deployment shop\/api: \[mandatory\] container-requests: Deployment shop\/api: container 'api' has no cpu or memory request/);
        assert.match(bad.stdout, /3 object\(s\) checked: 3 mandatory violation\(s\)/);
        const broken = run(fixture("broken.yaml"), "--stack", "no-such-stack");
        assert.strictEqual(broken.status, 2);
        assert.match(broken.stderr, /no policy config for stack 'no-such-stack'/);
        assert.doesNotMatch(broken.stderr + broken.stdout, /\n\s+at /);
        const json = run(fixture("good"), "--json", "--stack", "minikube");
        assert.strictEqual(json.status, 0, json.stderr);
        assert.strictEqual((JSON.parse(json.stdout) as { objects: unknown[] }).objects.length, 4);
    });
});

describe("the CI workflow for users", () => {
    const workflow = parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", "policy.yml"), "utf8")) as {
        on: Record<string, unknown>;
        jobs: Record<string, { steps: { run?: string; uses?: string; with?: Record<string, string> }[]; strategy?: { matrix?: { stack?: string[] } } }>;
    };

    it("runs on pull requests: type-check, tests and the offline plan of every stack, no credentials", () => {
        assert.ok("pull_request" in workflow.on);
        const runs = workflow.jobs.offline.steps.map(s => s.run ?? "").join("\n");
        for (const command of ["npm ci", "npm run typecheck", "npm test", "npm run plan -- --stack"]) {
            assert.ok(runs.includes(command), command);
        }
        assert.match(runs, /stacks\/Pulumi\.\*\.yaml/, "loops over every stack file");
    });

    it("previews each cloud stack with the policy pack and its config through pulumi/actions", () => {
        const preview = workflow.jobs.preview;
        const action = preview.steps.find(s => s.uses?.startsWith("pulumi/actions@"));
        assert.ok(action?.with);
        assert.strictEqual(action.with.command, "preview");
        assert.strictEqual(action.with["policyPacks"], "policy");
        assert.match(action.with["policyPackConfigs"], /policy\/config\/\$\{\{ matrix\.stack \}\}\.json/);
    });
});
