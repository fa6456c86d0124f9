/**
 * Bad config fails with a message naming the key, the value and what is allowed, before any
 * resource is registered.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { ROOT, plan } from "../tools/plan-lib";
import { ProgramFailure } from "../tools/recorder";
import { StackConfigError, loadStackConfig } from "../tools/stack-config";
import { IMAGE_CATALOG } from "../components/images";
import { LAB_NAMES, PLANNED_LABS } from "../components/labs/registry";
import { PLATFORM_NAMES } from "../infra/registry";

/** A regular expression matching `text` literally. */
const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\\/]/g, "\\$&");
/** What the lab-name errors list: the labs that exist, then the planned ones if any are left. */
const LABS_ALLOWED = literally(`one of ${LAB_NAMES.join(", ")}${PLANNED_LABS.length ? ` (${PLANNED_LABS.join(", ")} are planned but not implemented yet)` : ""}`);
/** A planned lab, or (every lab built) a name that is no lab at all: both get the same error. */
const PLANNED = PLANNED_LABS[0] ?? "kubernetes-101";

/** Plans the minikube stack with some keys replaced, and returns the failure. */
async function failureWith(overrides: Record<string, string | undefined>): Promise<ProgramFailure> {
    const stack = loadStackConfig(ROOT, "minikube");
    const config = { ...stack.config };
    for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) {
            delete config[k];
        } else {
            config[k] = v;
        }
    }
    try {
        await plan("minikube", { config: { ...stack, config } });
    } catch (err) {
        assert.ok(err instanceof ProgramFailure, `expected a program failure, got ${String(err)}`);
        return err;
    }
    assert.fail("the plan succeeded");
}

const smilr = (settings: object) => ({ "kubelab:smilr": JSON.stringify(settings) });

