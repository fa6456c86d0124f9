/**
 * The scaling family (policy/scaling.ts), case by case: pass, violate, and not applicable, with the
 * Kubernetes rule behind each edge (defaulting, rounding, API versions) pinned by a test.
 */
import * as assert from "assert";
import { ManifestObject, manifestUrn } from "../tools/manifests";
import { UNKNOWN_SENTINEL } from "../tools/render";
import { ignoreChangesCovers, parsePropertyPath } from "../policy/lib/paths";
import { scaledIntOrPercent } from "../policy/lib/scale";
import { ObjectEntry, checkObjects, deployment, violationsOf } from "./helpers";

type Spec = Record<string, unknown>;
interface TestContainer { name: string; resources: { requests?: Spec; limits?: Spec }; restartPolicy?: string }
interface Template { metadata: { labels: Record<string, string> }; spec: { containers: TestContainer[]; initContainers?: TestContainer[] } }
const specOf = (o: ManifestObject) => o.spec as Spec & { replicas?: number; template: Template };
const containerOf = (o: ManifestObject, i = 0) => specOf(o).template.spec.containers[i];
const noReplicas = (d: ManifestObject) => { delete specOf(d).replicas; };

/** Messages of one policy, without the description line the engine puts first. */
async function messages(policy: string, objects: ObjectEntry[], config = {}): Promise<string[]> {
    return violationsOf(await checkObjects(objects, config), policy).map(v => v.message.split("\n").slice(1).join("\n"));
}

const cpuUtilization = { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } };

/** Drops keys set to undefined (the wire has no undefined). */
const defined = (o: Spec): Spec => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** An autoscaling/v2 HPA in namespace lab, or none when `namespace` is null (override anything through `spec`). */
function hpa(name: string, target: string, spec: Spec = {}, apiVersion = "autoscaling/v2", namespace: string | null = "lab"): ManifestObject {
    return {
        apiVersion, kind: "HorizontalPodAutoscaler", metadata: { name, ...(namespace ? { namespace } : {}) },
        spec: defined({ scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target }, minReplicas: 2, maxReplicas: 10, metrics: [cpuUtilization], ...spec }),
    };
}

/** A Deployment under an autoscaler (no pinned replicas) whose one container has exactly these resources. */
const scaled = (name: string, resources: TestContainer["resources"]) => deployment(name, d => { noReplicas(d); containerOf(d).resources = resources; });

const sts = (name: string, replicas?: number): ManifestObject => ({
    apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name, namespace: "lab" },
    spec: {
        serviceName: name, ...(replicas === undefined ? {} : { replicas }), selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: "db:1", resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "256Mi" } } }] } },
    },
});

describe("policy hpa-target-requests", () => {
    const P = "hpa-target-requests";

    it("passes a target whose every container requests the scaled resource", async () => {
        assert.deepStrictEqual(await messages(P, [scaled("api", { requests: { cpu: "50m", memory: "64Mi" } }), hpa("api", "api")]), []);
    });

    it("reports a scaleTargetRef in an API group that doesn't serve the kind (extensions/v1beta1), not an older version of the right group", async () => {
        const target = scaled("api", { requests: { cpu: "50m", memory: "64Mi" } });
        const ref = (apiVersion: string) => hpa("api", "api", { scaleTargetRef: { apiVersion, kind: "Deployment", name: "api" } });
        assert.deepStrictEqual(await messages(P, [target, ref("extensions/v1beta1")]), [
            "HorizontalPodAutoscaler lab/api names scaleTargetRef.apiVersion extensions/v1beta1, but Deployment is in API group apps: the autoscaler finds no Deployment in group extensions and never scales (FailedGetScale); set apiVersion: apps/v1.",
        ]);
        assert.deepStrictEqual(await messages(P, [target, ref("apps/v1beta1")]), [], "the controller maps group and kind; the version doesn't matter");
    });

    it("reports each container without the request, on the autoscaler's URN", async () => {
        const d = scaled("api", { requests: { memory: "64Mi" } });
        specOf(d).template.spec.containers.push({ name: "proxy", resources: { requests: { memory: "16Mi" } } });
        const run = await checkObjects([d, hpa("api", "api")]);
        const found = violationsOf(run, P);
        assert.deepStrictEqual(found.map(v => v.message.split("\n")[1]), [
            "HorizontalPodAutoscaler lab/api scales Deployment lab/api on cpu, but its container 'api' requests no cpu (\"missing request for cpu\": the HPA never scales); set resources.requests.cpu on it.",
            "HorizontalPodAutoscaler lab/api scales Deployment lab/api on cpu, but its container 'proxy' requests no cpu (\"missing request for cpu\": the HPA never scales); set resources.requests.cpu on it.",
        ]);
        assert.deepStrictEqual(found.map(v => [v.urn, v.enforcementLevel]), Array(2).fill([manifestUrn(hpa("api", "api")), "mandatory"]));
    });

    it("reads every API version: v1's CPU target, v2beta1's targetAverageUtilization, and the CPU default when metrics are unset", async () => {
        const noCpu = scaled("api", { requests: { memory: "64Mi" }, limits: { memory: "64Mi" } });
        const v1 = hpa("api", "api", { metrics: undefined, targetCPUUtilizationPercentage: 60 }, "autoscaling/v1");
        const v1Default = hpa("api", "api", { metrics: undefined }, "autoscaling/v1");
        const v2NoMetrics = hpa("api", "api", { metrics: [] });
        const v2beta2 = hpa("api", "api", {}, "autoscaling/v2beta2");
        const v2beta1 = hpa("api", "api", { metrics: [{ type: "Resource", resource: { name: "cpu", targetAverageUtilization: 60 } }] }, "autoscaling/v2beta1");
        for (const h of [v1, v1Default, v2NoMetrics, v2beta2, v2beta1]) {
            const found = await messages(P, [noCpu, h]);
            assert.strictEqual(found.length, 1, `${h.apiVersion} ${JSON.stringify(h.spec)}`);
            assert.match(found[0], /container 'api' requests no cpu/);
        }
    });

    it("needs no request for AverageValue targets, nor for custom and external metrics", async () => {
        const bare = scaled("api", {});
        const metrics = [
            { type: "Resource", resource: { name: "cpu", target: { type: "AverageValue", averageValue: "200m" } } },
            { type: "Resource", resource: { name: "memory", targetAverageValue: "100Mi" } },
            { type: "Pods", pods: { metric: { name: "rps" }, target: { type: "AverageValue", averageValue: "10" } } },
        ];
        assert.deepStrictEqual(await messages(P, [bare, hpa("api", "api", { metrics })]), []);
    });

    it("counts a limit as the request (the API server copies it) and a LimitRange default of the namespace", async () => {
        const memoryHpa = hpa("api", "api", { metrics: [{ type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 70 } } }] });
        assert.deepStrictEqual(await messages(P, [scaled("api", { requests: { cpu: "1" }, limits: { memory: "128Mi" } }), memoryHpa]), []);
        const bare = scaled("api", { requests: { cpu: "1" } });
        assert.match((await messages(P, [bare, memoryHpa]))[0], /on memory, but its container 'api' requests no memory/);
        const limitRange = (namespace: string, item: Spec): ManifestObject => ({ apiVersion: "v1", kind: "LimitRange", metadata: { name: "defaults", namespace }, spec: { limits: [{ type: "Container", ...item }] } });
        for (const item of [{ defaultRequest: { memory: "64Mi" } }, { default: { memory: "64Mi" } }, { max: { memory: "1Gi" } }, { min: { memory: "8Mi" } }]) {
            assert.deepStrictEqual(await messages(P, [bare, memoryHpa, limitRange("lab", item)]), [], JSON.stringify(item));
        }
        assert.strictEqual((await messages(P, [bare, memoryHpa, limitRange("other", { defaultRequest: { memory: "64Mi" } })])).length, 1, "another namespace's LimitRange");
        assert.strictEqual((await messages(P, [bare, memoryHpa, limitRange("lab", { type: "Pod", max: { memory: "1Gi" } })])).length, 1, "a Pod-level LimitRange sets no container default");
    });

    it("checks sidecars (restartable init containers) but not plain init containers", async () => {
        const d = scaled("api", { requests: { cpu: "50m" } });
        specOf(d).template.spec.initContainers = [
            { name: "migrate", resources: {} },
            { name: "mesh-proxy", restartPolicy: "Always", resources: {} },
        ];
        assert.deepStrictEqual(await messages(P, [d, hpa("api", "api")]), [
            "HorizontalPodAutoscaler lab/api scales Deployment lab/api on cpu, but its sidecar container 'mesh-proxy' requests no cpu (\"missing request for cpu\": the HPA never scales); set resources.requests.cpu on it.",
        ]);
    });

    it("checks only the named container for ContainerResource metrics, and that it exists", async () => {
        const d = scaled("api", { requests: { cpu: "50m" } });
        specOf(d).template.spec.containers.push({ name: "logger", resources: {} });
        const containerMetric = (container: string) => hpa("api", "api", { metrics: [{ type: "ContainerResource", containerResource: { name: "cpu", container, target: { type: "Utilization", averageUtilization: 60 } } }] });
        assert.deepStrictEqual(await messages(P, [d, containerMetric("api")]), []);
        assert.deepStrictEqual(await messages(P, [d, containerMetric("logger")]), [
            "HorizontalPodAutoscaler lab/api scales Deployment lab/api on cpu of container 'logger', but its container 'logger' requests no cpu (\"missing request for cpu\": the HPA never scales); set resources.requests.cpu on it.",
        ]);
        assert.deepStrictEqual(await messages(P, [d, containerMetric("web")]), [
            "HorizontalPodAutoscaler lab/api scales Deployment lab/api on container 'web' cpu utilization, but its pods have no container 'web' (they have 'api', 'logger'); fix containerResource.container.",
        ]);
    });

    it("reports a target the stack does not create, matching kind, name and namespace (unset = default)", async () => {
        const ghost = "HorizontalPodAutoscaler lab/api targets Deployment lab/ghost, which the stack does not create; the autoscaler would have nothing to scale. Fix spec.scaleTargetRef (kind and name, in the autoscaler's namespace).";
        assert.deepStrictEqual(await messages(P, [hpa("api", "ghost")]), [ghost]);
        const elsewhere = deployment("api", noReplicas, "other");
        assert.match((await messages(P, [elsewhere, hpa("api", "api")]))[0], /targets Deployment lab\/api, which the stack does not create/);
        const statefulTarget = hpa("api", "api", { scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "api" } });
        assert.match((await messages(P, [deployment("api", noReplicas), statefulTarget]))[0], /targets StatefulSet lab\/api, which the stack does not create/);
        // An autoscaler that names no target (an extensions/v1beta1 one, whose scaleRef is not scaleTargetRef) says so, naming what is missing.
        const untargeted = (name: string): ManifestObject => ({ ...hpa(name, "x"), spec: { scaleRef: { kind: "Deployment", name: "cart" }, minReplicas: 1, maxReplicas: 10 } });
        assert.deepStrictEqual(await messages(P, [untargeted("cart")]), [
            "HorizontalPodAutoscaler lab/cart names no target (its spec.scaleTargetRef has no kind and name), so it has nothing to scale. Set spec.scaleTargetRef to the kind and name of a workload in its namespace.",
        ]);
        // Two of them share no target: hpa-sane-range sees no second autoscaler.
        assert.deepStrictEqual(await messages("hpa-sane-range", [untargeted("cart"), untargeted("orders")]), []);
        const inDefault = deployment("api", noReplicas, "default");
        assert.deepStrictEqual(await messages(P, [inDefault, hpa("api", "api", {}, "autoscaling/v2", null)]), [], "an HPA without namespace is in default");
    });

    it("reports a target without a scale subresource, and trusts a custom resource it can't see into", async () => {
        const ds: ManifestObject = { ...deployment("agent"), kind: "DaemonSet" };
        const onDs = hpa("agent", "agent", { scaleTargetRef: { kind: "DaemonSet", name: "agent" } });
        assert.match((await messages(P, [ds, onDs]))[0], /^HorizontalPodAutoscaler lab\/agent targets DaemonSet lab\/agent, which has no scale subresource/);
        const rollout: ManifestObject = { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", metadata: { name: "web", namespace: "lab" }, spec: {} };
        assert.deepStrictEqual(await messages(P, [rollout, hpa("web", "web", { scaleTargetRef: { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "web" } })]), []);
        // A custom resource is found by its group and kind: a Knative Service, not a core Service of that name.
        const knative: ManifestObject = { apiVersion: "serving.knative.dev/v1", kind: "Service", metadata: { name: "hello", namespace: "lab" }, spec: {} };
        const onKnative = hpa("hello", "hello", { scaleTargetRef: { apiVersion: "serving.knative.dev/v1", kind: "Service", name: "hello" } });
        assert.deepStrictEqual(await messages(P, [knative, onKnative]), []);
        const coreService: ManifestObject = { apiVersion: "v1", kind: "Service", metadata: { name: "hello", namespace: "lab" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } };
        assert.match((await messages(P, [coreService, onKnative]))[0], /targets Service lab\/hello, which the stack does not create/);
    });

    it("does not apply without autoscalers", async () => {
        assert.deepStrictEqual(await messages(P, [scaled("api", {})]), []);
    });

    it("can't run during a preview when the target's name is unknown, and says so as an advisory", async () => {
        const unknownTarget = hpa("api", "api", { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: UNKNOWN_SENTINEL } });
        const [v, ...rest] = violationsOf(await checkObjects([deployment("api", noReplicas), unknownTarget]), P);
        assert.deepStrictEqual(rest, []);
        assert.strictEqual(v.enforcementLevel, "advisory");
        assert.match(v.message, /^can't run policy 'hpa-target-requests' from policy pack 'kubelab@v0\.1\.0' during preview: .*scaleTargetRef\.name/);
    });
});

