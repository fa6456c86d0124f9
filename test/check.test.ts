/**
 * `npm run check`: the pack over plain YAML, with clear errors for input it can't read.
 */
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PolicyPackArgs } from "@pulumi/policy";
import { parse } from "yaml";
import { checkPaths, jsonReport, messageOf, textReport } from "../tools/check-lib";
import { writeOutputDir } from "../tools/output";
import { ROOT, exitCodeOf } from "../tools/plan-lib";
import { pickPolicyConfig } from "../tools/policy-config";
import { fileNameOf, toYaml } from "../tools/render";
import { checkObjects, stackPlan, violationsOf } from "./helpers";

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
        // A stack policy may speak of something no object is (a namespace the files don't define): "(stack)".
        const lines = r.results.map(({ diagnostic: d, object: o }) => `${o ? `${path.basename(o.file)}#${o.document} ${o.kind}` : "(stack)"} ${d.policyName}`);
        assert.ok(lines.includes("violations.yaml#1 StorageClass storage-class-expandable"), lines.join("\n"));
        assert.ok(lines.includes("violations.yaml#3 Deployment container-requests"));
        assert.ok(lines.includes("violations.yaml#2 PersistentVolumeClaim claim-storage-class-expandable"), "stack policies map back to the document");
        const requests = r.results.find(x => x.diagnostic.policyName === "container-requests")!;
        assert.match(messageOf(requests.diagnostic), /^Deployment shop\/api: container 'api' has no cpu request/);
        assert.strictEqual(r.exitCode, 1);
    });

    it("follows the policy config it is given", async () => {
        const r = await checkPaths([fixture("bad")], { all: "advisory" });
        assert.ok(r.run.diagnostics.length > 0);
        assert.ok(r.run.diagnostics.every(d => d.enforcementLevel === "advisory"));
        assert.strictEqual(r.exitCode, 0);
    });

    const cases: [string, RegExp][] = [
        ["not-kubernetes.yaml", /^not a Kubernetes object: it needs apiVersion and kind$/],
        ["broken.yaml", /^YAML syntax error at line 6, column 1: Flow map in block collection must be sufficiently indented/],
        ["tabs.yaml", /^YAML syntax error at line 4, column 1: Tabs are not allowed as indentation \(YAML indents with spaces only\)$/],
        // One problem per broken document: the errors the parser reports after the first, up to the end, are counted.
        ["unclosed-quote.yaml", /^YAML syntax error at line 12, column 1: Missing closing 'quote \(the quote opened at line 6, column 25 is never closed before the document ends\)$/],
        ["does-not-exist.yaml", /^no such file or folder$/],
    ];
    for (const [file, message] of cases) {
        it(`reports ${file} as unreadable input and keeps checking the rest`, async () => {
            const r = await checkPaths([fixture(file), fixture("good", "app.yaml")]);
            const problems = r.problems.filter(p => p.severity === "error");
            assert.strictEqual(problems.length, 1, JSON.stringify(r.problems));
            assert.match(problems[0].message, message);
            assert.strictEqual(problems[0].file, fixture(file));
            if (file !== "does-not-exist.yaml") {
                assert.strictEqual(problems[0].document, "1");
            }
            assert.strictEqual(r.objects.length, 4, "the good file was still checked");
            assert.strictEqual(r.exitCode, 2);
        });
    }

    it("reads a quoted value whose closing line is indented no further than its key as kubectl does, to its closing quote, and warns", async () => {
        const r = await checkPaths([fixture("underindented-quote.yaml")]);
        assert.deepStrictEqual(r.problems.map(p => `${p.severity}: ${p.message}`), [
            "warning: line 6: a quoted value continues on line 9 indented no further than its key, which ends it early under YAML 1.2; " +
            "kubectl's YAML parser reads on to the closing quote, and so does this check: indent that line past the key",
        ]);
        // The value is the one kubectl reads: the continuation lines folded, their indentation dropped.
        assert.deepStrictEqual(r.objects.map(o => [o.line, o.object.metadata?.annotations, (o.object as { data?: unknown }).data]), [
            [1, { "example.com/config": '[ {"name": "a"}, {"name": "b"} ]' }, { x: "1" }],
        ]);
        assert.strictEqual(r.exitCode, 0);
    });

    for (const file of ["empty.yaml", "comments-only.yaml"]) {
        it(`says ${file} is empty, and fails only when nothing at all is checkable`, async () => {
            const withGood = await checkPaths([fixture(file), fixture("good", "app.yaml")]);
            assert.deepStrictEqual(withGood.problems, [{ file: fixture(file), severity: "warning", message: "file is empty: it holds no Kubernetes objects" }]);
            assert.strictEqual(withGood.exitCode, 0);
            const alone = await checkPaths([fixture(file)]);
            assert.deepStrictEqual(alone.problems.map(p => `${p.severity}: ${p.message}`), ["warning: file is empty: it holds no Kubernetes objects", "error: no Kubernetes objects to check"]);
            assert.strictEqual(alone.exitCode, 2);
        });
    }

    it("skips comment-only documents and stray separators, counting documents as the file does", async () => {
        const r = await checkPaths([fixture("separators.yaml")]);
        assert.deepStrictEqual(r.problems, []);
        assert.deepStrictEqual(r.objects.map(o => `${o.document} ${o.name}`), ["2 after-separators"]);
        assert.strictEqual(r.exitCode, 0);
    });

    it("reads folders recursively, in sorted order, and keeps going past every bad file", async () => {
        const r = await checkPaths([fixture()]);
        const files = [...new Set(r.objects.map(o => path.relative(fixture(), o.file)))];
        assert.deepStrictEqual(files, [...files].sort());
        assert.ok(files.includes(path.join("bad", "violations.yaml")) && files.includes("unknown-kind.yaml"), files.join());
        assert.strictEqual(r.exitCode, 2);
    });

    it("reads CRLF line endings, a byte-order mark and trailing spaces", async () => {
        const r = await checkPaths([fixture("crlf-bom.yaml")]);
        assert.deepStrictEqual(r.problems, []);
        assert.deepStrictEqual(r.objects.map(o => `${o.kind} ${o.namespace}/${o.name}`), ["ConfigMap shop/windows"]);
        assert.strictEqual(r.exitCode, 0);
    });

    it("warns about a custom resource's kind, which it can't validate, and checks the rest", async () => {
        const r = await checkPaths([fixture("unknown-kind.yaml")]);
        assert.deepStrictEqual(r.problems.map(p => [p.severity, p.document]), [["warning", "1"]]);
        assert.match(r.problems[0].message, /^unknown kind Certificate in apiVersion cert-manager\.io\/v1 \(a custom resource\?\)/);
        assert.strictEqual(r.objects.length, 2);
        assert.strictEqual(r.exitCode, 0);
    });

    it("rejects an unknown kind or version of Kubernetes' own API groups, naming the versions that exist", async () => {
        const r = await checkPaths([fixture("unknown-api.yaml")]);
        assert.deepStrictEqual(r.problems.map(p => `${p.document} ${p.severity}`), ["1 error", "2 error"]);
        assert.match(r.problems[0].message, /^unknown kind Deployment in apiVersion apps\/v1beta9: the apiVersions Kubernetes has for Deployment are apps\/v1(, |$)/);
        assert.strictEqual(r.problems[1].message, "unknown kind Deploymnet in apiVersion apps/v1: Kubernetes has no kind Deploymnet (misspelled?)");
        assert.deepStrictEqual(r.objects.map(o => o.name), ["future", "typo", "fine"], "and keeps checking");
        assert.strictEqual(r.exitCode, 2);
    });

    it("reports documents that are not mappings, and a List without items, by document and item", async () => {
        const r = await checkPaths([fixture("not-objects.yaml")]);
        assert.deepStrictEqual(r.problems.map(p => `${p.document}: ${p.message}`), [
            "1: not a Kubernetes object: it is a list, not a mapping with apiVersion and kind",
            "2: not a Kubernetes object: it is a string, not a mapping with apiVersion and kind",
            "3: kind: List needs items, a list of objects",
            "4.1: not a Kubernetes object: it is a number, not a mapping with apiVersion and kind",
        ]);
        assert.deepStrictEqual(r.objects.map(o => `${o.document} ${o.name}`), ["4.2 listed"]);
        assert.strictEqual(r.exitCode, 2);
    });

    it("ignores trailing spaces and tabs after values", async () => {
        const r = await checkPaths([fixture("trailing-whitespace.yaml")]);
        assert.deepStrictEqual(r.problems, []);
        assert.deepStrictEqual(r.objects.map(o => `${o.kind} ${o.namespace}/${o.name}`), ["ConfigMap shop/trailing"]);
        assert.strictEqual(r.exitCode, 0);
    });

    it("leaves out an object a policy throws on, reports it, and still checks the others", async () => {
        const args: PolicyPackArgs = {
            policies: [{
                name: "fussy", description: "Fussy.", enforcementLevel: "mandatory",
                validateResource: (a, report) => {
                    const name = (a.props.metadata as { name?: string } | undefined)?.name;
                    if (name === "boom") {
                        throw new Error("cannot read this object");
                    }
                    report(`saw ${name}`);
                },
            }],
        };
        const r = await checkPaths([fixture("good", "app.yaml")], {}, { name: "t", version: "1.0.0", args });
        const errors = r.problems.filter(p => p.severity === "error");
        assert.deepStrictEqual(errors, [], "nothing fails on the good file");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-check-"));
        fs.writeFileSync(path.join(dir, "a.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok, namespace: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: boom, namespace: x}\n");
        const boom = await checkPaths([dir], {}, { name: "t", version: "1.0.0", args });
        assert.deepStrictEqual(boom.problems.map(p => [p.document, p.severity]), [["2", "error"]]);
        assert.match(boom.problems[0].message, /^ConfigMap x\/boom: the policy pack fails on this object, so it was left out of the policy run: Error validating resource with policy 'fussy' from policy pack 't@v1\.0\.0': cannot read this object$/);
        assert.deepStrictEqual(boom.results.map(x => `${x.object?.name} ${messageOf(x.diagnostic)}`), ["ok saw ok"]);
        assert.strictEqual(boom.exitCode, 2);
    });

    it("switches off a stack policy that fails on the objects together but on none alone, names it, and still shows the others' results", async () => {
        const args: PolicyPackArgs = {
            policies: [
                {
                    name: "pairs", description: "Fails on two ConfigMaps.", enforcementLevel: "mandatory",
                    validateStack: a => {
                        if (a.resources.filter(r => r.type === "kubernetes:core/v1:ConfigMap").length > 1) {
                            throw new Error("cannot compare these");
                        }
                    },
                },
                { name: "names", description: "Names each.", enforcementLevel: "advisory", validateResource: (a, report) => report(`saw ${(a.props.metadata as { name?: string }).name}`) },
            ],
        };
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-check-"));
        fs.writeFileSync(path.join(dir, "a.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one, namespace: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: two, namespace: x}\n");
        const r = await checkPaths([dir], {}, { name: "t", version: "1.0.0", args });
        fs.rmSync(dir, { recursive: true, force: true });
        assert.deepStrictEqual(r.problems.map(p => p.message.replace(/: Error validating.*/, "")), ["policy pairs fails on these objects together (on none alone), so it was switched off and its results are missing; the other policies ran"]);
        assert.match(r.problems[0].message, /cannot compare these$/);
        // Before, the run had no policy results at all.
        assert.deepStrictEqual(r.results.map(x => messageOf(x.diagnostic)).sort(), ["saw one", "saw two"]);
        assert.strictEqual(r.exitCode, 2);
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

    it("reports as text and as JSON: file, document, object, level, policy, message without the description", async () => {
        const r = await checkPaths([fixture("bad"), fixture("unknown-kind.yaml")]);
        const text = textReport(r).map(l => l.replace(path.relative(process.cwd(), fixture()) + path.sep, "").split(path.sep).join("/"));
        assert.ok(text.includes("unknown-kind.yaml#1: warning: unknown kind Certificate in apiVersion cert-manager.io/v1 (a custom resource?): checked by the policies only, without schema validation"), text.join("\n"));
        assert.ok(text.some(l => /^bad\/violations\.yaml#3 Deployment shop\/api: \[mandatory\] container-requests: Deployment shop\/api: container 'api' has no cpu request/.test(l)), text.join("\n"));
        assert.match(text[text.length - 1], /^5 object\(s\) checked: \d+ mandatory violation\(s\), \d+ advisory, 0 input error\(s\), 1 input warning\(s\) \(exit 1\)$/);
        const json = JSON.parse(JSON.stringify(jsonReport(r))) as { results: { file: string; document: string; line: number; kind: string; name: string; policyName: string; enforcementLevel: string; message: string }[]; exitCode: number };
        const claim = json.results.find(x => x.policyName === "claim-storage-class-expandable");
        const claimLine = fs.readFileSync(fixture("bad", "violations.yaml"), "utf8").split("\n").findIndex(l => /^kind: PersistentVolumeClaim/.test(l)); // the line before, 0-based: apiVersion's, 1-based
        assert.deepStrictEqual(claim && [path.basename(claim.file), claim.document, claim.line, claim.kind, claim.name, claim.enforcementLevel], ["violations.yaml", "2", claimLine, "PersistentVolumeClaim", "data", "mandatory"]);
        assert.match(claim!.message, /^PersistentVolumeClaim shop\/data uses StorageClass 'standard'/);
        assert.strictEqual(json.exitCode, 1);
    });

    it("rejects what the API server would: unknown fields, a selector that misses its pods, removed API versions, malformed names and labels", async () => {
        const r = await checkPaths([fixture("api-server-rejects.yaml")]);
        assert.deepStrictEqual(r.problems.map(p => `${p.document} ${p.severity}: ${p.message}`), [
            "1 error: HorizontalPodAutoscaler shop/web fails schema validation: /spec/metrics: unknown field \"spec.metrics\": kubectl --validate=strict rejects it",
            "2 error: Deployment shop/web fails schema validation: /spec/replicass: unknown field \"spec.replicass\" (did you mean \"replicas\"?): kubectl --validate=strict rejects it",
            "2 error: Deployment shop/web: /spec/selector: selector does not match template labels: {matchLabels: {app: web}} does not select the pod template's labels {app: frontend}, so the API server rejects this Deployment",
            "3 error: Ingress shop/web: Ingress in apiVersion extensions/v1beta1 was removed in Kubernetes 1.22: use apiVersion networking.k8s.io/v1",
            "4 error: PodDisruptionBudget shop/web: PodDisruptionBudget in apiVersion policy/v1beta1 was removed in Kubernetes 1.25: use apiVersion policy/v1",
            "5 error: ConfigMap YOUR_NAMESPACE/settings: /metadata/namespace: \"YOUR_NAMESPACE\" is not a valid namespace name: it must be a lowercase RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (at most 63 characters) (a placeholder left to fill in?)",
            "5 error: ConfigMap YOUR_NAMESPACE/settings: /metadata/labels: label app.kubernetes.io/version has the value \"1.4.0+build.7\", which is not valid: a label value must be empty or at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
        ]);
        assert.strictEqual(r.objects.length, 5, "and still runs the policies over them");
        // The pack's no-removed-apis finds the two removed versions too; check says each once, as the input error.
        const packOnly = await checkObjects(r.objects.map(o => o.object));
        assert.strictEqual(violationsOf(packOnly, "no-removed-apis").length, 2);
        assert.deepStrictEqual(r.results.filter(x => x.diagnostic.policyName === "no-removed-apis"), []);
        assert.strictEqual(r.exitCode, 2);
    });

    it("says which namespaces of the input the policy config exempts from which policies, so that silence there isn't read as a pass", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-check-"));
        const privileged = (ns: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: ${ns}}\nspec:\n  containers: [{name: agent, image: busybox:1.36, securityContext: {privileged: true}}]\n`;
        fs.writeFileSync(path.join(dir, "agent.yaml"), `${privileged("kube-system")}---\n${privileged("shop")}`);
        const r = await checkPaths([dir]);
        assert.deepStrictEqual(r.exempted.map(e => [e.namespace, e.objects]), [["kube-system", 1]]);
        assert.ok(r.exempted[0].policies.includes("no-privileged-containers") && r.exempted[0].policies.includes("no-host-namespaces"), r.exempted[0].policies.join(", "));
        // The pod in shop is reported, the same pod in kube-system is not: the note says why.
        assert.deepStrictEqual(r.results.filter(x => x.diagnostic.policyName === "no-privileged-containers").map(x => x.object?.namespace), ["shop"]);
        const text = textReport(r);
        assert.match(text[text.length - 3], /^note: namespace kube-system \(1 object\(s\)\) is not judged by \d+ policies \(.* and \d+ more\): the policy config's exemptNamespaces leaves it out$/);
        assert.deepStrictEqual((jsonReport(r) as { exempted: unknown }).exempted, r.exempted);
        // Exempting nothing judges it, and the note is gone for that policy; a disabled policy exempts nothing either.
        const judged = await checkPaths([dir], { "no-privileged-containers": { exemptNamespaces: [] }, "no-host-namespaces": "disabled" });
        assert.ok(!judged.exempted[0].policies.includes("no-privileged-containers") && !judged.exempted[0].policies.includes("no-host-namespaces"));
        assert.deepStrictEqual(judged.results.filter(x => x.diagnostic.policyName === "no-privileged-containers").map(x => x.object?.namespace).sort(), ["kube-system", "shop"]);
    });

    it("notes, when a finding says something is missing, that the files given are checked together", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-check-"));
        fs.writeFileSync(path.join(dir, "service.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: web-alias, namespace: shop}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n");
        const note = (lines: string[]) => lines.filter(l => l.startsWith("note: \"the stack\""));
        const alone = textReport(await checkPaths([path.join(dir, "service.yaml")]));
        assert.ok(alone.some(l => /service-selects-pods: .*\(it has no workloads\)/.test(l)), alone.join("\n"));
        assert.strictEqual(note(alone).length, 1);
        // With the app's Deployment given too, nothing is missing and there is no note.
        fs.writeFileSync(path.join(dir, "deployment.yaml"), fs.readFileSync(fixture("good", "app.yaml"), "utf8"));
        const together = await checkPaths([dir]);
        assert.ok(!together.results.some(x => /service-selects-pods/.test(x.diagnostic.policyName)), JSON.stringify(together.results.map(x => messageOf(x.diagnostic))));
        assert.deepStrictEqual(note(textReport(together)), []);
    });

    it("says a Helm chart must be rendered first, once per chart, and still checks the YAML beside it", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-check-"));
        const chart = path.join(dir, "charts", "web");
        fs.mkdirSync(path.join(chart, "templates"), { recursive: true });
        fs.writeFileSync(path.join(chart, "Chart.yaml"), "apiVersion: v2\nname: web\nversion: 0.1.0\n");
        fs.writeFileSync(path.join(chart, "values.yaml"), "replicaCount: 2\n");
        const template = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  labels:\n    {{- include \"web.labels\" . | nindent 4 }}\nspec:\n  replicas: {{ .Values.replicaCount }}\n";
        fs.writeFileSync(path.join(chart, "templates", "deployment.yaml"), template);
        fs.copyFileSync(fixture("good", "app.yaml"), path.join(dir, "app.yaml"));
        const r = await checkPaths([dir]);
        assert.deepStrictEqual(r.problems.map(p => [path.relative(dir, p.file ?? ""), p.severity, p.message.split(path.relative(process.cwd(), chart)).join("CHART")]), [
            ["charts/web/Chart.yaml", "error", "CHART is a Helm chart: its templates are not Kubernetes YAML until Helm renders them, so none of its files were read; check what it renders: helm template RELEASE CHART [-f VALUES] | npm run check -- -"],
        ]);
        assert.ok(r.objects.length > 0 && r.objects.every(o => path.basename(o.file) === "app.yaml"));
        // A template given on its own: its syntax errors, and once what they come from.
        const alone = await checkPaths([path.join(chart, "templates", "deployment.yaml")]);
        const hints = alone.problems.filter(p => /template markers/.test(p.message));
        assert.strictEqual(hints.length, 1);
        assert.ok(alone.problems.some(p => /^YAML syntax error at line 6/.test(p.message)), alone.problems.map(p => p.message).join("\n"));
        // {{ }} in a valid manifest (an alert template in a ConfigMap) is data, not a template.
        fs.writeFileSync(path.join(dir, "alerts.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: alerts, namespace: shop}\ndata:\n  rule: 'instance {{ $labels.instance }} is down'\n");
        assert.deepStrictEqual((await checkPaths([path.join(dir, "alerts.yaml")])).problems, []);
    });

    it("leaves a kustomization out with a warning that says how to check what it builds, and checks the files beside it", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-check-"));
        const base = path.join(dir, "base");
        fs.mkdirSync(base);
        fs.copyFileSync(fixture("good", "app.yaml"), path.join(base, "app.yaml"));
        fs.writeFileSync(path.join(base, "kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [app.yaml]\n");
        // kustomize also reads a kustomization without apiVersion and kind, by its file name.
        fs.writeFileSync(path.join(dir, "Kustomization"), "resources: [base]\nnamePrefix: dev-\n");
        const r = await checkPaths([path.join(base, "kustomization.yaml"), path.join(base, "app.yaml"), path.join(dir, "Kustomization")]);
        const note = (folder: string) => "a kustomization: kustomize's build file, not a Kubernetes object (kubectl apply -k reads it, apply -f refuses it), so it is left out; " +
            "the files it lists are checked as they are, but a patch is only a fragment until kustomize applies it: to check what it builds, " +
            `kubectl kustomize ${path.relative(process.cwd(), folder)} | npm run check -- -`;
        assert.deepStrictEqual(r.problems.map(p => [path.relative(dir, p.file ?? ""), p.severity, p.message]), [
            ["base/kustomization.yaml", "warning", note(base)],
            ["Kustomization", "warning", note(dir)],
        ]);
        assert.ok(r.objects.length > 0 && r.objects.every(o => path.basename(o.file) === "app.yaml"));
        assert.strictEqual(r.exitCode, 0);
        // Any other file without apiVersion and kind is still no Kubernetes object.
        fs.writeFileSync(path.join(dir, "settings.yaml"), "resources: [base]\n");
        assert.deepStrictEqual((await checkPaths([path.join(dir, "settings.yaml")])).problems.map(p => p.message), [
            "not a Kubernetes object: it needs apiVersion and kind", "no Kubernetes objects to check",
        ]);
    });

    describe("the same object given twice", () => {
        const app = (ns: string) => fs.readFileSync(fixture("good", "app.yaml"), "utf8").replace(/shop/g, ns);
        const budget = (ns: string) => `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web, namespace: ${ns}}\nspec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}\n`;

        it("is reported once, naming every place, and checked once: no violation comes from the repeat", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-check-"));
            fs.writeFileSync(path.join(dir, "a.yaml"), `${app("shop")}---\n${budget("shop")}`);
            fs.writeFileSync(path.join(dir, "b.yaml"), `# the budget again\n${budget("shop")}---\n${budget("other")}`);
            const once = await checkPaths([path.join(dir, "a.yaml")]);
            assert.strictEqual(once.exitCode, 0, JSON.stringify(once.results.map(x => messageOf(x.diagnostic))));
            const r = await checkPaths([dir]);
            const line = app("shop").split("\n").length + 1; // after the app and the separator
            assert.deepStrictEqual(r.problems.map(p => `${path.basename(p.file ?? "")}#${p.document} ${p.severity}: ${p.message}`), [
                `a.yaml#5 error: PodDisruptionBudget shop/web (policy/v1) given twice: ${path.relative(process.cwd(), path.join(dir, "a.yaml"))}:${line} and ${path.relative(process.cwd(), path.join(dir, "b.yaml"))}:2; checked once, as given first (kubectl apply would apply the last over the first)`,
            ]);
            assert.strictEqual(r.objects.length, 6, "the repeat is left out, the budget of another namespace is not a repeat");
            assert.deepStrictEqual(r.run.diagnostics.filter(d => d.enforcementLevel === "mandatory").map(d => d.policyName), [], "no two-budgets violation from the repeat");
            assert.strictEqual(r.exitCode, 2);
        });

        it("says how many times, and leaves objects named by generateName alone", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-check-"));
            const job = "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: run-, namespace: x}\n";
            fs.writeFileSync(path.join(dir, "x.yaml"), [budget("x"), budget("x"), budget("x"), job, job].join("---\n"));
            const r = await checkPaths([dir]);
            assert.deepStrictEqual(r.problems.map(p => p.message.replace(/: .*$/, "")), ["PodDisruptionBudget x/web (policy/v1) given 3 times"]);
            assert.match(r.problems[0].message, /x\.yaml:1, .*x\.yaml:6 and .*x\.yaml:11;/);
            assert.strictEqual(r.objects.length, 3);
        });
    });

    it("reads the output of a plan whose Secrets hold generated values: the placeholders are not judged, as in the plan", async function () {
        this.timeout(120000);
        // gke switches on every lab: nanomon's, knote's and movie-catalog's Secrets are `stringData: (secret)` in a preview.
        const planned = await stackPlan("gke");
        assert.ok(planned.objects.some(o => o.kind === "Secret" && o.object.stringData === "(secret)"), "a whole-secret stringData is rendered as the placeholder");
        const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-check-plan-")), "out");
        writeOutputDir(out, planned.objects.map((o, i) => ({ name: fileNameOf(o, i), content: toYaml([o]) })), { root: ROOT, stack: "gke" });
        const r = await checkPaths([out], pickPolicyConfig({ stack: "gke" }).config);
        assert.deepStrictEqual(r.problems, []);
        assert.strictEqual(r.exitCode, exitCodeOf(planned));
        // Outside the plan's placeholders the schema still applies.
        fs.writeFileSync(path.join(out, "zz-bad.yaml"), "apiVersion: v1\nkind: Secret\nmetadata: {name: bad, namespace: nanomon}\nstringData: not-a-map\n");
        const bad = await checkPaths([out], pickPolicyConfig({ stack: "gke" }).config);
        assert.deepStrictEqual(bad.problems.map(x => x.message), ["Secret nanomon/bad fails schema validation: /stringData must be object"]);
    });

    it("reads a plan's output folder: one file per object, its hidden manifest skipped, the same verdict as the plan", async function () {
        this.timeout(120000);
        // The plan in process, its output written as `npm run plan` writes it (tools/plan.ts).
        const planned = await stackPlan("minikube");
        const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-check-plan-")), "out");
        writeOutputDir(out, planned.objects.map((o, i) => ({ name: fileNameOf(o, i), content: toYaml([o]) })), { root: ROOT, stack: "minikube" });
        assert.ok(fs.readdirSync(out).some(f => f.startsWith(".")), "the plan leaves a hidden manifest");
        fs.mkdirSync(path.join(out, ".old"));
        fs.writeFileSync(path.join(out, ".old", "again.yaml"), toYaml(planned.objects));

        const r = await checkPaths([out + path.sep], pickPolicyConfig({ stack: "minikube" }).config);
        assert.deepStrictEqual(r.problems, []);
        assert.strictEqual(r.objects.length, planned.objects.length, "every object once");
        assert.strictEqual(r.exitCode, exitCodeOf(planned), "the plan's exit code");
        const byUrn = new Map(planned.objects.map(o => [o.urn, `${o.kind} ${o.namespace ?? ""}/${o.name}`]));
        const verdict = (ds: { policyName: string; enforcementLevel: string; subject?: string }[]) => ds.map(d => `${d.enforcementLevel} ${d.policyName} ${d.subject ?? ""}`).sort();
        assert.deepStrictEqual(
            verdict(r.results.map(x => ({ ...x.diagnostic, subject: x.object && `${x.object.kind} ${x.object.namespace ?? ""}/${x.object.name}` }))),
            verdict(planned.policies.diagnostics.filter(d => !d.urn || byUrn.has(d.urn)).map(d => ({ ...d, subject: d.urn && byUrn.get(d.urn) }))),
        );

        // The old layout, every object again in all.yaml: each repeat said once, no policy result from repeats.
        fs.writeFileSync(path.join(out, "all.yaml"), toYaml(planned.objects));
        const twice = await checkPaths([out], pickPolicyConfig({ stack: "minikube" }).config);
        assert.strictEqual(twice.problems.length, planned.objects.filter(o => o.name).length);
        assert.ok(twice.problems.every(p => / given twice: \S+\d\d-[^/\\]+\.yaml:1 and \S+all\.yaml:\d+; /.test(p.message)), twice.problems[0]?.message);
        assert.deepStrictEqual(twice.results.map(x => x.diagnostic.policyName), r.results.map(x => x.diagnostic.policyName));
    });

    it("as a command: exit codes, policy config, standard input, and errors without a stack trace", async function () {
        this.timeout(120000);
        const run = (args: string[], stdin?: string) => new Promise<{ status: number | null; stdout: string; stderr: string }>(resolve => {
            const child = execFile(process.execPath, ["-r", "./tools/ts-hook.js", "tools/check.ts", ...args], { cwd: ROOT, encoding: "utf8" },
                (_err, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }));
            child.stdin?.end(stdin ?? "");
        });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-check-"));
        fs.writeFileSync(path.join(dir, "typo.json"), "{\"container-requests\": \"sometimes\"}");
        // Runs side by side: a spawned pack takes a second or two to load.
        const [bad, input, stdin, missing, typo] = await Promise.all([
            run([fixture("bad"), "--json", "--stack", "minikube"]),
            run([fixture("broken.yaml"), fixture("does-not-exist.yaml"), fixture("empty.yaml"), fixture("good"), "--stack", "no-such-stack"]),
            run(["-", "--stack", "minikube"], fs.readFileSync(fixture("good", "app.yaml"), "utf8")),
            run([fixture("good"), "--policy-config", path.join(dir, "missing.json")]),
            run([fixture("good"), "--policy-config", path.join(dir, "typo.json")]),
        ]);
        assert.strictEqual(bad.status, 1, bad.stderr);
        const json = JSON.parse(bad.stdout) as { objects: unknown[]; policyConfig: string };
        assert.strictEqual(json.objects.length, 3);
        assert.strictEqual(path.resolve(ROOT, json.policyConfig), path.join(ROOT, "policy", "config", "minikube.json"));
        assert.strictEqual(input.status, 2, input.stderr);
        assert.strictEqual(input.stderr, "");
        assert.match(input.stdout, /^policy config: none \(every policy's schema defaults and own enforcement level\)\n/, "a stack without a policy config file: the schemas' defaults, as the plan does");
        assert.match(input.stdout, /broken\.yaml#1: error: YAML syntax error at line 6, column 1: /);
        assert.match(input.stdout, /does-not-exist\.yaml: error: no such file or folder/);
        assert.match(input.stdout, /\n4 object\(s\) checked: 0 mandatory violation\(s\), \d+ advisory, 2 input error\(s\), 1 input warning\(s\) \(exit 2\)\n$/);
        assert.strictEqual(stdin.status, 0, stdin.stdout + stdin.stderr);
        assert.match(stdin.stdout, /^policy config: policy[/\\]config[/\\]minikube\.json\n/);
        assert.match(stdin.stdout, /\n4 object\(s\) checked: 0 mandatory/);
        assert.strictEqual(missing.status, 2);
        assert.match(missing.stderr, /^error: policy config \S*missing\.json does not exist \(or is not a file\)\n$/);
        assert.strictEqual(typo.status, 2);
        assert.match(typo.stderr, /^error: policy config \S*typo\.json: .*container-requests.*sometimes/);
        for (const r of [bad, input, stdin, missing, typo]) {
            assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at |Error:|\.ts:\d+/, "no stack trace");
        }
    });
});