describe("config validation", function () {
    this.timeout(30000);
    const cases: [string, Record<string, string | undefined>, RegExp][] = [
        ["negative replicas", smilr({ replicas: -1 }), /^invalid config kubelab:smilr\.replicas: -1 is not allowed; expected a whole number from 1 to 50 \(/],
        ["zero replicas, which would leave the Services without pods", smilr({ replicas: 0 }), /^invalid config kubelab:smilr\.replicas: 0 is not allowed; expected a whole number from 1 to 50 \(each Service needs a pod behind it; to run none, remove smilr from kubelab:labs\)$/],
        ["too many replicas", smilr({ replicas: 51 }), /^invalid config kubelab:smilr\.replicas: 51 is not allowed; expected a whole number from 1 to 50/],
        ["non-integer replicas", smilr({ replicas: 2.5 }), /^invalid config kubelab:smilr\.replicas: 2\.5 is not allowed; expected a whole number from 1 to 50/],
        ["replicas as words", smilr({ replicas: "three" }), /kubelab:smilr\.replicas: "three" is not allowed/],
        ["a size that is not a Kubernetes quantity", smilr({ mongoStorage: "500MB" }), /^invalid config kubelab:smilr\.mongoStorage: "500MB" is not allowed; expected a Kubernetes storage quantity such as "500M", "256Mi" or "2Gi" .*not "MB" or "GB"/],
        ["a negative size", smilr({ mongoStorage: "-1Gi" }), /kubelab:smilr\.mongoStorage: "-1Gi" is not allowed/],
        ["an unknown lab", { "kubelab:labs": JSON.stringify(["smilr", "nanomon2"]) }, new RegExp(`^invalid config kubelab:labs\\[1\\]: "nanomon2" is not allowed; expected ${LABS_ALLOWED}$`)],
        ["a planned lab that is not built yet, or no lab at all", { "kubelab:labs": JSON.stringify([PLANNED]) }, new RegExp(`^invalid config kubelab:labs\\[0\\]: "${PLANNED}" is not allowed; expected ${LABS_ALLOWED}$`)],
        ["an unknown lab in an instance entry", { "kubelab:labs": JSON.stringify([{ lab: PLANNED, name: "k" }]) }, new RegExp(`^invalid config kubelab:labs\\[0\\]\\.lab: "${PLANNED}" is not allowed; expected ${LABS_ALLOWED}$`)],
        ["the same lab twice under one instance name", { "kubelab:labs": JSON.stringify(["smilr", "smilr"]) }, /^invalid config kubelab:labs\[1\]: "smilr" is not allowed; expected a lab instance whose name differs from every other: kubelab:labs\[0\] already uses name smilr \(deploy a lab twice as \{lab: smilr, name: smilr-2, namespace: smilr-2\}\)$/],
        ["two instances in one namespace", { "kubelab:labs": JSON.stringify(["smilr", { lab: "smilr", name: "smilr-b", namespace: "smilr" }]) }, /^invalid config kubelab:labs\[1\]: .* expected a lab instance whose namespace differs from every other: kubelab:labs\[0\] already uses namespace smilr/],
        ["a bad instance name", { "kubelab:labs": JSON.stringify([{ lab: "smilr", name: "Smilr_B" }]) }, /^invalid config kubelab:labs\[0\]\.name: "Smilr_B" is not allowed; expected a DNS label/],
        ["an unknown field in an instance entry", { "kubelab:labs": JSON.stringify([{ lab: "smilr", replicas: 2 }]) }, /^invalid config kubelab:labs\[0\]\.replicas: 2 is not allowed; expected no such setting; known settings here: lab, name, namespace, host$/],
        ["two instances on the same host", { "kubelab:labs": JSON.stringify(["smilr", { lab: "smilr", name: "smilr-b", namespace: "smilr-b" }]) }, /^invalid config kubelab:labs\[1\]: \{"lab":"smilr","name":"smilr-b","namespace":"smilr-b"\} is not allowed; expected a lab instance with an Ingress host of its own: kubelab:labs\[0\] already answers on any host with the same paths \(add host, e\.g\. \{lab: smilr, name: smilr-b, namespace: smilr-b, host: smilr-b\.labs\.example\.com\}\)$/],
        ["two instances on the stack's host", { "kubelab:ingressHost": "labs.example.com", "kubelab:labs": JSON.stringify([{ lab: "smilr", name: "a", host: "labs.example.com" }, { lab: "smilr", name: "b" }]) }, /^invalid config kubelab:labs\[1\]: .* already answers on host labs\.example\.com .*host: b\.labs\.example\.com\}\)$/],
        ["a bad instance host", { "kubelab:labs": JSON.stringify([{ lab: "smilr", host: "http://x" }]) }, /^invalid config kubelab:labs\[0\]\.host: "http:\/\/x" is not allowed; expected a DNS host name/],
        ["labs that are not a list", { "kubelab:labs": "smilr" }, new RegExp(`^${literally(`invalid config kubelab:labs: "smilr" is not allowed; expected a list of labs, each a lab name (${LAB_NAMES.join(", ")}) or {lab: <name>, name: <instance>, namespace: <namespace>, host: <host>}`)}$`)],
        ["an unknown platform", { "kubelab:platform": "k3s" }, new RegExp(`^${literally(`invalid config kubelab:platform: "k3s" is not allowed; expected one of ${PLATFORM_NAMES.join(", ")}`)}$`)],
        ["a missing platform", { "kubelab:platform": undefined }, /^missing required config kubelab:platform: set it to one of minikube/],
        ["a misspelt lab setting", smilr({ replica: 3 }), /^invalid config kubelab:smilr\.replica: 3 is not allowed; expected no such setting; known settings here: replicas, mongoStorage, mongoDbName, ingressControllerNamespace$/],
        ["a lab section that is not an object", { "kubelab:smilr": "3" }, /^invalid config kubelab:smilr: "3" is not allowed; expected an object of settings \(replicas, mongoStorage, mongoDbName, ingressControllerNamespace\)$/],
        ["a misspelt platform setting", { "kubelab:minikube": JSON.stringify({ contxt: "kind-kind" }) }, /^invalid config kubelab:minikube\.contxt: "kind-kind" is not allowed; expected no such setting; known settings here: create, nodes, cpus, memory, kubernetesVersion, driver, cni, context, kubeconfig, storageClassName$/],
        ["a context with spaces", { "kubelab:minikube": JSON.stringify({ context: "my cluster" }) }, /^invalid config kubelab:minikube\.context: "my cluster" is not allowed; expected a kubeconfig context name/],
        ["the old top-level context key", { "kubelab:context": "minikube" }, /^config kubelab:context has moved: set kubelab:minikube\.context instead \(kubelab:minikube: \{context: …\}\) \(found "minikube"; remove kubelab:context from the stack file\)$/],
        ["the old top-level kubeconfig key", { "kubelab:kubeconfig": "~/.kube/config" }, /^config kubelab:kubeconfig has moved: set kubelab:minikube\.kubeconfig instead/],
        ["the old smilr namespace key", smilr({ namespace: "smilr-lab" }), /^config kubelab:smilr\.namespace has moved: the namespace is set per lab instance now: kubelab:labs: \[\{lab: smilr, namespace: <namespace>\}\]/],
        ["a misspelt top-level key", { "kubelab:protectdata": "true" }, new RegExp(`^${literally(`invalid config kubelab:protectdata: "true" is not allowed; expected no such setting; known settings here: platform, protectData, ingressHost, ${PLATFORM_NAMES.join(", ")}, imageRegistry, images, restartPodsOnResize, labs, ${LAB_NAMES.join(", ")}`)}$`)],
        ["protectData that is not a boolean, as a list", { "kubelab:protectData": "[true]" }, /^invalid config kubelab:protectData: \[true\] is not allowed; expected true or false$/],
        ["labs that are numbers", { "kubelab:labs": "[1, 2]" }, new RegExp(`^${literally(`invalid config kubelab:labs[0]: 1 is not allowed; expected a lab name (one of ${LAB_NAMES.join(", ")}) or {lab: <name>, name: <instance>, namespace: <namespace>, host: <host>}`)}$`)],
        ["protectData that is not a boolean", { "kubelab:protectData": "yes" }, /^invalid config kubelab:protectData: "yes" is not allowed; expected true or false$/],
        ["an override for an unknown image", { "kubelab:images": JSON.stringify({ "smilr-api": "x/y:1" }) }, new RegExp(`^${literally(`invalid config kubelab:images.smilr-api: "x/y:1" is not allowed; expected an override for one of the catalog images: ${Object.keys(IMAGE_CATALOG).join(", ")}`)}$`)],
        ["an override without a tag", { "kubelab:images": JSON.stringify({ "smilr-frontend": "ghcr.io/benc-uk/smilr/frontend" }) }, /kubelab:images\.smilr-frontend: .* expected an image reference with a pinned tag or digest/],
        ["a registry with a trailing slash", { "kubelab:imageRegistry": "myacr.azurecr.io/" }, /^invalid config kubelab:imageRegistry: "myacr\.azurecr\.io\/" is not allowed/],
        ["a bad namespace", { "kubelab:labs": JSON.stringify([{ lab: "smilr", namespace: "Smilr_Lab" }]) }, /^invalid config kubelab:labs\[0\]\.namespace: "Smilr_Lab" is not allowed; expected a DNS label/],
        ["a bad ingress host", { "kubelab:ingressHost": "http://x" }, /^invalid config kubelab:ingressHost: "http:\/\/x" is not allowed; expected a DNS host name/],
    ];
    for (const [what, overrides, message] of cases) {
        it(`rejects ${what} before registering any resource`, async () => {
            const failure = await failureWith(overrides);
            assert.match(failure.message, message);
            assert.deepStrictEqual(failure.registered.map(r => r.type), ["pulumi:pulumi:Stack"]);
        });
    }

    it("rejects a typo in a lab that is switched off too", async () => {
        const failure = await failureWith({ "kubelab:labs": "[]", ...smilr({ mongostorage: "1Gi" }) });
        assert.match(failure.message, /kubelab:smilr\.mongostorage/);
    });
});