describe("policy hpa-replicas-not-pinned", () => {
    const P = "hpa-replicas-not-pinned";
    const pinned = deployment("api"); // replicas: 2

    it("passes a target that leaves replicas to the autoscaler", async () => {
        assert.deepStrictEqual(await messages(P, [deployment("api", noReplicas), hpa("api", "api")]), []);
    });

    it("reports pinned replicas on the workload's URN", async () => {
        const [v] = violationsOf(await checkObjects([pinned, hpa("api", "api")]), P);
        assert.strictEqual(v.urn, manifestUrn(pinned));
        assert.strictEqual(v.message.split("\n")[1],
            "Deployment lab/api pins spec.replicas: 2 while HorizontalPodAutoscaler lab/api scales it; whenever the Deployment is applied again (a Pulumi update for a new image, a changed setting, " +
            "or after a refresh that read the autoscaler's count; kubectl apply; a GitOps sync), replicas: 2 is sent again and overrides the autoscaler. " +
            "Leave spec.replicas unset (in a Pulumi program, ignoreChanges: [\"spec.replicas\"] on the resource also works).");
        const sset = hpa("db", "db", { scaleTargetRef: { kind: "StatefulSet", name: "db" } });
        assert.match((await messages(P, [sts("db", 1), sset]))[0], /^StatefulSet lab\/db pins spec\.replicas: 1 while HorizontalPodAutoscaler lab\/db scales it/);
    });

    it("accepts ignoreChanges entries that cover spec.replicas, and only those", async () => {
        for (const entry of ["spec.replicas", "spec", "spec.*", "*", "[\"spec\"][\"replicas\"]", "spec[\"replicas\"]", "[\"spec\"].*", "spec..replicas"]) {
            assert.deepStrictEqual(await messages(P, [{ object: pinned, options: { ignoreChanges: ["metadata.labels", entry] } }, hpa("api", "api")]), [], entry);
        }
        for (const entry of ["metadata", "spec.template", "spec.replica", "replicas", "spec.replicas.value", "spec[0]", "spec[\"replicas\"", ".spec"]) {
            assert.strictEqual((await messages(P, [{ object: pinned, options: { ignoreChanges: [entry] } }, hpa("api", "api")])).length, 1, entry);
        }
    });

    it("does not apply without an autoscaler, or to a target the stack lacks", async () => {
        assert.deepStrictEqual(await messages(P, [pinned]), [], "no HPA, nothing to fight");
        assert.deepStrictEqual(await messages(P, [pinned, hpa("web", "web")]), [], "the HPA targets something else");
    });

    it("parses Pulumi property paths like the engine", () => {
        assert.deepStrictEqual(parsePropertyPath("spec.template.spec.containers[0].image"), ["spec", "template", "spec", "containers", 0, "image"]);
        assert.deepStrictEqual(parsePropertyPath("metadata.annotations[\"kubectl.kubernetes.io/restartedAt\"]"), ["metadata", "annotations", "kubectl.kubernetes.io/restartedAt"]);
        assert.deepStrictEqual(parsePropertyPath("[\"a \\\"b\\\"\"][*]"), ["a \"b\"", "*"]);
        assert.strictEqual(parsePropertyPath("spec."), undefined);
        assert.strictEqual(ignoreChangesCovers(["spec.template"], ["spec", "replicas"]), false);
        assert.strictEqual(ignoreChangesCovers(undefined, ["spec", "replicas"]), false);
    });
});