describe("the CI workflow for users", () => {
    interface Step { name?: string; run?: string; uses?: string; if?: string; with?: Record<string, string | number | boolean> }
    interface Job { if?: string; needs?: string; env?: Record<string, string>; steps: Step[]; strategy?: { matrix?: { stack?: string[] } } }
    const workflow = parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", "policy.yml"), "utf8")) as { on: Record<string, unknown>; jobs: Record<string, Job> };

    it("runs on pull requests and by hand: checkout, Node 22 with the npm cache, npm ci, type-check, tests", () => {
        assert.ok("pull_request" in workflow.on && "workflow_dispatch" in workflow.on);
        const steps = workflow.jobs.offline.steps;
        assert.match(steps[0].uses ?? "", /^actions\/checkout@v\d+$/);
        const node = steps.find(s => s.uses?.startsWith("actions/setup-node@"));
        assert.deepStrictEqual(node?.with, { "node-version": 22, cache: "npm" });
        const runs = steps.map(s => s.run ?? "");
        for (const command of ["npm ci", "npx tsc --noEmit -p . && npx tsc --noEmit -p policy", "npm test"]) {
            assert.ok(runs.includes(command), command);
        }
        assert.ok(runs.indexOf("npm ci") < runs.indexOf("npm test"));
        assert.strictEqual(workflow.jobs.offline.env, undefined, "the offline job gets no credentials");
    });

    it("plans every stack file in stacks/ offline and keeps out/ as an artifact", () => {
        const steps = workflow.jobs.offline.steps;
        const loop = steps.map(s => s.run ?? "").find(r => r.includes("npm run plan")) ?? "";
        const glob = /for file in (\S+); do/.exec(loop)?.[1];
        assert.strictEqual(glob, "stacks/Pulumi.*.yaml");
        assert.match(loop, /stack=\$\{file#stacks\/Pulumi\.\}; stack=\$\{stack%\.yaml\}/);
        assert.match(loop, /npm run plan -- --stack "\$stack"/);
        assert.match(loop, /exit \$status/, "a failed plan fails the job");
        const pattern = new RegExp(`^${glob.replace(/\./g, "\\.").replace("*", "[^/]*")}$`);
        const stackFiles = fs.readdirSync(path.join(ROOT, "stacks")).filter(f => /^Pulumi\..+\.ya?ml$/.test(f));
        assert.ok(stackFiles.length > 0);
        for (const f of stackFiles) {
            assert.match(`stacks/${f}`, pattern, `${f} is planned in CI (stack files must end in .yaml)`);
        }
        const upload = steps.find(s => s.uses?.startsWith("actions/upload-artifact@"));
        assert.strictEqual(upload?.with?.path, "out/");
        assert.strictEqual(upload?.if, "always()");
    });

    it("previews each cloud stack with the policy pack and its config through pulumi/actions, only with credentials", () => {
        const preview = workflow.jobs.preview;
        assert.strictEqual(preview.needs, "offline");
        assert.deepStrictEqual(preview.strategy?.matrix?.stack, ["aks", "gke", "eks"], "minikube needs a local cluster");
        const action = preview.steps.find(s => s.uses?.startsWith("pulumi/actions@"));
        assert.match(action?.uses ?? "", /^pulumi\/actions@v[67]$/);
        assert.strictEqual(action?.with?.command, "preview");
        assert.strictEqual(action?.with?.policyPacks, "policy");
        assert.strictEqual(action?.with?.policyPackConfigs, "policy/config/${{ matrix.stack }}.json");
        assert.match(String(action?.with?.["stack-name"]), /matrix\.stack/);
        for (const job of Object.values(workflow.jobs)) {
            assert.doesNotMatch(job.if ?? "", /secrets\./, "GitHub refuses secrets in a job-level if");
        }
        for (const name of ["PULUMI_ACCESS_TOKEN", "ARM_CLIENT_SECRET", "GOOGLE_CREDENTIALS", "AWS_SECRET_ACCESS_KEY"]) {
            assert.strictEqual(preview.env?.[name], `\${{ secrets.${name} }}`, name);
        }
        const gate = preview.steps.find(s => s.run?.includes("GITHUB_OUTPUT"));
        assert.match(gate?.run ?? "", /stacks\/Pulumi\.\$\{\{ matrix\.stack \}\}\.yaml/, "skips a stack whose file is missing");
        for (const step of preview.steps.filter(s => s !== gate && !s.uses?.startsWith("actions/checkout@"))) {
            assert.strictEqual(step.if, "steps.creds.outputs.ready == 'true'", `${step.uses ?? step.run} runs only with credentials`);
        }
    });
});
