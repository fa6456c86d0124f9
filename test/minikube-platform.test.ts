/**
 * The minikube platform creates its own cluster (issue 11): the `minikube start` / `minikube
 * delete` Command as the offline plan records it for a few settings, the Kubernetes provider and
 * every lab object depending on it, replacements in the diff, the checks made before anything is
 * created, the adopt path (`create: false`) as before, and bad settings naming their key.
 */
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LABS } from "../components/labs/registry";
import { ConfigError } from "../infra/config";
import {
    ClusterSpec, HOST_RESERVED_MIB, HostFacts, MINIKUBE_ADDONS, PrerequisiteError, addonCommands, addonsFor, clusterCommands, clusterSpec,
    createPlatform, engineRunsCommands, findOnPath, parseProfileConfig, preflight, probeHost, profileName, readExistingCluster,
} from "../infra/minikube";
import { DEFAULT_KUBERNETES_VERSION, MinikubeSettings, memoryMiB, minikubeSettings } from "../infra/minikube/settings";
import { NO_CLUSTER_NEEDS } from "../infra/platform";
import { commandMock } from "../tools/cloud-mocks/command";
import { diffExitCode, diffReports } from "../tools/diff";
import { Plan, ROOT, exitCodeOf, plan } from "../tools/plan-lib";
import { resourceTree } from "../tools/render";
import { ProgramFailure, RecordedResource } from "../tools/recorder";
import { PlanReport, buildReport } from "../tools/report";
import { StackConfig, loadStackConfig } from "../tools/stack-config";
import { stackPlan } from "./helpers";

const COMMAND = "command:local:Command";
const K8S_PROVIDER = "pulumi:providers:kubernetes";