describe("policy hpa-sane-range", () => {
    const P = "hpa-sane-range";

    it("passes maxReplicas above minReplicas (1 when unset) at or above the floor", async () => {
        assert.deepStrictEqual(await messages(P, [hpa("a", "a", { minReplicas: undefined, maxReplicas: 5 })]), []);
        assert.deepStrictEqual(await messages(P, [hpa("a", "a", { minReplicas: 2, maxReplicas: 3 })], { [P]: { minReplicasFloor: 2 } }), []);
    });

    it("reports a range that can't scale, or no maxReplicas", async () => {
        assert.deepStrictEqual(await messages(P, [hpa("a", "a", { minReplicas: 3, maxReplicas: 3 })]), [
            "HorizontalPodAutoscaler lab/a has maxReplicas 3 and minReplicas 3: it can never scale; set maxReplicas above minReplicas.",
        ]);
        assert.deepStrictEqual(await messages(P, [hpa("a", "a", { minReplicas: undefined, maxReplicas: 1 })]), [
            "HorizontalPodAutoscaler lab/a has maxReplicas 1 and minReplicas 1: it can never scale; set maxReplicas above minReplicas.",
        ]);
        assert.deepStrictEqual(await messages(P, [hpa("a", "a", { maxReplicas: undefined })]), [
            "HorizontalPodAutoscaler lab/a sets no maxReplicas, which the API server requires; set maxReplicas above minReplicas (2).",
        ]);
    });

    it("applies the configured floor (default 1), unset minReplicas counting as 1", async () => {
        assert.deepStrictEqual(await messages(P, [hpa("a", "a", { minReplicas: undefined, maxReplicas: 5 })], { [P]: { minReplicasFloor: 2 } }), [
            "HorizontalPodAutoscaler lab/a has minReplicas 1, below the floor 2 (policy config minReplicasFloor); raise minReplicas.",
        ]);
        assert.match((await messages(P, [hpa("a", "a", { minReplicas: 0, maxReplicas: 5 })]))[0], /minReplicas 0, below the floor 1/);
    });

    it("reports a second autoscaler on the same target", async () => {
        const run = await checkObjects([hpa("a", "api"), hpa("b", "api"), hpa("c", "web")]);
        const found = violationsOf(run, P);
        assert.strictEqual(found.length, 1);
        assert.strictEqual(found[0].urn, manifestUrn(hpa("b", "api")));
        assert.match(found[0].message, /HorizontalPodAutoscaler lab\/b and HorizontalPodAutoscaler lab\/a both target Deployment lab\/api: the controller refuses to scale pods claimed by two autoscalers \(AmbiguousSelector\)/);
    });
});

describe("policy hpa-sane-range: a VerticalPodAutoscaler on the HPA's resource", () => {
    const P = "hpa-sane-range";
    const vpa = (spec: Spec = {}): ManifestObject => ({
        apiVersion: "autoscaling.k8s.io/v1", kind: "VerticalPodAutoscaler", metadata: { name: "api", namespace: "lab" },
        spec: { targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" }, ...spec },
    });
    const api = () => scaled("api", { requests: { cpu: "50m", memory: "64Mi" } });

    it("reports a VPA setting the requests an HPA scales on by utilization (updateMode unset is Auto)", async () => {
        const found = await messages(P, [api(), hpa("api", "api"), vpa()]);
        assert.strictEqual(found.length, 1);
        assert.match(found[0], /^HorizontalPodAutoscaler lab\/api scales Deployment lab\/api on cpu utilization, and VerticalPodAutoscaler lab\/api \(updateMode Auto\) sets its cpu requests: .*controlledResources/);
        assert.strictEqual((await messages(P, [api(), hpa("api", "api"), vpa({ updatePolicy: { updateMode: "Initial" } })])).length, 1, "Initial sets them on every new pod");
    });

    it("passes a VPA in Off mode, one controlling only memory, one whose container policies are Off, and an HPA on another metric", async () => {
        assert.deepStrictEqual(await messages(P, [api(), hpa("api", "api"), vpa({ updatePolicy: { updateMode: "Off" } })]), []);
        assert.deepStrictEqual(await messages(P, [api(), hpa("api", "api"), vpa({ resourcePolicy: { containerPolicies: [{ containerName: "*", controlledResources: ["memory"] }] } })]), []);
        assert.deepStrictEqual(await messages(P, [api(), hpa("api", "api"), vpa({ resourcePolicy: { containerPolicies: [{ containerName: "*", mode: "Off" }] } })]), []);
        const onRequests = hpa("api", "api", { metrics: [{ type: "Pods", pods: { metric: { name: "requests_per_second" }, target: { type: "AverageValue", averageValue: "100" } } }] });
        assert.deepStrictEqual(await messages(P, [api(), onRequests, vpa()]), []);
        // A memory HPA against a VPA that controls memory is the same fight.
        const onMemory = hpa("api", "api", { metrics: [{ type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 70 } } }] });
        assert.match((await messages(P, [api(), onMemory, vpa({ resourcePolicy: { containerPolicies: [{ containerName: "*", controlledResources: ["memory"] }] } })]))[0], /on memory utilization/);
    });
});

describe("Argo Rollouts count as workloads", () => {
    /** An argoproj.io Rollout in namespace lab: a Deployment's pod template under a canary strategy. */
    const rollout = (name: string, resources: TestContainer["resources"], group = "argoproj.io"): ManifestObject => {
        const d = scaled(name, resources);
        return { ...d, apiVersion: `${group}/v1alpha1`, kind: "Rollout", spec: { ...(d.spec as Spec), strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } } } };
    };
    const toRollout = { scaleTargetRef: { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "web" } };

    it("its containers are judged like a Deployment's: requests, limits, Pod Security", async () => {
        const run = await checkObjects([rollout("web", {})]);
        assert.match(violationsOf(run, "container-requests")[0].message, /Rollout lab\/web: container 'web' has no cpu or memory request/);
        assert.strictEqual(violationsOf(run, "container-memory-limit").length, 1);
        const privileged = rollout("web", { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "64Mi" } });
        (containerOf(privileged) as unknown as Spec).securityContext = { privileged: true };
        assert.match(violationsOf(await checkObjects([privileged]), "no-privileged-containers")[0].message, /Rollout lab\/web: container 'web'/);
        // Another group's Rollout is some other custom resource.
        assert.deepStrictEqual(violationsOf(await checkObjects([rollout("web", {}, "example.com")]), "container-requests"), []);
    });

    it("an autoscaler on a Rollout needs its requests, and the Rollout must not pin replicas", async () => {
        assert.match((await messages("hpa-target-requests", [rollout("web", { requests: { memory: "64Mi" } }), hpa("web", "web", toRollout)]))[0], /scales Rollout lab\/web on cpu, but its container 'web' requests no cpu/);
        assert.deepStrictEqual(await messages("hpa-target-requests", [rollout("web", { requests: { cpu: "50m", memory: "64Mi" } }), hpa("web", "web", toRollout)]), []);
        const pinned = rollout("web", { requests: { cpu: "50m", memory: "64Mi" } });
        (pinned.spec as Spec).replicas = 3;
        assert.match((await messages("hpa-replicas-not-pinned", [pinned, hpa("web", "web", toRollout)]))[0], /^Rollout lab\/web pins spec\.replicas: 3/);
    });

    it("a Rollout with workloadRef runs the referenced Deployment's template: its labels, requests and volumes", async () => {
        const base = scaled("web", { requests: { memory: "64Mi" } });
        (base.spec as Spec).replicas = 0; // scaled down once the Rollout took over, as Argo's migration guide says
        const ref: ManifestObject = {
            apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", metadata: { name: "web", namespace: "lab" },
            spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, strategy: { canary: {} } },
        };
        const svc: ManifestObject = { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "lab" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } };
        assert.deepStrictEqual(violationsOf(await checkObjects([base, ref, svc]), "service-selects-pods"), [], "the Rollout's pods carry the Deployment template's labels");
        assert.match((await messages("hpa-target-requests", [base, ref, hpa("web", "web", toRollout)]))[0], /scales Rollout lab\/web on cpu, but its container 'web' requests no cpu/);
        const claim: ManifestObject = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "lab" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } };
        // A new object: the harness keeps what it decoded of each object it ran.
        const mounting = structuredClone(base);
        ((mounting.spec as Spec).template as Template).spec = { ...((mounting.spec as Spec).template as Template).spec, volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }] } as Template["spec"];
        const rwo = await messages("rwo-claim-single-writer", [claim, mounting, ref]);
        assert.deepStrictEqual(rwo.length, 1, rwo.join("\n"));
        assert.match(rwo[0], /^Rollout lab\/web mounts ReadWriteOnce claim 'data': a Rollout starts its new pods/, "the Deployment at 0 pods shares nothing");
    });

    it("service-selects-pods: a Service for a Rollout's experiment pods or its ephemeral stable/canary labels selects pods", async () => {
        const labelled = (strategy: Spec) => {
            const r = rollout("web", { requests: { cpu: "50m", memory: "64Mi" } });
            (r.spec as Spec).strategy = strategy;
            return r;
        };
        const svc = (name: string, selector: Record<string, string>): ManifestObject => ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "lab" }, spec: { selector, ports: [{ port: 80 }] } });
        const experiment = labelled({ canary: { steps: [{ experiment: { templates: [{ name: "preview", specRef: "canary", selector: { matchLabels: { app: "preview" } }, metadata: { labels: { app: "preview" } } }] } }] } });
        assert.deepStrictEqual(violationsOf(await checkObjects([experiment, svc("preview", { app: "preview" })]), "service-selects-pods"), []);
        const ephemeral = labelled({ canary: { stableMetadata: { labels: { role: "stable" } }, canaryMetadata: { labels: { role: "canary" } } } });
        assert.deepStrictEqual(violationsOf(await checkObjects([ephemeral, svc("stable", { app: "web", role: "stable" }), svc("canary", { app: "web", role: "canary" })]), "service-selects-pods"), []);
        assert.strictEqual(violationsOf(await checkObjects([ephemeral, svc("other", { app: "web", role: "other" })]), "service-selects-pods").length, 1);
    });

    it("rwo-claim-single-writer: a Rollout's new pods start beside the old on every release", async () => {
        const claim: ManifestObject = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "lab" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } };
        const r = rollout("web", { requests: { cpu: "50m", memory: "64Mi" } });
        (r.spec as Spec).replicas = 1;
        ((r.spec as Spec).template as Template).spec = { ...((r.spec as Spec).template as Template).spec, volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }] } as Template["spec"];
        const found = await messages("rwo-claim-single-writer", [claim, r]);
        assert.deepStrictEqual(found.length, 1);
        assert.match(found[0], /^Rollout lab\/web mounts .*a Rollout starts its new pods beside the old ones on every release/);
    });
});

