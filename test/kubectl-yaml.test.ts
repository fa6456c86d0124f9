/**
 * tools/kubectl-yaml.ts: manifests read as kubectl reads them (YAML 1.1 scalars, as go-yaml v2
 * resolves them), and the plan's YAML written so that kubectl reads back the same values.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { checkPaths } from "../tools/check-lib";
import { KUBECTL_READ, KUBECTL_WRITE } from "../tools/kubectl-yaml";
import { RenderedObject, toYaml } from "../tools/render";

function checkText(text: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-kubectl-yaml-"));
    const file = path.join(dir, "m.yaml");
    fs.writeFileSync(file, text);
    return checkPaths([file]);
}

describe("YAML as kubectl reads it", () => {
    it("reads plain scalars as go-yaml v2 resolves them: YAML 1.1 booleans and Go's integers, but no base-60 numbers or timestamps", () => {
        const read = (scalar: string): unknown => (parse(`v: ${scalar}`, KUBECTL_READ) as { v: unknown }).v;
        const table: [string, unknown][] = [
            ["yes", true], ["Yes", true], ["YES", true], ["y", true], ["Y", true], ["on", true], ["ON", true], ["true", true],
            ["no", false], ["No", false], ["n", false], ["N", false], ["off", false], ["Off", false], ["FALSE", false],
            ["0644", 420], ["0o644", 420], ["-0o10", -8], ["0x1F", 31], ["0X1F", 31], ["0b101", 5], ["0B11", 3], ["1_000", 1000], ["08", 8], ["42", 42],
            ["1.5", 1.5], ["1e3", 1000], ["~", null], ["null", null],
            // go-yaml v2 leaves these strings: no base 60, timestamps kept as strings for interface{} targets.
            ["12:30", "12:30"], ["1:20:30", "1:20:30"], ["2001-12-14", "2001-12-14"], ["2001-12-14T21:59:43Z", "2001-12-14T21:59:43Z"],
            ["yes please", "yes please"], ["0x", "0x"], ["nginx:1.27", "nginx:1.27"],
            // Go's own edges: underscores dropped first, digits checked per base, a dot alone no number.
            ["0_", 0], ["-0x1f", -31], ["+5", 5], ["-.5", -0.5], ["1.", 1], [".5e1", 5], ["1_0.5", 10.5],
            [".", "."], ["0x_", "0x_"], ["0o8", "0o8"], ["1.2.3", "1.2.3"], ["+", "+"], ["-1-2", "-1-2"], ["1e", "1e"], [".inf", Infinity],
        ];
        for (const [scalar, value] of table) {
            assert.deepStrictEqual(read(scalar), value, scalar);
        }
        // Quoted, everything is a string.
        assert.strictEqual((parse(`v: "yes"`, KUBECTL_READ) as { v: unknown }).v, "yes");
        // Merge keys, as go-yaml v2 applies them.
        assert.deepStrictEqual(parse("base: &b {cpu: 50m}\nres:\n  <<: *b\n  memory: 64Mi\n", KUBECTL_READ), { base: { cpu: "50m" }, res: { cpu: "50m", memory: "64Mi" } });
    });

    it("writes strings so that kubectl reads them back as the same strings, and everything else as before", () => {
        const tricky = ["yes", "no", "on", "off", "y", "n", "Y", "N", "true", "0644", "0o644", "0x1F", "0X1F", "0b1", "1_000", "12:30", "2001-12-14", "~", "null", "1e3", ".5", "-1",
            "0_", "08", "1.", "+0X1f", "-.5", ".inf", "1_0.5", "plain", "1.2.3", "."];
        const object = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels: Object.fromEntries(tricky.map((v, i) => [`k${i}`, v])) }, data: { n: "0", mode: "0644" } };
        const text = toYaml([{ object } as unknown as RenderedObject]);
        assert.deepStrictEqual(parse(text, KUBECTL_READ), object, text);
        // Values that are no strings come back as they were, and ordinary strings stay unquoted.
        const typed = { replicas: 3, enabled: true, ratio: 0.5, none: null, name: "web", image: "nginx:1.27.2" };
        assert.deepStrictEqual(parse(stringify(typed, KUBECTL_WRITE), KUBECTL_READ), typed);
        assert.strictEqual(stringify(typed, KUBECTL_WRITE), "replicas: 3\nenabled: true\nratio: 0.5\nnone: null\nname: web\nimage: nginx:1.27.2\n");
    });

    it("check refuses what kubectl refuses, saying which unquoted value YAML made a boolean or number, and reads 0644 as octal", async () => {
        const r = await checkText([
            "apiVersion: v1", "kind: Pod", "metadata:", "  name: p", "  namespace: lab", "  labels: {enabled: yes, tier: web}", "spec:",
            "  containers:", "    - name: c", "      image: nginx:1.27.2", "      env: [{name: MODE, value: on}, {name: LEVEL, value: 3}]",
            "      volumeMounts: [{name: cfg, mountPath: /cfg}]",
            "  volumes: [{name: cfg, configMap: {name: cfg, defaultMode: 0644}}]", "",
        ].join("\n"));
        assert.deepStrictEqual(r.problems.map(p => p.message), [
            "Pod lab/p fails schema validation: /metadata/labels/enabled must be string (kubectl reads the unquoted yes as the boolean true, as YAML 1.1 does; quote it: \"yes\")",
            "Pod lab/p fails schema validation: /spec/containers/0/env/0/value must be string (kubectl reads the unquoted on as the boolean true, as YAML 1.1 does; quote it: \"on\")",
            "Pod lab/p fails schema validation: /spec/containers/0/env/1/value must be string (the unquoted 3 is the number 3; quote it: \"3\")",
        ]);
        const pod = r.objects[0].object as unknown as { spec: { volumes: { configMap: { defaultMode: number } }[] } };
        assert.strictEqual(pod.spec.volumes[0].configMap.defaultMode, 0o644, "0644 is octal, as kubectl reads it");
        assert.strictEqual(r.exitCode, 2);
    });

    it("finds the value in a List's item, and gives no hint where quoting would not help", async () => {
        const r = await checkText([
            "apiVersion: v1", "kind: List", "items:",
            "  - apiVersion: v1", "    kind: ConfigMap", "    metadata: {name: a, namespace: lab}", "    data: {flag: off, quoted: \"off\"}",
            "  - apiVersion: apps/v1", "    kind: Deployment", "    metadata: {name: d, namespace: lab}",
            "    spec: {replicas: yes, selector: {matchLabels: {app: d}}, template: {metadata: {labels: {app: d}}, spec: {containers: [{name: c, image: nginx:1.27.2}]}}}", "",
        ].join("\n"));
        const messages = r.problems.map(p => `${p.document} ${p.message}`);
        assert.ok(messages.includes("1.1 ConfigMap lab/a fails schema validation: /data/flag must be string (kubectl reads the unquoted off as the boolean false, as YAML 1.1 does; quote it: \"off\")"), messages.join("\n"));
        const replicas = messages.find(m => m.includes("/spec/replicas"));
        assert.ok(replicas && !replicas.includes("quote it"), `a boolean where a number belongs: quotes are no fix (${replicas})`);
    });
});
