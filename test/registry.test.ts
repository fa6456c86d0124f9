/**
 * The lab and platform registries, multi-instance labs, stack-scoped cluster objects, secure
 * settings, and the one-way layering config → platform → components → labs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LABS, LAB_NAMES, LabName, PLANNED_LABS } from "../components/labs/registry";
import { KNOWN_LAB_NAMES, KnownLabName } from "../components/labs/lab";
import { isConfigSecret } from "../infra/config";
import { addonCommands } from "../infra/minikube";
import { clusterScopedName } from "../infra/platform";
import { PLATFORMS, PLATFORM_NAMES } from "../infra/registry";
import { ROOT, exitCodeOf, plan } from "../tools/plan-lib";
import { ProgramFailure } from "../tools/recorder";
import { RenderedObject, SECRET_PLACEHOLDER } from "../tools/render";
import { StackConfig, loadStackConfig } from "../tools/stack-config";
import { SIG_KEY } from "./helpers";


/** The minikube stack's config with some keys replaced. */
function minikubeWith(overrides: Record<string, unknown>, stack = "minikube"): StackConfig {
    const base = loadStackConfig(ROOT, "minikube");
    const config = { ...base.config };
    for (const [k, v] of Object.entries(overrides)) {
        config[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return { ...base, stack, config };
}

const CLUSTER_SCOPED = new Set(["Namespace", "StorageClass", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "IngressClass", "PriorityClass", "CustomResourceDefinition"]);

describe("lab registry", () => {
    it("derives LAB_NAMES from the labs that exist, only names LABS.md lists, and names the planned ones", () => {
        assert.deepStrictEqual(LAB_NAMES, Object.keys(LABS));
        assert.ok(LAB_NAMES.includes("smilr"));
        const known: KnownLabName[] = ["smilr", "nanomon", "knote", "production-grade", "movie-catalog"];
        assert.deepStrictEqual([...KNOWN_LAB_NAMES], known);
        for (const name of Object.keys(LABS)) {
            assert.ok((known as string[]).includes(name), name);
        }
        assert.deepStrictEqual([...LAB_NAMES, ...PLANNED_LABS].sort(), [...known].sort());
        // A name without a lab does not type-check (checked by `tsc --noEmit -p .`).
        // @ts-expect-error no lab has this name
        const missing: LabName = "no-such-lab";
        assert.ok(missing);
    });

    it("gives every lab a settings schema whose defaults need no config", () => {
        for (const name of LAB_NAMES) {
            const parsed = LABS[name].settings.safeParse(undefined);
            assert.ok(parsed.success, `${name}: ${JSON.stringify(!parsed.success && parsed.error.issues)}`);
        }
    });
});

describe("a lab deployed twice in one stack", function () {
    this.timeout(60000);
    let objects: RenderedObject[];
    let outputs: Record<string, unknown>;
    let urns: string[];

    before(async () => {
        const p = await plan("minikube", { config: minikubeWith({ "kubelab:labs": ["smilr", { lab: "smilr", name: "smilr-b", namespace: "team-b", host: "b.labs.example.com" }] }) });
        assert.strictEqual(exitCodeOf(p), 0, JSON.stringify(p.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory"), null, 1));
        objects = p.objects;
        outputs = p.recording.stackOutputs;
        urns = p.recording.resources.map(r => r.urn);
    });

    it("renders each instance in its own namespace, under Pulumi names starting with the instance name", () => {
        for (const ns of ["smilr", "team-b"]) {
            const kinds = objects.filter(o => o.namespace === ns).map(o => `${o.kind}/${o.name}`).sort();
            assert.deepStrictEqual(kinds, [
                "Deployment/data-api", "Deployment/frontend", "Ingress/data-api", "Ingress/frontend",
                "NetworkPolicy/data-api-from-ingress-controller", "NetworkPolicy/default-deny-ingress", "NetworkPolicy/frontend-from-ingress-controller", "NetworkPolicy/mongodb-from-data-api",
                "PodDisruptionBudget/data-api", "PodDisruptionBudget/frontend",
                "Service/data-api", "Service/frontend", "Service/mongodb", "StatefulSet/mongodb",
            ]);
        }
        assert.strictEqual(new Set(urns).size, urns.length, "URNs are unique");
        assert.ok(urns.some(u => u.endsWith("::smilr-b-data-api-deployment")));
        assert.ok(urns.some(u => u.endsWith("::smilr-b")) && urns.some(u => u.endsWith("::smilr")));
    });

    it("names no cluster-scoped object after anything but the stack or the instance's namespace", () => {
        const clusterScoped = objects.filter(o => CLUSTER_SCOPED.has(o.kind)).map(o => `${o.kind}/${o.name}`).sort();
        assert.deepStrictEqual(clusterScoped, ["Namespace/smilr", "Namespace/team-b", "StorageClass/kubelab-minikube-expandable"]);
    });

    it("exports endpoints per instance, each on its own host", () => {
        const endpoints = outputs.endpoints as Record<string, { namespace: string; frontend: string }>;
        assert.deepStrictEqual(Object.keys(endpoints).sort(), ["smilr", "smilr-b"]);
        assert.strictEqual(endpoints["smilr-b"].namespace, "team-b");
        assert.strictEqual(endpoints["smilr-b"].frontend, "http://b.labs.example.com/");
        assert.strictEqual(endpoints.smilr.frontend, "http://$(minikube ip)/");
        const hosts = objects.filter(o => o.kind === "Ingress").map(o => `${o.namespace} ${(o.object as { spec: { rules: { host?: string }[] } }).spec.rules[0].host ?? "*"}`).sort();
        assert.deepStrictEqual(hosts, ["smilr *", "smilr *", "team-b b.labs.example.com", "team-b b.labs.example.com"]);
    });
});

describe("platform registry", function () {
    this.timeout(60000);

    it("has one module per platform, only the names planned, and a settings schema whose defaults need no config", () => {
        assert.strictEqual(PLATFORM_NAMES[0], "minikube");
        for (const name of PLATFORM_NAMES) {
            assert.ok(["minikube", "aks", "gke", "eks"].includes(name));
            assert.ok(PLATFORMS[name].settings.safeParse(undefined).success, name);
        }
    });

    it("names the StorageClass from the stack, so two stacks can share a cluster", async () => {
        const names: string[] = [];
        for (const stack of ["alice", "bob"]) {
            const p = await plan(stack, { config: minikubeWith({}, stack) });
            const classes = p.objects.filter(o => o.kind === "StorageClass").map(o => o.name);
            assert.deepStrictEqual(classes, [`kubelab-${stack}-expandable`]);
            const sts = p.objects.find(o => o.kind === "StatefulSet")!.object as { spec: { volumeClaimTemplates: { spec: { storageClassName: string } }[] } };
            assert.strictEqual(sts.spec.volumeClaimTemplates[0].spec.storageClassName, `kubelab-${stack}-expandable`);
            assert.strictEqual(p.recording.stackOutputs.storageClass, `kubelab-${stack}-expandable`);
            names.push(...classes);
        }
        assert.notStrictEqual(names[0], names[1]);
    });

    it("keeps an existing stack's StorageClass name when kubelab:minikube.storageClassName pins it", async () => {
        const p = await plan("minikube", { config: minikubeWith({ "kubelab:minikube": { context: "minikube", storageClassName: "kubelab-csi-hostpath" } }) });
        assert.deepStrictEqual(p.objects.filter(o => o.kind === "StorageClass").map(o => o.name), ["kubelab-csi-hostpath"]);
        await assert.rejects(plan("minikube", { config: minikubeWith({ "kubelab:minikube": { storageClassName: "Fast_SSD" } }) }),
            (e: ProgramFailure) => /^invalid config kubelab:minikube\.storageClassName: "Fast_SSD" is not allowed; expected a StorageClass name/.test(e.message));
    });

    it("keeps stack-derived names valid DNS names that differ for stacks differing only in case or punctuation", () => {
        const dns = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
        const names = ["dev", "Dev", "dev_1", "dev.1", "team-a"].map(s => clusterScopedName(s, "expandable"));
        assert.strictEqual(names[0], "kubelab-dev-expandable");
        assert.strictEqual(names[4], "kubelab-team-a-expandable");
        for (const n of names) {
            assert.match(n, dns);
            assert.ok(n.length <= 253);
        }
        assert.strictEqual(new Set(names).size, names.length);
    });

    it("gives prerequisites that work: one `minikube addons enable` per addon, with the profile when it is not the default", async () => {
        assert.deepStrictEqual(addonCommands("minikube"), [
            "minikube addons enable ingress",
            "minikube addons enable metrics-server",
            "minikube addons enable volumesnapshots",
            "minikube addons enable csi-hostpath-driver",
        ]);
        assert.deepStrictEqual(addonCommands("work")[0], "minikube addons enable ingress -p work");
        for (const command of addonCommands("minikube")) {
            assert.strictEqual(command.split(" ").length, 4, `one addon per call: ${command}`);
        }
        const p = await plan("minikube", { config: minikubeWith({ "kubelab:minikube": { create: false, context: "work" } }) });
        assert.deepStrictEqual(p.recording.stackOutputs.prerequisites, addonCommands("work"));
        const endpoints = p.recording.stackOutputs.endpoints as Record<string, { frontend: string }>;
        assert.strictEqual(endpoints.smilr.frontend, "http://$(minikube -p work ip)/");
    });

    it("the stack file's comment gives the same working commands", () => {
        const text = fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.minikube.yaml"), "utf8");
        for (const command of addonCommands("minikube")) {
            assert.ok(text.includes(`#   ${command}\n`), command);
        }
        assert.doesNotMatch(text, /addons enable \S+ \S+/, "no command enables two addons at once");
    });
});

describe("secure settings", function () {
    this.timeout(60000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-secure-"));

    it("the SDK still exports runtime.isConfigSecret, which infra/config.ts relies on", () => {
        assert.strictEqual(typeof (pulumi.runtime as unknown as Record<string, unknown>).isConfigSecret, "function");
        assert.strictEqual(isConfigSecret("kubelab:nothing-set"), false);
    });

    it("accepts a secure kubeconfig and a secure ingressHost, and keeps both secret", async () => {
        const file = path.join(tmp, "Pulumi.secure.yaml");
        fs.writeFileSync(file, [
            "config:",
            "  kubelab:platform: minikube",
            "  kubelab:labs: [smilr]",
            "  kubelab:ingressHost:",
            "    secure: AAABAMm0bGFicy5leGFtcGxlLmNvbQ==",
            "  kubelab:minikube:",
            "    context: minikube",
            "    kubeconfig:",
            "      secure: AAABAKa1YXBpVmVyc2lvbjogdjE=",
            "",
        ].join("\n"));
        const config = loadStackConfig(ROOT, "minikube", file);
        assert.deepStrictEqual(config.secretKeys.sort(), ["kubelab:ingressHost", "kubelab:minikube"]);
        const p = await plan("minikube", { config });
        const provider = p.recording.resources.find(r => r.type === "pulumi:providers:kubernetes")!;
        const kubeconfig = provider.inputs.kubeconfig as Record<string, unknown>;
        assert.ok(kubeconfig && typeof kubeconfig === "object" && SIG_KEY in kubeconfig, `kubeconfig is sent as a secret: ${JSON.stringify(kubeconfig)}`);
        const ingress = p.recording.resources.find(r => r.type === "kubernetes:networking.k8s.io/v1:Ingress")!;
        assert.ok(JSON.stringify(ingress.inputs).includes(SIG_KEY), "the Ingress host is sent as a secret");
        const rendered = p.objects.find(o => o.kind === "Ingress")!.object as { spec: { rules: { host: string }[] } };
        assert.strictEqual(rendered.spec.rules[0].host, SECRET_PLACEHOLDER, "the plan's YAML never shows it");
        // (Schema validation of the rendered secret rule is the offline tools' concern: tools/render.ts
        // renders every leaf under a secret as "(secret)", which the schema check then reads as a value.)
    });

    it("says why when the offline plan cannot read a secure value a setting needs to check", async () => {
        const file = path.join(tmp, "Pulumi.secure2.yaml");
        fs.writeFileSync(file, "config:\n  kubelab:platform: minikube\n  kubelab:labs: [smilr]\n  kubelab:smilr:\n    replicas:\n      secure: AAABAA==\n");
        await assert.rejects(plan("minikube", { config: loadStackConfig(ROOT, "minikube", file) }),
            (e: ProgramFailure) => /^invalid config kubelab:smilr\.replicas: "\[secure value of kubelab:smilr\.replicas\]" is not allowed; expected a whole number from 1 to 50 .*the offline plan cannot read this secure: value \(pulumi preview can\)/.test(e.message));
    });

    it("still checks a secure value's format when it can be read", async () => {
        const config = minikubeWith({ "kubelab:ingressHost": "http://x" });
        await assert.rejects(plan("minikube", { config: { ...config, secretKeys: ["kubelab:ingressHost"] } }),
            (e: ProgramFailure) => /^invalid config kubelab:ingressHost: "http:\/\/x" is not allowed; expected a DNS host name/.test(e.message));
    });
});

/** Relative imports (static and dynamic) of a TypeScript file, resolved to repository paths. */
function importsOf(file: string): { target: string; dynamic: boolean }[] {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const found: { target: string; dynamic: boolean }[] = [];
    const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"|import\(\s*"(\.[^"]+)"\s*\)|require\(\s*"(\.[^"]+)"\s*\)/g;
    for (const m of text.matchAll(re)) {
        const spec = m[1] ?? m[2] ?? m[3];
        found.push({ target: path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec)), dynamic: m[1] === undefined });
    }
    return found;
}

function sources(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
        .filter(f => f.endsWith(".ts") && !f.endsWith(".test.ts"))
        .map(f => path.join(dir, f));
}

/** config → platform → components → labs: the layer of a repository path. */
function layer(file: string): number {
    if (file === "infra/config" || file.startsWith("infra/config.")) { return 0; }
    if (file.startsWith("infra/")) { return 1; }
    if (file.startsWith("components/labs/")) { return 3; }
    if (file.startsWith("components/")) { return 2; }
    return -1;
}

describe("layering", () => {
    const files = [...sources("infra"), ...sources("components")];

    it("the scan finds the program's imports (it can fail)", () => {
        const registry = importsOf("components/labs/registry.ts").map(i => i.target);
        assert.ok(registry.includes("infra/config") && registry.includes("components/labs/smilr"), registry.join(", "));
        assert.ok(files.length >= 10);
    });

    it("runs one way, config → platform → components → labs: no file imports a higher layer", () => {
        const wrong: string[] = [];
        for (const file of files) {
            for (const { target } of importsOf(file)) {
                if (layer(target) > layer(file) && !target.startsWith("policy/")) {
                    wrong.push(`${file} imports ${target}`);
                }
            }
        }
        assert.deepStrictEqual(wrong, []);
    });

    it("loads a platform module only through the registry's dynamic import", () => {
        const wrong: string[] = [];
        for (const file of [...files, "index.ts"]) {
            for (const { target, dynamic } of importsOf(file)) {
                const platform = PLATFORM_NAMES.find(p => target === `infra/${p}` || target === `infra/${p}/index`);
                if (platform && !(dynamic && file === "infra/registry.ts")) {
                    wrong.push(`${file} imports ${target}${dynamic ? " dynamically" : ""}`);
                }
            }
        }
        assert.deepStrictEqual(wrong, []);
    });

    it("loads a lab's component module only through the registry's dynamic import", () => {
        const wrong: string[] = [];
        for (const file of [...files, "index.ts"]) {
            for (const { target, dynamic } of importsOf(file)) {
                const lab = LAB_NAMES.find(l => target === `components/labs/${l}` || target === `components/labs/${l}/index`);
                if (lab && !(dynamic && file === "components/labs/registry.ts")) {
                    wrong.push(`${file} imports ${target}${dynamic ? " dynamically" : ""}`);
                }
            }
        }
        assert.deepStrictEqual(wrong, []);
    });
});