describe("KEDA ScaledJobs count as workloads", () => {
    /** A keda.sh ScaledJob in namespace lab: a Job per batch of queue messages, its pods in spec.jobTargetRef.template. */
    const scaledJob = (name: string, resources: TestContainer["resources"], spec: Spec = {}, group = "keda.sh"): ManifestObject => ({
        apiVersion: `${group}/v1alpha1`, kind: "ScaledJob", metadata: { name, namespace: "lab" },
        spec: {
            jobTargetRef: {
                parallelism: 1, completions: 1, backoffLimit: 4,
                template: { metadata: { labels: { app: name } }, spec: { restartPolicy: "Never", containers: [{ name: "consumer", image: "example/consumer:1.0.0", resources }] } },
            },
            triggers: [{ type: "rabbitmq", metadata: { queueName: "jobs", mode: "QueueLength", value: "1" } }],
            ...spec,
        },
    });
    const quota = (hard: Spec): ManifestObject => ({ apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "quota", namespace: "lab" }, spec: { hard } });
    const sized = { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } };

    it("its Job template's containers are judged like a Job's: requests, limits, Pod Security, valid quantities", async () => {
        const run = await checkObjects([scaledJob("worker", {})]);
        assert.match(violationsOf(run, "container-requests")[0].message, /ScaledJob lab\/worker: container 'consumer' has no cpu or memory request/);
        assert.match(violationsOf(run, "container-memory-limit")[0].message, /ScaledJob lab\/worker: container 'consumer' has no memory limit/);
        const privileged = scaledJob("worker", sized);
        const container = ((privileged.spec as Spec).jobTargetRef as { template: Template }).template.spec.containers[0] as unknown as Spec;
        container.securityContext = { privileged: true };
        const found = violationsOf(await checkObjects([privileged]), "no-privileged-containers");
        assert.match(found[0].message, /ScaledJob lab\/worker: container 'consumer'/);
        // Pod-level advice names the field where a ScaledJob keeps it.
        assert.match(violationsOf(await checkObjects([structuredClone(privileged)]), "run-as-non-root")[0].message, /set spec\.jobTargetRef\.template\.spec\.securityContext\.runAsNonRoot: true/);
        assert.match(violationsOf(await checkObjects([scaledJob("worker", { requests: { cpu: "100m", memory: "128MB" } })]), "valid-quantities")[0].message, /ScaledJob lab\/worker: container 'consumer' has resources\.requests\.memory "128MB"/);
        // Another group's ScaledJob is some other custom resource; so is a Rollout-like kind anywhere else.
        assert.deepStrictEqual(violationsOf(await checkObjects([scaledJob("worker", {}, {}, "example.com")]), "container-requests"), []);
        // Resource policies (valid-quantities is one) tell them apart the same way as stack policies.
        const foreign = scaledJob("worker", { requests: { cpu: "100m", memory: "128MB" } }, {}, "example.com");
        assert.deepStrictEqual(violationsOf(await checkObjects([foreign]), "valid-quantities"), []);
    });

    it("quota-fit counts its Jobs at maxReplicaCount (KEDA's default 100) times their parallelism", async () => {
        // 100 Jobs (the default) of 100m each: 10 CPU against a quota of 4.
        assert.match((await messages("quota-fit", [quota({ "requests.cpu": "4" }), scaledJob("worker", sized)]))[0],
            /need 10 at full scale \(ScaledJob worker 100×100m = 10 \(maxReplicaCount 100 by default Jobs at once\)\)\..*maxReplicaCount/);
        // 30 Jobs of 2 pods of 100m: 6 CPU; 10 Jobs: 2 CPU fits.
        assert.strictEqual((await messages("quota-fit", [quota({ "requests.cpu": "4" }), scaledJob("worker", sized, { maxReplicaCount: 30, jobTargetRef: { ...((scaledJob("w", sized).spec as Spec).jobTargetRef as Spec), parallelism: 2, completions: 2 } })])).length, 1);
        assert.deepStrictEqual(await messages("quota-fit", [quota({ "requests.cpu": "4" }), scaledJob("worker", sized, { maxReplicaCount: 10 })]), []);
    });

    it("its pods are a Job's: no data ports judged, and a Service selecting them selects pods", async () => {
        const svc: ManifestObject = { apiVersion: "v1", kind: "Service", metadata: { name: "worker", namespace: "lab" }, spec: { selector: { app: "worker" }, ports: [{ port: 80 }] } };
        assert.deepStrictEqual(violationsOf(await checkObjects([scaledJob("worker", sized), svc]), "service-selects-pods"), []);
        const stray: ManifestObject = { ...svc, spec: { selector: { app: "other" }, ports: [{ port: 80 }] } };
        assert.strictEqual(violationsOf(await checkObjects([scaledJob("worker", sized), stray]), "service-selects-pods").length, 1);
    });
});