describe("stack config loading", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-config-"));
    const write = (name: string, text: string) => {
        const file = path.join(tmp, name);
        fs.writeFileSync(file, text);
        return file;
    };

    /** A project of its own, so that these tests of the loader don't depend on kubelab's Pulumi.yaml. */
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-project-"));
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), [
        "name: kubelab", "runtime: nodejs", "config:",
        "  platform:", "    type: string",
        "  protectData:", "    type: boolean", "    default: false",
        "  labs:", "    type: array", "    items:", "      type: string", "    default: []", "",
    ].join("\n"));

    it("reads namespaced and project keys, structured values as JSON, and Pulumi.yaml defaults", () => {
        const file = write("a.yaml", "config:\n  kubelab:platform: minikube\n  context: kind-kind\n  kubelab:smilr:\n    replicas: 2\n");
        const c = loadStackConfig(project, "a", file);
        assert.strictEqual(c.config["kubelab:platform"], "minikube");
        assert.strictEqual(c.config["kubelab:context"], "kind-kind");
        assert.strictEqual(c.config["kubelab:smilr"], '{"replicas":2}');
        assert.strictEqual(c.config["kubelab:protectData"], "false", "default from Pulumi.yaml");
        assert.strictEqual(c.config["kubelab:labs"], "[]", "default from Pulumi.yaml");
    });

    it("kubelab's Pulumi.yaml declares only the required platform: the program's schema holds every default", () => {
        const file = write("a2.yaml", "config:\n  kubelab:platform: minikube\n");
        assert.deepStrictEqual(loadStackConfig(ROOT, "a2", file).config, { "kubelab:platform": "minikube" });
    });

    it("replaces secure values by placeholders, marks them secret and says which", () => {
        const file = write("b.yaml", "config:\n  kubelab:platform: minikube\n  kubelab:token:\n    secure: AAABAJx1\n  kubelab:smilr:\n    password:\n      secure: AAAB\n");
        const c = loadStackConfig(ROOT, "b", file);
        assert.strictEqual(c.config["kubelab:token"], "[secure value of kubelab:token]");
        assert.deepStrictEqual(JSON.parse(c.config["kubelab:smilr"]), { password: "[secure value of kubelab:smilr.password]" });
        assert.deepStrictEqual(c.placeholders, ["kubelab:token", "kubelab:smilr.password"]);
        assert.deepStrictEqual(c.secretKeys, ["kubelab:token", "kubelab:smilr"]);
    });

    it("rejects a value of the wrong declared type as the CLI does", () => {
        const file = write("c.yaml", "config:\n  kubelab:platform: minikube\n  kubelab:protectData: maybe\n");
        assert.throws(() => loadStackConfig(project, "c", file), (e: Error) => e instanceof StackConfigError &&
            /Stack 'c' with configuration key 'kubelab:protectData' must be of type 'boolean'; got maybe/.test(e.message));
        const labs = write("d.yaml", "config:\n  kubelab:platform: minikube\n  kubelab:labs: [1, 2]\n");
        assert.throws(() => loadStackConfig(project, "d", labs), /'kubelab:labs' must be of type 'array' of string/);
    });

    it("leaves a secure value of a declared type to the CLI, which decrypts it before checking", () => {
        const file = write("e.yaml", "config:\n  kubelab:platform:\n    secure: AAAB\n  kubelab:protectData:\n    secure: AAAC\n");
        const c = loadStackConfig(project, "e", file);
        assert.strictEqual(c.config["kubelab:protectData"], "[secure value of kubelab:protectData]");
        assert.deepStrictEqual(c.secretKeys, ["kubelab:platform", "kubelab:protectData"]);
    });

    it("requires a key Pulumi.yaml declares without a default, as the CLI does", () => {
        const file = write("f.yaml", "config:\n  kubelab:labs: [smilr]\n");
        assert.throws(() => loadStackConfig(ROOT, "f", file), /Stack 'f' is missing configuration value 'kubelab:platform'/);
    });

    it("names the stacks there are when a stack file is missing", () => {
        assert.throws(() => loadStackConfig(ROOT, "nope"), /no stack 'nope': stacks\/Pulumi\.nope\.yaml does not exist; stacks: .*minikube/);
    });

    it("makes `npm run plan` exit 2 naming the key, without a stack trace", () => {
        const file = write("e.yaml", "config:\n  kubelab:platform: minikube\n  kubelab:labs: [smilr]\n  kubelab:smilr:\n    mongoStorage: 500MB\n");
        const run = spawnSync(process.execPath, ["-r", "./tools/ts-hook.js", "tools/plan.ts", "--stack", "minikube", "--config-file", file, "--out", path.join(tmp, "out")],
            { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(run.status, 2, run.stdout + run.stderr);
        assert.match(run.stderr, /^error: stack minikube: invalid config kubelab:smilr\.mongoStorage: "500MB" is not allowed/);
        assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
    });
});