/** The minikube stack file's config, planned as stack `stack`, with `minikube` settings merged in and other keys replaced. */
function stackWith(minikube: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}, stack = "minikube"): StackConfig {
    const base = loadStackConfig(ROOT, "minikube");
    const current = JSON.parse(base.config["kubelab:minikube"] ?? "{}") as Record<string, unknown>;
    const config: Record<string, string> = { ...base.config, "kubelab:minikube": JSON.stringify({ ...current, ...minikube }) };
    for (const [k, v] of Object.entries(overrides)) {
        config[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return { ...base, stack, config };
}

function only(p: Plan, type: string): RecordedResource[] {
    return p.recording.resources.filter(r => r.type === type);
}

function theCommand(p: Plan): RecordedResource {
    const commands = only(p, COMMAND);
    assert.strictEqual(commands.length, 1, "one cluster Command");
    return commands[0];
}

const settingsOf = (raw: Record<string, unknown> = {}): MinikubeSettings => minikubeSettings.parse(raw);

/** A machine that has everything: minikube, docker, 32 GiB, 8 CPUs, no cluster yet. */
const ROOMY: HostFacts = { minikube: "/usr/local/bin/minikube", driverFound: true, memoryMiB: 32768, cpus: 8 };

describe("minikube platform: the cluster the stack creates", function () {
    this.timeout(120000);
    let p: Plan;

    before(async () => {
        p = await stackPlan("minikube");
    });

    it("the stack file creates its cluster: minikube start with the profile from the stack, 3 nodes, the pinned Kubernetes and the labs' addons in one flag; minikube delete", () => {
        assert.strictEqual(exitCodeOf(p), 0);
        const c = theCommand(p);
        const smilrAddons = addonsFor(LABS.smilr.needs);
        assert.deepStrictEqual(smilrAddons, ["ingress", "volumesnapshots", "csi-hostpath-driver"], "smilr needs an ingress controller and expandable volumes, no metrics");
        assert.strictEqual(c.inputs.create,
            `minikube start -p minikube --nodes 3 --cpus 2 --memory 2200mb --kubernetes-version ${DEFAULT_KUBERNETES_VERSION} --driver docker --cni calico --addons=ingress,volumesnapshots,csi-hostpath-driver`);
        assert.strictEqual(c.inputs.delete, "minikube delete -p minikube");
        assert.strictEqual((String(c.inputs.create).match(/--addons/g) ?? []).length, 1, "one --addons flag");
        assert.deepStrictEqual(c.inputs.environment, { MINIKUBE_IN_STYLE: "false" });
        const platform = p.recording.resources.find(r => r.type === "kubelab:infra:MinikubePlatform");
        assert.strictEqual(c.parent, platform?.urn);
        assert.deepStrictEqual(platform?.outputs?.clusterCommands, { create: c.inputs.create, delete: c.inputs.delete }, "the platform's outputs name the command lines");
        // The plan's resource tree shows them under the cluster resource.
        const tree = resourceTree(p.recording);
        const at = tree.findIndex(l => l.trim().startsWith(`command:local:Command  ${c.name}`));
        assert.ok(at >= 0, tree.join("\n"));
        assert.deepStrictEqual(tree.slice(at + 1, at + 3).map(l => l.trim()), [`create: ${String(c.inputs.create)}`, "delete: minikube delete -p minikube"]);
    });

    it("the Kubernetes provider uses the profile's context and depends on the cluster; every lab object goes through that provider", () => {
        const c = theCommand(p);
        const [provider] = only(p, K8S_PROVIDER);
        assert.strictEqual(provider.inputs.context, "minikube");
        assert.ok(provider.dependencies.includes(c.urn), `provider dependencies: ${provider.dependencies.join(", ")}`);
        assert.deepStrictEqual(provider.propertyDependencies.clusterIdentifier, [c.urn], "the cluster's identity is read from the Command");
        assert.match(String(provider.inputs.clusterIdentifier), /^minikube profile minikube, 3 nodes, driver docker, Kubernetes v\d+\.\d+\.\d+, CNI calico/);
        const objects = p.recording.resources.filter(r => r.custom && r.type.startsWith("kubernetes:"));
        assert.ok(objects.length > 10);
        for (const o of objects) {
            assert.strictEqual(o.provider, provider.urn, `${o.type} ${o.name}`);
        }
        // Nothing of Kubernetes is managed by a default provider, which would not wait for the cluster.
        assert.deepStrictEqual(p.recording.resources.filter(r => r.type === K8S_PROVIDER).map(r => r.name), ["minikube-k8s"]);
    });

    it("the Command is recorded, not run: a preview leaves stdout and stderr unknown; it is deleted before it is replaced and replaced when what minikube can't change does", () => {
        const c = theCommand(p);
        assert.strictEqual(c.state.stdout, pulumi.runtime.unknownValue);
        assert.strictEqual(c.state.stderr, pulumi.runtime.unknownValue);
        assert.strictEqual(c.options.deleteBeforeReplace, true);
        assert.ok(c.options.replaceOnChanges.includes("triggers"));
        assert.deepStrictEqual(c.inputs.triggers, ["minikube", 3, "docker", DEFAULT_KUBERNETES_VERSION, "calico", 2, 2200]);
        assert.strictEqual(c.options.protect, false);
        assert.ok(p.recording.resources.some(r => r.type === "pulumi:providers:command"), "the Command's default provider is in the plan");
    });

    it("the stack outputs: nothing to run first, the endpoints through the default profile's ip", () => {
        assert.deepStrictEqual(p.recording.stackOutputs.prerequisites, []);
        const endpoints = p.recording.stackOutputs.endpoints as Record<string, { frontend: string }>;
        assert.strictEqual(endpoints.smilr.frontend, "http://$(minikube ip)/");
    });
});

describe("minikube platform: command lines for other settings", function () {
    this.timeout(120000);

    it("nodes, CPUs and memory per node (4g is 4096mb), another driver and version", async () => {
        const p = await plan("minikube", { config: stackWith({ nodes: 5, cpus: 4, memory: "4g", driver: "podman", kubernetesVersion: "v1.36.2", cni: "cilium" }) });
        const c = theCommand(p);
        assert.strictEqual(c.inputs.create,
            "minikube start -p minikube --nodes 5 --cpus 4 --memory 4096mb --kubernetes-version v1.36.2 --driver podman --cni cilium --addons=ingress,volumesnapshots,csi-hostpath-driver");
        assert.deepStrictEqual(c.inputs.triggers, ["minikube", 5, "podman", "v1.36.2", "cilium", 4, 4096]);
    });

    it("the addons follow the labs switched on: nanomon adds metrics-server, no lab means no --addons flag", async () => {
        const nanomon = theCommand(await plan("minikube", { config: stackWith({}, { "kubelab:labs": ["smilr", { lab: "nanomon", host: "nanomon.labs.example.com" }] }) }));
        assert.ok(LABS.nanomon.needs.metrics, "nanomon's autoscaler needs metrics");
        assert.match(String(nanomon.inputs.create), / --addons=ingress,metrics-server,volumesnapshots,csi-hostpath-driver$/);
        const none = theCommand(await plan("minikube", { config: stackWith({}, { "kubelab:labs": [] }) }));
        assert.doesNotMatch(String(none.inputs.create), /--addons/);
        assert.match(String(none.inputs.create), /--cni calico$/);
    });

    it("the profile, context and delete command are named from the stack", async () => {
        const p = await plan("team-a", { config: stackWith({}, {}, "team-a") });
        const c = theCommand(p);
        assert.match(String(c.inputs.create), /^minikube start -p team-a --nodes 3 /);
        assert.strictEqual(c.inputs.delete, "minikube delete -p team-a");
        assert.strictEqual(only(p, K8S_PROVIDER)[0].inputs.context, "team-a");
        const endpoints = p.recording.stackOutputs.endpoints as Record<string, { frontend: string }>;
        assert.strictEqual(endpoints.smilr.frontend, "http://$(minikube -p team-a ip)/");
    });

    it("a stack name that is no valid profile is cleaned, with a hash so that names differing in case or punctuation still differ", () => {
        assert.strictEqual(profileName("minikube"), "minikube");
        assert.strictEqual(profileName("dev"), "dev");
        const names = ["Dev", "dev_1", "dev.1", "x", "start", "a".repeat(60)].map(profileName);
        const valid = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
        for (const n of names) {
            assert.match(n, valid);
            assert.ok(n.length >= 2 && n.length <= 50, n);
            assert.notStrictEqual(n, "start", "a minikube subcommand is no profile");
        }
        assert.match(names[0], /^dev-[0-9a-f]{6}$/);
        assert.strictEqual(new Set([...names, "dev"]).size, names.length + 1);
    });

    it("the addons for each need, in the order minikube enables them; csi-hostpath-driver always with volumesnapshots", () => {
        assert.deepStrictEqual(addonsFor(NO_CLUSTER_NEEDS), []);
        assert.deepStrictEqual(addonsFor({ ingress: true, metrics: false, storage: false }), ["ingress"]);
        assert.deepStrictEqual(addonsFor({ ingress: false, metrics: true, storage: false }), ["metrics-server"]);
        assert.deepStrictEqual(addonsFor({ ingress: false, metrics: false, storage: true }), ["volumesnapshots", "csi-hostpath-driver"]);
        assert.deepStrictEqual(addonsFor({ ingress: true, metrics: true, storage: true }), MINIKUBE_ADDONS.map(a => a.name));
    });

    it("protectData protects the cluster: destroy and replacement are refused, and it is kept when it leaves the stack", async () => {
        const p = await plan("minikube", { config: stackWith({}, { "kubelab:protectData": "true" }) });
        const c = theCommand(p);
        assert.strictEqual(c.options.protect, true);
        assert.strictEqual(c.options.retainOnDelete, true);
    });

    it("an update under mocks runs nothing: stdout and stderr are empty, the id known", async () => {
        const p = await plan("minikube", { config: stackWith(), update: true });
        const c = theCommand(p);
        assert.strictEqual(c.state.stdout, "");
        assert.strictEqual(c.state.stderr, "");
    });
});

describe("minikube platform: what the diff shows", function () {
    this.timeout(120000);
    const reportOf = (p: Plan) => JSON.parse(JSON.stringify(buildReport(p, { outDir: path.join(os.tmpdir(), "kubelab-minikube-diff") }))) as PlanReport;
    let base: PlanReport;

    before(async () => {
        base = reportOf(await plan("minikube", { config: stackWith() }));
    });

    for (const [what, change] of [["nodes", { nodes: 4 }], ["driver", { driver: "kvm2" }], ["Kubernetes version", { kubernetesVersion: "v1.36.2" }]] as const) {
        it(`changing ${what} replaces the cluster (deleted first) and, through the provider's cluster identity, every lab object`, async () => {
            const d = diffReports(base, reportOf(await plan("minikube", { config: stackWith(change) })));
            const cluster = d.resources.find(r => r.type === COMMAND)!;
            assert.strictEqual(cluster.op, "replace");
            assert.strictEqual(cluster.deleteBeforeReplace, true);
            assert.ok(cluster.replaceFields.some(f => f.startsWith("triggers")), cluster.replaceFields.join(", "));
            const provider = d.resources.find(r => r.type === K8S_PROVIDER)!;
            assert.strictEqual(provider.op, "replace");
            assert.ok(d.resources.filter(r => r.type.startsWith("kubernetes:")).every(r => r.op === "replace"), "every object is created again on the new cluster");
        });
    }

    it("with protectData on, the offline diff flags the replacement as a risk: pulumi up would stop at the protected cluster", async () => {
        const protectedBase = reportOf(await plan("minikube", { config: stackWith({}, { "kubelab:protectData": "true" }) }));
        const d = diffReports(protectedBase, reportOf(await plan("minikube", { config: stackWith({ nodes: 4 }, { "kubelab:protectData": "true" }) })));
        const risk = d.risks.find(r => r.resource === "minikube-cluster");
        assert.ok(risk, JSON.stringify(d.risks));
        assert.match(risk.message, /^minikube-cluster is replaced because triggers.* changed, but it is protected: `pulumi up` stops with an error here/);
        assert.strictEqual(diffExitCode(d), 1);
    });

    it("switching another lab on only updates the cluster: minikube start enables the new addon on the running cluster", async () => {
        const d = diffReports(base, reportOf(await plan("minikube", { config: stackWith({}, { "kubelab:labs": ["smilr", { lab: "nanomon", host: "nanomon.labs.example.com" }] }) })));
        const cluster = d.resources.find(r => r.type === COMMAND)!;
        assert.strictEqual(cluster.op, "update");
        assert.deepStrictEqual(cluster.replaceFields, []);
        assert.strictEqual(d.resources.find(r => r.type === K8S_PROVIDER)!.op, "same");
    });
});

describe("minikube platform: create: false adopts an existing cluster as before", function () {
    this.timeout(120000);

    it("no Command; the provider takes the context (and a kubeconfig's contents, as a secret); prerequisites enable every addon", async () => {
        const p = await plan("minikube", { config: stackWith({ create: false, context: "work", kubeconfig: "apiVersion: v1\nkind: Config\n" }) });
        assert.strictEqual(exitCodeOf(p), 0);
        assert.deepStrictEqual(only(p, COMMAND), []);
        assert.ok(!p.recording.resources.some(r => r.type === "pulumi:providers:command"));
        assert.strictEqual(p.recording.resources.find(r => r.type === "kubelab:infra:MinikubePlatform")?.outputs?.clusterCommands, undefined);
        const [provider] = only(p, K8S_PROVIDER);
        assert.deepStrictEqual(Object.keys(provider.inputs).sort(), ["context", "kubeconfig"]);
        assert.strictEqual(provider.inputs.context, "work");
        assert.ok(JSON.stringify(provider.inputs.kubeconfig).includes(pulumi.runtime.specialSigKey), "the kubeconfig is sent as a secret");
        assert.deepStrictEqual(provider.dependencies, []);
        assert.deepStrictEqual(p.recording.stackOutputs.prerequisites, addonCommands("work"));
        const endpoints = p.recording.stackOutputs.endpoints as Record<string, { frontend: string }>;
        assert.strictEqual(endpoints.smilr.frontend, "http://$(minikube -p work ip)/");
    });

    it("without a context it deploys into minikube's default profile", async () => {
        const p = await plan("minikube", { config: stackWith({ create: false }) });
        assert.deepStrictEqual(only(p, K8S_PROVIDER)[0].inputs, { context: "minikube" });
        assert.deepStrictEqual(p.recording.stackOutputs.prerequisites, addonCommands("minikube"));
    });
});

describe("minikube platform: bad settings name the key", function () {
    this.timeout(60000);

    async function failure(minikube: Record<string, unknown>, stack = "minikube"): Promise<string> {
        try {
            await plan(stack, { config: stackWith(minikube, {}, stack) });
        } catch (err) {
            assert.ok(err instanceof ProgramFailure, String(err));
            return err.message;
        }
        return assert.fail("the plan succeeded");
    }

    const cases: [string, Record<string, unknown>, RegExp][] = [
        ["no node", { nodes: 0 }, /^invalid config kubelab:minikube\.nodes: 0 is not allowed; expected a whole number from 1 to 10 \(nodes of the created cluster/],
        ["a fraction of a node", { nodes: 1.5 }, /^invalid config kubelab:minikube\.nodes: 1\.5 is not allowed/],
        ["one CPU, which minikube refuses", { cpus: 1 }, /^invalid config kubelab:minikube\.cpus: 1 is not allowed; expected a whole number from 2 to 64 \(CPUs per node; minikube needs at least 2\)$/],
        ["memory below minikube's minimum", { memory: "1g" }, /^invalid config kubelab:minikube\.memory: "1g" is not allowed; expected memory per node as minikube start --memory reads it, .*at least 1800mb/],
        ["memory as a Kubernetes quantity", { memory: "4Gi " }, /^invalid config kubelab:minikube\.memory: "4Gi " is not allowed/],
        ["memory max, which kubelab can't add up", { memory: "max" }, /^invalid config kubelab:minikube\.memory: "max" is not allowed/],
        ["a Kubernetes version without the v", { kubernetesVersion: "1.37.0" }, /^invalid config kubelab:minikube\.kubernetesVersion: "1\.37\.0" is not allowed; expected a Kubernetes release such as v\d/],
        ["a driver that runs one node", { driver: "none" }, /^invalid config kubelab:minikube\.driver: "none" is not allowed; expected one of docker, podman, .* \(a minikube driver that runs several nodes; not none or ssh\)$/],
        ["create that is not a boolean", { create: "no" }, /^invalid config kubelab:minikube\.create: "no" is not allowed; expected true or false$/],
        ["a kubeconfig's contents for a cluster minikube creates", { kubeconfig: "apiVersion: v1\nkind: Config" }, /^invalid config kubelab:minikube\.kubeconfig: .* expected a kubeconfig file path while kubelab:minikube\.create is true/],
        ["another cluster's context while creating one", { context: "kind-kind" }, /^invalid config kubelab:minikube\.context: "kind-kind" is not allowed; expected unset \(or minikube\) while kubelab:minikube\.create is true: .*set kubelab:minikube\.create to false$/],
    ];
    for (const [what, minikube, expected] of cases) {
        it(`rejects ${what}`, async () => {
            assert.match(await failure(minikube), expected);
        });
    }

    it("accepts the stack's own profile as the context", async () => {
        const p = await plan("minikube", { config: stackWith({ context: "minikube" }) });
        assert.strictEqual(theCommand(p).inputs.delete, "minikube delete -p minikube");
    });
});

describe("minikube platform: checks before anything is created", () => {
    const settings = settingsOf();
    const spec: ClusterSpec = clusterSpec(settings, "minikube", { ingress: true, metrics: false, storage: true });

    it("the commands of a spec", () => {
        assert.deepStrictEqual(clusterCommands({ ...spec, addons: [] }), {
            create: `minikube start -p minikube --nodes 3 --cpus 2 --memory 2200mb --kubernetes-version ${DEFAULT_KUBERNETES_VERSION} --driver docker --cni calico`,
            delete: "minikube delete -p minikube",
        });
    });

    it("pass on a machine with minikube, the driver, memory and CPUs to spare", () => {
        assert.deepStrictEqual(preflight(settings, spec, false, ROOMY), []);
        assert.deepStrictEqual(preflight(settings, spec, true, { ...ROOMY, existing: { nodes: 3, driver: "docker", kubernetesVersion: DEFAULT_KUBERNETES_VERSION, cni: "calico", cpus: 2, memoryMiB: 2200 } }), []);
    });

    it("a missing minikube fails with what to install, or how to adopt a cluster instead", () => {
        assert.throws(() => preflight(settings, spec, false, { ...ROOMY, minikube: undefined }), (e: Error) =>
            e instanceof PrerequisiteError && e instanceof pulumi.RunError
            && /^minikube is not installed \(no minikube on PATH\): with kubelab:minikube\.create true .* Install minikube \(written against v\d+\.\d+\.\d+: https:\/\/minikube\.sigs\.k8s\.io\/docs\/start\/\), or set kubelab:minikube\.create to false/.test(e.message));
        assert.throws(() => preflight(settings, spec, false, { ...ROOMY, driverFound: false }), /PrerequisiteError: docker is not installed \(no docker on PATH\): kubelab:minikube\.driver is docker/);
    });

    it("too little memory for nodes × memory names kubelab:minikube.memory and what fits", () => {
        // 3 × 2200mb = 6600mb; 7000mb less the host's 1024mb leaves 5976mb.
        assert.throws(() => preflight(settings, spec, false, { ...ROOMY, memoryMiB: 7000 }), (e: Error) =>
            e instanceof ConfigError && e.key === "kubelab:minikube.memory"
            && e.message === `invalid config kubelab:minikube.memory: "2200mb" is not allowed; expected memory that fits this machine: 3 nodes (kubelab:minikube.nodes) × 2200mb = 6600mb, but it has 7000mb and keeps ${HOST_RESERVED_MIB}mb for itself; lower kubelab:minikube.memory (at most 1992mb per node) or kubelab:minikube.nodes`);
        preflight(settings, spec, false, { ...ROOMY, memoryMiB: 6600 + HOST_RESERVED_MIB });
        assert.throws(() => preflight(settings, spec, false, { ...ROOMY, memoryMiB: 4096 }), /at most 1024mb per node, below minikube's 1800mb minimum\) or kubelab:minikube\.nodes$/);
    });

    it("more CPUs per node than the machine has names kubelab:minikube.cpus", () => {
        const many = settingsOf({ cpus: 16 });
        assert.throws(() => preflight(many, clusterSpec(many, "minikube", NO_CLUSTER_NEEDS), false, ROOMY), (e: Error) =>
            e instanceof ConfigError && e.message === "invalid config kubelab:minikube.cpus: 16 is not allowed; expected at most the 8 CPUs this machine has (each node gets kubelab:minikube.cpus of them)");
    });

    it("with protectData on, a setting minikube can't change on the existing cluster is refused, naming it; off, it is a replacement", () => {
        const existing = { nodes: 3, driver: "docker", kubernetesVersion: DEFAULT_KUBERNETES_VERSION, cni: "calico", cpus: 2, memoryMiB: 2200 };
        const four = settingsOf({ nodes: 4 });
        const fourSpec = clusterSpec(four, "minikube", NO_CLUSTER_NEEDS);
        assert.throws(() => preflight(four, fourSpec, true, { ...ROOMY, existing }), (e: Error) =>
            e instanceof ConfigError && e.key === "kubelab:minikube.nodes"
            && /^invalid config kubelab:minikube\.nodes: 4 is not allowed; expected what minikube profile minikube has \(3 nodes\): .*kubelab:protectData is on/.test(e.message));
        const warnings = preflight(four, fourSpec, false, { ...ROOMY, existing });
        assert.deepStrictEqual(warnings.length, 1);
        assert.match(warnings[0], /^minikube profile minikube exists with 3 nodes, and kubelab:minikube\.nodes asks for 4 nodes: if this stack created it, `pulumi up` deletes and recreates the cluster; if you started it yourself, set kubelab:minikube\.create to false/);
        const older = settingsOf({ kubernetesVersion: "v1.36.2" });
        assert.throws(() => preflight(older, clusterSpec(older, "minikube", NO_CLUSTER_NEEDS), true, { ...ROOMY, existing }), /kubelab:minikube\.kubernetesVersion: "v1\.36\.2" is not allowed; expected what minikube profile minikube has \(Kubernetes v/);
        // Addons are not compared: minikube start enables new ones on the running cluster.
        preflight(settings, { ...spec, addons: ["metrics-server"] }, true, { ...ROOMY, existing });
    });

    it("createPlatform runs the checks first when given a machine, and registers nothing when they fail", () => {
        assert.throws(() => createPlatform(settings, { stack: "minikube", protectData: false, needs: NO_CLUSTER_NEEDS }, { ...ROOMY, minikube: undefined }), PrerequisiteError);
    });

    it("under the offline plan's mocks no engine runs commands, so the plan needs no minikube (none is installed here)", async () => {
        assert.strictEqual(engineRunsCommands(), false);
        const p = await stackPlan("minikube");
        assert.strictEqual(exitCodeOf(p), 0);
    });
});

describe("minikube platform: reading this machine", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-minikube-"));

    it("memory as minikube reads it: a bare number is megabytes, units are binary", () => {
        assert.strictEqual(memoryMiB("2200"), 2200);
        assert.strictEqual(memoryMiB("2200mb"), 2200);
        assert.strictEqual(memoryMiB("4g"), 4096);
        assert.strictEqual(memoryMiB("4GB"), 4096);
        assert.strictEqual(memoryMiB("4GiB"), 4096);
        assert.strictEqual(memoryMiB("2.5g"), 2560);
        assert.strictEqual(memoryMiB("3145728k"), 3072);
        assert.strictEqual(memoryMiB("max"), undefined);
        assert.strictEqual(memoryMiB("4Gi "), undefined);
        assert.strictEqual(memoryMiB(""), undefined);
    });

    it("finds a program on PATH, and says so when it is not there", () => {
        const bin = path.join(tmp, "bin");
        fs.mkdirSync(bin, { recursive: true });
        fs.writeFileSync(path.join(bin, "minikube"), "#!/bin/sh\n", { mode: 0o755 });
        assert.strictEqual(findOnPath("minikube", { PATH: [path.join(tmp, "nothing"), bin].join(path.delimiter) }), path.join(bin, "minikube"));
        assert.strictEqual(findOnPath("minikube", { PATH: path.join(tmp, "nothing") }), undefined);
        assert.strictEqual(findOnPath("minikube", {}), undefined);
    });

    it("probes this machine: its memory and CPUs, minikube and the driver on PATH, the profile's cluster", () => {
        const spec = clusterSpec(settingsOf(), "minikube", NO_CLUSTER_NEEDS);
        const empty = path.join(tmp, "empty");
        fs.mkdirSync(empty, { recursive: true });
        const facts = probeHost(spec, { PATH: empty, MINIKUBE_HOME: empty });
        assert.strictEqual(facts.minikube, undefined);
        assert.strictEqual(facts.driverFound, false, "docker is looked for with the docker driver");
        assert.strictEqual(facts.memoryMiB, Math.floor(os.totalmem() / 1024 ** 2));
        assert.strictEqual(facts.cpus, os.cpus().length);
        assert.strictEqual(facts.existing, undefined);
        assert.strictEqual(probeHost({ ...spec, driver: "kvm2" }, { PATH: empty }).driverFound, true, "VM drivers are minikube's to check");
        assert.throws(() => preflight(settingsOf(), spec, false, facts), PrerequisiteError);
    });

    it("reads an existing profile from MINIKUBE_HOME as minikube writes it, and nothing for a missing or unknown one", () => {
        const dir = path.join(tmp, ".minikube", "profiles", "minikube");
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({
            Name: "minikube", Driver: "docker", CPUs: 2, Memory: 2200,
            KubernetesConfig: { KubernetesVersion: "v1.37.0", CNI: "calico" },
            Nodes: [{ Name: "", ControlPlane: true }, { Name: "m02" }, { Name: "m03" }],
        }));
        const expected = { nodes: 3, driver: "docker", kubernetesVersion: "v1.37.0", cni: "calico", cpus: 2, memoryMiB: 2200 };
        assert.deepStrictEqual(readExistingCluster("minikube", { MINIKUBE_HOME: tmp }), expected);
        assert.deepStrictEqual(readExistingCluster("minikube", { MINIKUBE_HOME: path.join(tmp, ".minikube") }), expected, "MINIKUBE_HOME may name the .minikube folder itself");
        assert.strictEqual(readExistingCluster("other", { MINIKUBE_HOME: tmp }), undefined);
        assert.strictEqual(parseProfileConfig({ Name: "x" }), undefined);
        assert.strictEqual(parseProfileConfig({ Driver: "docker", CPUs: 2, Memory: 2200, Nodes: [{}], KubernetesConfig: { KubernetesVersion: "v1.37.0", CNI: "" } })?.cni, "auto");
    });
});

describe("the command mock", () => {
    it("echoes a local Command's inputs, leaves stdout and stderr unknown in a preview, and models nothing else", () => {
        const preview = commandMock.newResource("command:local:Command", "c", { create: "true", delete: "false" }, true);
        assert.deepStrictEqual(preview, { id: undefined, state: { create: "true", delete: "false", stdout: pulumi.unknown, stderr: pulumi.unknown } });
        const update = commandMock.newResource("command:local:Command", "c", { create: "true" }, false);
        assert.ok(update.id);
        assert.deepStrictEqual(update.state, { create: "true", stdout: "", stderr: "" });
        assert.throws(() => commandMock.newResource("command:remote:Command", "r", {}, true), /command:remote:Command \(r\) is not modelled/);
        assert.throws(() => commandMock.call("command:local:run", {}, true), /invoke command:local:run/);
    });
});