describe("Knative Services: their pods are judged, their scale and traffic are Knative's", () => {
    /** A Knative Service (serving.knative.dev/v1, kind Service) in namespace lab, its revision's pods at spec.template, as Knative's samples write it. */
    const ksvc = (name: string, container: Spec, group = "serving.knative.dev"): ManifestObject => ({
        apiVersion: `${group}/v1`, kind: "Service", metadata: { name, namespace: "lab" },
        spec: {
            template: {
                metadata: { annotations: { "autoscaling.knative.dev/min-scale": "1", "autoscaling.knative.dev/max-scale": "5" } },
                spec: { containers: [{ image: "ghcr.io/knative/helloworld-go:v1.17.0", ports: [{ containerPort: 8080 }], ...container }] },
            },
        },
    });
    const hardened = {
        resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } },
        securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, seccompProfile: { type: "RuntimeDefault" }, capabilities: { drop: ["ALL"] } },
    };

    it("its containers get the request, limit, quantity, image and Pod Security checks, named as a Knative Service", async () => {
        const run = await checkObjects([ksvc("hello", {})]);
        assert.match(violationsOf(run, "container-requests")[0].message, /Knative Service lab\/hello: container 1 \(unnamed\) has no cpu or memory request/);
        assert.match(violationsOf(run, "container-memory-limit")[0].message, /Knative Service lab\/hello: container 1 \(unnamed\) has no memory limit/);
        assert.match(violationsOf(run, "no-privilege-escalation")[0].message, /Knative Service lab\/hello: container 1 \(unnamed\) does not set securityContext\.allowPrivilegeEscalation/);
        const latest = await checkObjects([ksvc("hello", { ...hardened, image: "ghcr.io/knative/helloworld-go:latest" })]);
        assert.match(violationsOf(latest, "pinned-image-tag")[0].message, /Knative Service lab\/hello: container 1 \(unnamed\) runs ghcr\.io\/knative\/helloworld-go:latest/);
        // Knative names its containers itself, so a sample's often have none: the message counts them.
        const sidecar = ksvc("hello", hardened);
        const spec = (sidecar.spec as { template: { spec: { containers: Spec[] } } }).template.spec;
        spec.containers.push({ image: "example/sidecar:1.0.0" });
        assert.match(violationsOf(await checkObjects([sidecar]), "container-requests")[0].message, /Knative Service lab\/hello: container 2 \(unnamed\) has no cpu or memory request/);
        const typo = await checkObjects([ksvc("hello", { ...hardened, resources: { requests: { cpu: "100m", memory: "64MB" } } })]);
        assert.match(violationsOf(typo, "valid-quantities")[0].message, /Knative Service lab\/hello: container 1 \(unnamed\) has resources\.requests\.memory "64MB"/);
    });

    it("advice on the pod's securityContext says Knative takes the container's (the pod's is behind a feature flag); other advice is unchanged", async () => {
        const run = await checkObjects([ksvc("hello", { resources: hardened.resources })]);
        const [nonRoot] = violationsOf(run, "run-as-non-root");
        assert.match(nonRoot.message, /set spec\.template\.spec\.securityContext\.runAsNonRoot: true \(or securityContext\.runAsNonRoot: true on the container\).*Knative takes these settings on each container; the pod's securityContext needs its kubernetes\.podspec-securitycontext feature\./s);
        assert.match(violationsOf(run, "seccomp-profile-required")[0].message, /kubernetes\.podspec-securitycontext/);
        assert.doesNotMatch(violationsOf(run, "drop-all-capabilities")[0].message, /podspec-securitycontext/);
        // A Deployment's advice carries no such note.
        const d = deployment("web", o => { delete (containerOf(o) as unknown as Spec).securityContext; });
        const plain = violationsOf(await checkObjects([d]), "run-as-non-root");
        assert.ok(plain.length > 0 && plain.every(v => !/Knative/.test(v.message)), plain.map(v => v.message).join("\n"));
    });

    it("a hardened Knative Service passes the whole pack, and the stack-wide rules leave it to Knative", async () => {
        const run = await checkObjects([ksvc("hello", hardened)]);
        assert.deepStrictEqual(run.diagnostics.map(d => `${d.policyName}: ${d.message}`), []);
        // Scale is Knative's: a quota that even one of its pods would overflow is not judged (a Deployment's would be).
        const quota: ManifestObject = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "quota", namespace: "lab" }, spec: { hard: { "requests.cpu": "50m" } } };
        assert.strictEqual(violationsOf(await checkObjects([quota, deployment("web", o => { containerOf(o).resources = hardened.resources; }, "lab")]), "quota-fit").length, 1);
        assert.deepStrictEqual(violationsOf(await checkObjects([quota, ksvc("hello", hardened)]), "quota-fit"), []);
        // Pod Security admission sees its pods after Knative's secure-pod-defaults may have filled them in: the namespace rule leaves them out, the controls still advise.
        const restricted: ManifestObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "lab", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } };
        const open = await checkObjects([restricted, ksvc("hello", { resources: hardened.resources })]);
        assert.deepStrictEqual(violationsOf(open, "pods-meet-namespace-level"), []);
        assert.strictEqual(violationsOf(open, "no-privilege-escalation").length, 1);
    });

    it("is told from a core Service and from another group's Service by its API group", async () => {
        // A core Service beside it, same name: still a Service to the routing rules, not a workload.
        const core: ManifestObject = { apiVersion: "v1", kind: "Service", metadata: { name: "hello", namespace: "lab" }, spec: { selector: { app: "none" }, ports: [{ port: 80 }] } };
        const run = await checkObjects([core, ksvc("hello", hardened)]);
        assert.strictEqual(violationsOf(run, "service-selects-pods").length, 1);
        assert.deepStrictEqual(violationsOf(run, "container-requests"), []);
        // example.com's Service with a template is some other controller's resource.
        const foreign = await checkObjects([ksvc("hello", { resources: { requests: { memory: "64MB" } } }, "example.com")]);
        assert.deepStrictEqual(foreign.diagnostics.filter(d => /Knative|container/.test(d.message)).map(d => d.message), []);
    });
});

describe("OpenKruise CloneSets: their pods are judged, their scaling is not modelled", () => {
    /** An apps.kruise.io CloneSet in namespace lab whose one container has exactly these resources. */
    const cloneSet = (name: string, resources: TestContainer["resources"], group = "apps.kruise.io"): ManifestObject => ({
        apiVersion: `${group}/v1alpha1`, kind: "CloneSet", metadata: { name, namespace: "lab" },
        spec: {
            replicas: 3, selector: { matchLabels: { app: name } }, updateStrategy: { type: "InPlaceIfPossible" },
            template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "web", image: "nginx:1.27.2", ports: [{ containerPort: 80 }], resources }] } },
        },
    });
    const sized = { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } };

    it("its containers get the request, limit and Pod Security checks, and a Service selecting its pods selects pods", async () => {
        const run = await checkObjects([cloneSet("web", {})]);
        assert.match(violationsOf(run, "container-requests")[0].message, /^Every container[^\n]*\nCloneSet lab\/web: container 'web' has no cpu or memory request/);
        assert.match(violationsOf(run, "container-memory-limit")[0].message, /CloneSet lab\/web: container 'web' has no memory limit/);
        assert.match(violationsOf(run, "no-privilege-escalation")[0].message, /CloneSet lab\/web: container 'web'/);
        const svc: ManifestObject = { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "lab" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } };
        assert.deepStrictEqual(violationsOf(await checkObjects([cloneSet("web", sized), svc]), "service-selects-pods"), []);
        // Another group's CloneSet is some other custom resource.
        assert.deepStrictEqual(violationsOf(await checkObjects([cloneSet("web", {}, "example.com")]), "container-requests"), []);
    });

    it("its claim templates get the claim checks a StatefulSet's do", async () => {
        const withClaims = cloneSet("web", sized);
        (withClaims.spec as Spec).volumeClaimTemplates = [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }];
        assert.match(violationsOf(await checkObjects([withClaims]), "claim-storage-class-expandable")[0].message, /CloneSet lab\/web claim template 'data'/);
    });

    it("is left out of the stack-wide rules: a quota even one of its pods overflows is not judged", async () => {
        const quota: ManifestObject = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "quota", namespace: "lab" }, spec: { hard: { "requests.cpu": "50m" } } };
        assert.deepStrictEqual(violationsOf(await checkObjects([quota, cloneSet("web", sized)]), "quota-fit"), []);
    });

    it("its pods meet the namespace's Pod Security level, as admission asks of every pod, and its namespace needs a default-deny policy", async () => {
        const restricted: ManifestObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "lab", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } };
        const run = await checkObjects([restricted, cloneSet("web", sized)]);
        assert.match(violationsOf(run, "pods-meet-namespace-level")[0]?.message ?? "", /CloneSet lab\/web/);
        assert.match(violationsOf(run, "namespace-default-deny-ingress")[0]?.message ?? "", /^[^\n]*\nNamespace lab runs CloneSet lab\/web but has no default-deny/);
    });
});

describe("OpenKruise's Advanced StatefulSet and Advanced DaemonSet, and Knative Configurations: their pods are judged, named as theirs", () => {
    const pod = (resources: TestContainer["resources"]) => ({ metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27.2", resources }] } });
    /** OpenKruise's StatefulSet or DaemonSet (apps.kruise.io), as its docs write them, or the same kind in `group`. */
    const kruise = (kind: "StatefulSet" | "DaemonSet", resources: TestContainer["resources"], group = "apps.kruise.io"): ManifestObject => ({
        apiVersion: `${group}/v1beta1`, kind, metadata: { name: "web", namespace: "lab" },
        spec: {
            ...(kind === "StatefulSet" ? { replicas: 3, serviceName: "web", podManagementPolicy: "Parallel" } : {}),
            selector: { matchLabels: { app: "web" } }, updateStrategy: { type: "RollingUpdate", rollingUpdate: { podUpdatePolicy: "InPlaceIfPossible" } },
            template: pod(resources),
        },
    });

    it("an Advanced StatefulSet's and an Advanced DaemonSet's containers get the per-pod checks; the same kinds of another group are no workloads", async () => {
        for (const [kind, label] of [["StatefulSet", "Advanced StatefulSet"], ["DaemonSet", "Advanced DaemonSet"]] as const) {
            const run = await checkObjects([kruise(kind, {})]);
            assert.match(violationsOf(run, "container-requests")[0]?.message ?? "", new RegExp(`\\n${label} lab/web: container 'web' has no cpu or memory request`), kind);
            assert.match(violationsOf(run, "no-privilege-escalation")[0]?.message ?? "", new RegExp(`${label} lab/web: container 'web'`), kind);
            assert.deepStrictEqual(violationsOf(await checkObjects([kruise(kind, {}, "example.com")]), "container-requests"), [], `${kind} of example.com`);
        }
    });

    it("an Advanced StatefulSet's claim templates get the claim checks; the stack-wide StatefulSet rules don't take it for one", async () => {
        const withClaims = kruise("StatefulSet", { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } });
        (withClaims.spec as Spec).volumeClaimTemplates = [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }];
        const run = await checkObjects([withClaims]);
        assert.match(violationsOf(run, "claim-storage-class-expandable")[0]?.message ?? "", /Advanced StatefulSet lab\/web claim template 'data'/);
        // A built-in StatefulSet names a governing Service it needs; OpenKruise's is not judged as one.
        assert.deepStrictEqual(run.diagnostics.filter(d => /serviceName|governing/.test(d.message)).map(d => d.message), []);
    });

    it("a Knative Configuration's revision pods get the per-pod checks, with Knative's note on the pod securityContext", async () => {
        const config: ManifestObject = { apiVersion: "serving.knative.dev/v1", kind: "Configuration", metadata: { name: "hello", namespace: "lab" }, spec: { template: { spec: { containers: [{ image: "ghcr.io/knative/helloworld-go:1.0" }] } } } };
        const run = await checkObjects([config]);
        assert.match(violationsOf(run, "container-requests")[0]?.message ?? "", /Knative Configuration lab\/hello: container 1 \(unnamed\) has no cpu or memory request/);
        assert.match(violationsOf(run, "seccomp-profile-required")[0]?.message ?? "", /kubernetes\.podspec-securitycontext/);
    });
});

describe("KEDA ScaledObjects count as autoscalers", () => {
    /** A keda.sh/v1alpha1 ScaledObject in namespace lab (scaleTargetRef defaults to an apps/v1 Deployment). */
    const scaledObject = (name: string, target: string, spec: Spec = {}): ManifestObject => ({
        apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject", metadata: { name, namespace: "lab" },
        spec: defined({ scaleTargetRef: { name: target }, minReplicaCount: 2, maxReplicaCount: 10, triggers: [{ type: "cpu", metricType: "Utilization", metadata: { value: "60" } }], ...spec }),
    });

    it("hpa-target-requests: a cpu trigger needs cpu requests (KEDA's webhook asks for them for AverageValue too); event triggers don't; the target must exist", async () => {
        const noCpu = scaled("worker", { requests: { memory: "64Mi" } });
        assert.deepStrictEqual(await messages("hpa-target-requests", [noCpu, scaledObject("worker", "worker")]), [
            "ScaledObject lab/worker scales Deployment lab/worker on cpu, but its container 'worker' requests no cpu (\"missing request for cpu\": the HPA never scales); set resources.requests.cpu on it.",
        ]);
        // The deprecated metadata.type works too, AverageValue needs the request as well; a queue trigger needs none, nor a limit-only container.
        assert.strictEqual((await messages("hpa-target-requests", [noCpu, scaledObject("worker", "worker", { triggers: [{ type: "cpu", metadata: { type: "Utilization", value: "60" } }] })])).length, 1);
        assert.strictEqual((await messages("hpa-target-requests", [noCpu, scaledObject("worker", "worker", { triggers: [{ type: "cpu", metricType: "AverageValue", metadata: { value: "200m" } }] })])).length, 1);
        assert.deepStrictEqual(await messages("hpa-target-requests", [noCpu, scaledObject("worker", "worker", { triggers: [{ type: "rabbitmq", metadata: { queueName: "jobs" } }] })]), []);
        assert.deepStrictEqual(await messages("hpa-target-requests", [scaled("worker", { limits: { cpu: "200m", memory: "64Mi" } }), scaledObject("worker", "worker")]), []);
        assert.match((await messages("hpa-target-requests", [scaledObject("worker", "ghost")]))[0], /^ScaledObject lab\/worker targets Deployment lab\/ghost, which the stack does not create/);
        // KEDA's kind defaults to Deployment; the name it can't guess.
        assert.deepStrictEqual(await messages("hpa-target-requests", [scaledObject("worker", "ghost", { scaleTargetRef: {} })]), [
            "ScaledObject lab/worker names no target (its spec.scaleTargetRef has no name), so it has nothing to scale. Set spec.scaleTargetRef to the kind and name of a workload in its namespace.",
        ]);
    });

    it("hpa-replicas-not-pinned: a pinned spec.replicas fights KEDA's HPA too", async () => {
        const pinned = deployment("worker");
        assert.match((await messages("hpa-replicas-not-pinned", [pinned, scaledObject("worker", "worker")]))[0], /^Deployment lab\/worker pins spec\.replicas: \d+ while ScaledObject lab\/worker scales it/);
    });

    it("hpa-sane-range: one autoscaler per workload, KEDA's bounds by their own names, and scale-to-zero is no floor violation", async () => {
        const worker = scaled("worker", { requests: { cpu: "50m", memory: "64Mi" } });
        const both = await messages("hpa-sane-range", [worker, hpa("worker", "worker"), scaledObject("worker", "worker")]);
        assert.deepStrictEqual(both.length, 1);
        assert.match(both[0], /^ScaledObject lab\/worker and HorizontalPodAutoscaler lab\/worker both target Deployment lab\/worker: KEDA's admission webhook refuses a ScaledObject/);
        assert.deepStrictEqual(await messages("hpa-sane-range", [worker, scaledObject("worker", "worker", { minReplicaCount: 5, maxReplicaCount: 5 })]), [
            "ScaledObject lab/worker has maxReplicaCount 5 and minReplicaCount 5: it can never scale; set maxReplicaCount above minReplicaCount.",
        ]);
        const floor = { "hpa-sane-range": { minReplicasFloor: 2 } };
        const queue = { minReplicaCount: 0, triggers: [{ type: "rabbitmq", metadata: { queueName: "jobs" } }] };
        assert.deepStrictEqual(await messages("hpa-sane-range", [worker, scaledObject("worker", "worker", queue)], floor), [], "scales to 0 between jobs by design");
        // cpu and memory triggers can't scale to 0: KEDA refuses minReplicaCount 0 (its default) with only those, whatever the floor.
        assert.deepStrictEqual(await messages("hpa-sane-range", [worker, scaledObject("worker", "worker", { minReplicaCount: undefined })]), [
            "ScaledObject lab/worker has only cpu and memory triggers and minReplicaCount unset (0), which KEDA's admission webhook refuses (they can't scale to 0); set minReplicaCount: 1 or more.",
        ]);
        assert.deepStrictEqual(await messages("hpa-sane-range", [worker, scaledObject("worker", "worker", { triggers: [] })]), [
            "ScaledObject lab/worker has no triggers, which KEDA refuses: a ScaledObject scales on at least one (cpu, memory, or an event source).",
        ]);
        assert.deepStrictEqual(await messages("hpa-sane-range", [worker, scaledObject("worker", "worker", { minReplicaCount: 1 })], floor), [
            "ScaledObject lab/worker has minReplicaCount 1, below the floor 2 (policy config minReplicasFloor); raise minReplicaCount.",
        ]);
    });

    it("hpa-sane-range: a ScaledObject taking over an HPA (transfer-hpa-ownership) is not a second autoscaler", async () => {
        const worker = scaled("worker", { requests: { cpu: "50m", memory: "64Mi" } });
        const taking = scaledObject("worker", "worker", { advanced: { horizontalPodAutoscalerConfig: { name: "worker-hpa" } } });
        (taking.metadata as { annotations?: Record<string, string> }).annotations = { "scaledobject.keda.sh/transfer-hpa-ownership": "true" };
        assert.deepStrictEqual(await messages("hpa-sane-range", [worker, hpa("worker-hpa", "worker"), taking]), []);
        // Without the annotation, or naming another HPA, it is refused.
        const naming = scaledObject("worker", "worker", { advanced: { horizontalPodAutoscalerConfig: { name: "worker-hpa" } } });
        assert.strictEqual((await messages("hpa-sane-range", [worker, hpa("worker-hpa", "worker"), naming])).length, 1);
        assert.strictEqual((await messages("hpa-sane-range", [worker, hpa("other-hpa", "worker"), taking])).length, 1);
    });

    it("quota-fit: a ScaledObject's maxReplicaCount is the workload's full scale", async () => {
        const quota: ManifestObject = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace: "lab" }, spec: { hard: { "requests.cpu": "1" } } };
        const worker = scaled("worker", { requests: { cpu: "100m", memory: "64Mi" } });
        assert.deepStrictEqual(await messages("quota-fit", [quota, worker, scaledObject("worker", "worker", { maxReplicaCount: 10 })]), []);
        const found = await messages("quota-fit", [quota, worker, scaledObject("worker", "worker", { maxReplicaCount: undefined })]);
        assert.strictEqual(found.length, 1);
        assert.match(found[0], /Deployment worker 100×100m = 10 \(ScaledObject max\)/);
    });

    it("rwo-claim-single-writer: KEDA's maxReplicaCount (100 when unset) counts as the largest scale", async () => {
        const claim: ManifestObject = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "lab" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } };
        const worker = scaled("worker", { requests: { cpu: "50m", memory: "64Mi" } });
        (specOf(worker).template.spec as unknown as Spec).volumes = [{ name: "data", persistentVolumeClaim: { claimName: "data" } }];
        const found = await messages("rwo-claim-single-writer", [claim, worker, scaledObject("worker", "worker", { maxReplicaCount: undefined })]);
        assert.ok(found.some(m => /ScaledObject lab\/worker may scale it to 100 pods; set maxReplicaCount: 1/.test(m)), found.join("\n"));
    });
});

describe("policy pdb-allows-disruption", () => {
    const P = "pdb-allows-disruption";
    /** A budget in namespace lab; `selector` "none" leaves it out. */
    const pdb = (rule: Spec, selector: unknown = { matchLabels: { app: "api" } }, name = "api", apiVersion = "policy/v1"): ManifestObject =>
        ({ apiVersion, kind: "PodDisruptionBudget", metadata: { name, namespace: "lab" }, spec: { ...(selector === "none" ? {} : { selector }), ...rule } });
    const replicas = (n: number) => deployment("api", d => { specOf(d).replicas = n; });

    it("computes allowed disruptions as the disruption controller does, percentages rounded up", async () => {
        const cases: [pods: number, rule: Spec, allowed: boolean][] = [
            [3, { maxUnavailable: 1 }, true],
            [3, { maxUnavailable: "10%" }, true], // ceil(0.3) = 1
            [3, { maxUnavailable: 0 }, false],
            [3, { minAvailable: 2 }, true],
            [3, { minAvailable: "50%" }, true], // ceil(1.5) = 2 → 1 allowed
            [3, { minAvailable: "67%" }, false], // ceil(2.01) = 3 → 0 allowed
            [2, { minAvailable: "50%" }, true],
            [2, { minAvailable: 2 }, false],
            [1, { minAvailable: 1 }, false],
            [1, { maxUnavailable: 1 }, true],
            [3, {}, true], // no constraint
        ];
        for (const [pods, rule, allowed] of cases) {
            const found = await messages(P, [replicas(pods), pdb(rule)]);
            assert.strictEqual(found.length, allowed ? 0 : 1, `${pods} pods, ${JSON.stringify(rule)}: ${found.join(" ")}`);
        }
    });

    it("names the budget, the pods and the fix", async () => {
        const run = await checkObjects([replicas(2), pdb({ minAvailable: 2 })]);
        const [v] = violationsOf(run, P);
        assert.strictEqual(v.urn, manifestUrn(pdb({})));
        assert.strictEqual(v.message.split("\n")[1],
            "PodDisruptionBudget lab/api (minAvailable 2) allows no disruption of Deployment lab/api at 2 pod(s): node drains would block. Set minAvailable to at most 1 (or use maxUnavailable: 1).");
        assert.deepStrictEqual(await messages(P, [replicas(1), pdb({ minAvailable: 1 })]), [
            "PodDisruptionBudget lab/api (minAvailable 1) allows no disruption of Deployment lab/api at 1 pod(s): node drains would block. " +
            "One pod can't stay available through a drain: run at least 2 pods (minReplicas 2), or use maxUnavailable: 1.",
        ]);
        assert.match((await messages(P, [replicas(3), pdb({ maxUnavailable: 0 })]))[0], /\(maxUnavailable 0\) allows no disruption of Deployment lab\/api at 3 pod\(s\): node drains would block\. Set maxUnavailable: 1\.$/);
    });

    it("counts an autoscaled workload at its minReplicas", async () => {
        const autoscaled = deployment("api", noReplicas);
        assert.match((await messages(P, [autoscaled, hpa("api", "api", { minReplicas: 2 }), pdb({ minAvailable: "100%" })]))[0], /at 2 pod\(s\) \(its autoscaler's minReplicas\)/);
        assert.deepStrictEqual(await messages(P, [autoscaled, hpa("api", "api", { minReplicas: 3 }), pdb({ minAvailable: 2 })]), []);
        assert.strictEqual((await messages(P, [autoscaled, hpa("api", "api", { minReplicas: 2 }), pdb({ minAvailable: 2 })])).length, 1);
    });

    it("adds up every workload a budget selects, as the controller counts its pods", async () => {
        const version = (v: string) => deployment(`web-${v}`, d => { specOf(d).replicas = 1; specOf(d).template.metadata.labels = { app: "web", version: v }; });
        const budget = pdb({ minAvailable: 1 }, { matchLabels: { app: "web" } }, "web");
        assert.deepStrictEqual(await messages(P, [version("v1"), version("v2"), budget]), [], "2 pods, 1 may go");
        assert.deepStrictEqual(await messages(P, [version("v1"), version("v2"), pdb({ minAvailable: 2 }, { matchLabels: { app: "web" } }, "web")]), [
            "PodDisruptionBudget lab/web (minAvailable 2) allows no disruption of Deployment lab/web-v1 and Deployment lab/web-v2 at 2 pod(s): node drains would block. Set minAvailable to at most 1 (or use maxUnavailable: 1).",
        ]);
    });

    it("evaluates selectors as Kubernetes does: expressions, and an empty selector (all in policy/v1, none in v1beta1)", async () => {
        assert.strictEqual((await messages(P, [replicas(1), pdb({ minAvailable: 1 }, { matchExpressions: [{ key: "app", operator: "In", values: ["api", "web"] }] })])).length, 1);
        assert.deepStrictEqual(await messages(P, [replicas(1), pdb({ minAvailable: 1 }, { matchExpressions: [{ key: "app", operator: "NotIn", values: ["api"] }] })]), []);
        assert.strictEqual((await messages(P, [replicas(1), pdb({ minAvailable: 1 }, {})])).length, 1, "policy/v1: {} selects every pod");
        assert.deepStrictEqual(await messages(P, [replicas(1), pdb({ minAvailable: 1 }, {}, "api", "policy/v1beta1")]), [], "policy/v1beta1: {} selects none");
        assert.deepStrictEqual(await messages(P, [replicas(1), pdb({ minAvailable: 1 }, "none")]), [], "no selector selects none");
    });

    it("reports invalid and contradictory budgets", async () => {
        assert.deepStrictEqual(await messages(P, [replicas(3), pdb({ maxUnavailable: "1" })]), [
            "PodDisruptionBudget lab/api has maxUnavailable 1, which is neither a non-negative integer nor a percentage such as \"50%\"; the API server rejects it.",
        ]);
        assert.match((await messages(P, [replicas(3), pdb({ minAvailable: 1, maxUnavailable: 1 })]))[0], /sets both minAvailable and maxUnavailable/);
    });

    it("reports pods covered by two budgets: the eviction API refuses them", async () => {
        const run = await checkObjects([replicas(3), pdb({ maxUnavailable: 1 }), pdb({ maxUnavailable: 1 }, { matchLabels: { app: "api" } }, "api-extra")]);
        const found = violationsOf(run, P);
        assert.strictEqual(found.length, 1);
        assert.strictEqual(found[0].urn, manifestUrn(pdb({}, undefined, "api-extra")));
        assert.match(found[0].message, /Deployment lab\/api: its pods are selected by PodDisruptionBudget lab\/api and PodDisruptionBudget lab\/api-extra; the eviction API refuses/);
    });

    it("does not apply to budgets selecting nothing, DaemonSets, or workloads scaled to 0", async () => {
        assert.deepStrictEqual(await messages(P, [deployment("other"), pdb({ minAvailable: 5 })]), [], "selects nothing");
        const ds: ManifestObject = { ...replicas(1), kind: "DaemonSet" };
        assert.deepStrictEqual(await messages(P, [ds, pdb({ minAvailable: 1 })]), [], "drains leave DaemonSet pods alone");
        assert.deepStrictEqual(await messages(P, [replicas(0), pdb({ minAvailable: 1 })]), [], "no pods, nothing to block");
    });

    it("scales int-or-percent values like intstr.GetScaledValueFromIntOrPercent", () => {
        assert.strictEqual(scaledIntOrPercent("34%", 3, true), 2);
        assert.strictEqual(scaledIntOrPercent("34%", 3, false), 1);
        assert.strictEqual(scaledIntOrPercent(2, 3, true), 2);
        for (const bad of ["1", "1.5%", "x%", -1, 1.5, null]) {
            assert.strictEqual(scaledIntOrPercent(bad, 3, true), undefined, String(bad));
        }
    });
});

describe("policy quota-fit", () => {
    const P = "quota-fit";
    const quota = (hard: Spec, extra: Spec = {}, namespace = "lab"): ManifestObject => ({ apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace }, spec: { hard, ...extra } });
    // api: HPA max 10 × 50m = 500m, 10 × 64Mi = 640Mi; worker: 2 × 50m = 100m, 2 × 64Mi = 128Mi → 600m, 768Mi.
    const objects = [deployment("api", noReplicas), hpa("api", "api"), deployment("worker")];

    it("passes workloads that fit exactly at full scale", async () => {
        assert.deepStrictEqual(await messages(P, [...objects, quota({ "requests.cpu": "600m", "requests.memory": "768Mi", "limits.memory": "1536Mi", pods: 12 })]), []);
        assert.deepStrictEqual(await messages(P, [...objects, quota({ cpu: "0.6", memory: "805306368" })]), [], "short forms, other units");
    });

    it("reports the total against the hard limit with each workload's share, on the quota's URN", async () => {
        const run = await checkObjects([...objects, quota({ "requests.cpu": "500m" })]);
        const found = violationsOf(run, P);
        assert.strictEqual(found.length, 1);
        assert.strictEqual(found[0].urn, manifestUrn(quota({})));
        assert.strictEqual(found[0].message.split("\n")[1],
            "ResourceQuota lab/q: requests.cpu is 500m, but the workloads of namespace lab need 600m at full scale (Deployment api 10×50m = 500m (HPA max); Deployment worker 2×50m = 100m). " +
            "The API server refuses pods past the quota (\"exceeded quota\"), so whichever workload scales out last stays short of its replicas. Raise the quota or lower replicas, maxReplicas or requests.");
    });

    it("checks memory and limits, and says when even the smallest scale does not fit", async () => {
        assert.deepStrictEqual(await messages(P, [...objects, quota({ memory: "200Mi", "limits.memory": "1Gi" })]), [
            "ResourceQuota lab/q: memory is 200Mi, but the workloads of namespace lab need 768Mi at full scale (Deployment api 10×64Mi = 640Mi (HPA max); Deployment worker 2×64Mi = 128Mi). " +
            "The API server refuses pods past the quota (\"exceeded quota\"), so whichever workload scales out last stays short of its replicas; even at their smallest scale they need 256Mi, so some pods can never start. " +
            "Raise the quota or lower replicas, maxReplicas or requests.",
            "ResourceQuota lab/q: limits.memory is 1Gi, but the workloads of namespace lab need 1536Mi at full scale (Deployment api 10×128Mi = 1280Mi (HPA max); Deployment worker 2×128Mi = 256Mi). " +
            "The API server refuses pods past the quota (\"exceeded quota\"), so whichever workload scales out last stays short of its replicas. Raise the quota or lower replicas, maxReplicas or requests.",
        ]);
    });

    it("reports the pod count", async () => {
        assert.deepStrictEqual(await messages(P, [...objects, quota({ pods: "10" })]), [
            "ResourceQuota lab/q: pods is 10, but the workloads of namespace lab run 12 pods at full scale (Deployment api 10 (HPA max); Deployment worker 2); pods past the quota are refused. Raise the quota or lower replicas or maxReplicas.",
        ]);
    });

    it("sums pods as the quota does: init containers at their peak, sidecars alongside, Jobs by parallelism, DaemonSets once", async () => {
        const withInit = deployment("batch", d => {
            specOf(d).replicas = 1;
            containerOf(d).resources = { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "64Mi" } };
            specOf(d).template.spec.initContainers = [
                { name: "warm", resources: { requests: { cpu: "300m", memory: "64Mi" }, limits: { memory: "64Mi" } } }, // peak 300m alone
                { name: "proxy", restartPolicy: "Always", resources: { requests: { cpu: "50m", memory: "16Mi" }, limits: { memory: "16Mi" } } },
            ];
        });
        // batch: max(100m + 50m sidecar, 300m init) = 300m.
        assert.deepStrictEqual(await messages(P, [withInit, quota({ "requests.cpu": "300m" })]), []);
        assert.match((await messages(P, [withInit, quota({ "requests.cpu": "299m" })]))[0], /need 300m at full scale \(Deployment batch 1×300m = 300m\)/);
        const job: ManifestObject = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "load", namespace: "lab" }, spec: { parallelism: 4, completions: 3, template: specOf(deployment("load")).template } };
        const ds: ManifestObject = { ...deployment("agent"), kind: "DaemonSet" };
        assert.match((await messages(P, [job, ds, quota({ "requests.cpu": "100m" })]))[0], /need 200m at full scale \(Job load 3×50m = 150m; DaemonSet agent 1×50m = 50m \(counted for one node\)\)/);
    });

    it("reports containers that would be rejected for lacking what the quota tracks, unless a LimitRange fills it in", async () => {
        const noCpuLimit = quota({ "limits.cpu": "10", "requests.cpu": "10" });
        const run = await checkObjects([deployment("web"), noCpuLimit]);
        const [v, ...rest] = violationsOf(run, P);
        assert.deepStrictEqual(rest, []);
        assert.strictEqual(v.urn, manifestUrn(deployment("web")));
        assert.strictEqual(v.message.split("\n")[1],
            "Deployment lab/web: container 'web' sets no limits.cpu, which ResourceQuota lab/q tracks; the API server rejects its pods (\"must specify limits.cpu\"). " +
            "Set resources.limits.cpu, or give namespace lab a LimitRange with defaults.");
        const defaults: ManifestObject = { apiVersion: "v1", kind: "LimitRange", metadata: { name: "d", namespace: "lab" }, spec: { limits: [{ type: "Container", default: { cpu: "500m" } }] } };
        assert.deepStrictEqual(await messages(P, [deployment("web"), noCpuLimit, defaults]), []);
    });

    it("checks each quota of a namespace on its own", async () => {
        const second: ManifestObject = { ...quota({ "requests.cpu": "10", "limits.cpu": "1" }), metadata: { name: "q2", namespace: "lab" } };
        const run = await checkObjects([...objects, quota({ "requests.cpu": "500m" }), second]);
        const found = violationsOf(run, P).map(v => ({ urn: v.urn, text: v.message.split("\n")[1] }));
        assert.deepStrictEqual(found.map(f => f.text.slice(0, f.text.indexOf(","))), [
            "ResourceQuota lab/q: requests.cpu is 500m",
            "Deployment lab/api: container 'api' sets no limits.cpu",
            "Deployment lab/worker: container 'worker' sets no limits.cpu",
        ]);
        assert.deepStrictEqual(found.map(f => f.urn), [manifestUrn(quota({})), manifestUrn(objects[0]), manifestUrn(objects[2])]);
        assert.match(found[1].text, /which ResourceQuota lab\/q2 tracks/);
    });

    it("reads a replica count that is no count as unset, as the API server's schema check refuses it: no sum of strings", async () => {
        const odd = [deployment("a", d => { (d.spec as Spec).replicas = "3"; }), deployment("b", d => { (d.spec as Spec).replicas = [5]; })];
        assert.deepStrictEqual(await messages(P, [...odd, quota({ pods: "1" })]), [
            "ResourceQuota lab/q: pods is 1, but the workloads of namespace lab run 2 pods at full scale (Deployment a 1; Deployment b 1); pods past the quota are refused. Raise the quota or lower replicas or maxReplicas.",
        ]);
    });

    it("counts the pods an operator runs for its custom resource, by their main container, and the containers that lack what the quota tracks", async () => {
        const pg: ManifestObject = { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: { name: "pg", namespace: "lab" }, spec: { instances: 3, storage: { size: "1Gi" }, resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } } } };
        assert.deepStrictEqual(await messages(P, [...objects, pg, quota({ "requests.cpu": "3", pods: "14" })]), [
            "ResourceQuota lab/q: requests.cpu is 3, but the workloads of namespace lab need 3600m at full scale (Deployment api 10×50m = 500m (HPA max); Deployment worker 2×50m = 100m; CloudNativePG Cluster pg postgres container 3×1 = 3). " +
            "The API server refuses pods past the quota (\"exceeded quota\"), so whichever workload scales out last stays short of its replicas; even at their smallest scale they need 3200m, so some pods can never start. " +
            "Raise the quota or lower replicas, maxReplicas or requests.",
            "ResourceQuota lab/q: pods is 14, but the workloads of namespace lab run 15 pods at full scale (Deployment api 10 (HPA max); Deployment worker 2; CloudNativePG Cluster pg postgres container 3); pods past the quota are refused. Raise the quota or lower replicas or maxReplicas.",
        ]);
        const bare: ManifestObject = { ...pg, spec: { instances: 3, storage: { size: "1Gi" } } };
        assert.deepStrictEqual(await messages(P, [bare, quota({ "requests.cpu": "10" })]), [
            "CloudNativePG Cluster lab/pg: postgres container sets no requests.cpu, which ResourceQuota lab/q tracks; the API server rejects its pods (\"must specify requests.cpu\"). " +
            "Set spec.resources.requests.cpu, or give namespace lab a LimitRange with defaults (which also reach the containers its operator adds beside it, whose resources this resource may not set).",
        ]);
    });

    it("does not apply to other namespaces, scoped quotas, or quotas on other resources", async () => {
        assert.deepStrictEqual(await messages(P, [...objects, quota({ "requests.cpu": "1m" }, {}, "other")]), []);
        assert.deepStrictEqual(await messages(P, [...objects, quota({ "requests.cpu": "1m" }, { scopes: ["BestEffort"] })]), []);
        assert.deepStrictEqual(await messages(P, [...objects, quota({ "requests.storage": "1Gi", "count/deployments.apps": "1" })]), []);
    });
});
