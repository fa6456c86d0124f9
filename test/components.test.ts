/**
 * The shared components render what their Args say.
 */
import * as k8s from "@pulumi/kubernetes";
import * as assert from "assert";
import { StatefulStore, StatefulStoreArgs } from "../components/stateful-store";
import { VolumeLedger } from "../components/volume-growth";
import { FrontDoor, FrontDoorArgs } from "../components/front-door";
import { IMAGE_SECURITY, ImageSecurity } from "../components/security";
import { Workload, WorkloadArgs } from "../components/workload";
import { ProgramFailure, recordProgram } from "../tools/recorder";
import { RenderedObject, renderObjects } from "../tools/render";
import { validateObjects } from "../tools/validate";
import out = k8s.types.output;

/** Records a program that builds one component, and renders its objects. */
async function render(build: () => void): Promise<RenderedObject[]> {
    const recording = await recordProgram(async () => { build(); return {}; }, { stack: "test", config: {} });
    const objects = renderObjects(recording);
    assert.deepStrictEqual(await validateObjects(objects), []);
    return objects;
}

function only<T>(objects: RenderedObject[], kind: string): T {
    const found = objects.filter(o => o.kind === kind);
    assert.strictEqual(found.length, 1, `${kind}: ${found.length}`);
    return found[0].object as unknown as T;
}

/** A test image that runs as 1000 and writes nothing but /tmp. */
const WEB_SECURITY: ImageSecurity = { kind: "non-root", user: 1000, group: 1000, readOnlyRoot: { scratch: ["/tmp"] }, source: "test" };

const web = (extra: Partial<WorkloadArgs> = {}): WorkloadArgs => ({
    namespace: "lab", name: "web", partOf: "test", image: "example/web:1.0.0", security: WEB_SECURITY, port: 8080,
    resources: { cpu: "50m", memory: "64Mi", memoryLimit: "128Mi" },
    readiness: { httpGet: "/ready" }, ...extra,
});
const door = (extra: Partial<FrontDoorArgs> = {}): FrontDoorArgs => ({ namespace: "lab", name: "web", partOf: "test", ...extra });

/** Whether a selector selects pods with these labels. */
function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
    return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

describe("Workload", function () {
    this.timeout(20000);

    it("renders a Deployment with requests, limits, probes and the selector, and no Service", async () => {
        const objects = await render(() => new Workload("t", web({ replicas: 2, liveness: { tcp: true }, env: { A: "1" } })));
        assert.deepStrictEqual(objects.map(o => o.kind).sort(), ["Deployment", "PodDisruptionBudget"]);
        const d = only<out.apps.v1.Deployment>(objects, "Deployment");
        const c = d.spec.template.spec.containers[0];
        assert.deepStrictEqual(c.resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } });
        assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/ready", port: 8080 });
        assert.deepStrictEqual(c.livenessProbe.tcpSocket, { port: 8080 });
        assert.deepStrictEqual(c.env, [{ name: "A", value: "1" }]);
        assert.strictEqual(d.spec.replicas, 2);
        assert.deepStrictEqual(d.spec.selector.matchLabels, { app: "web" });
        assert.deepStrictEqual(d.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        assert.strictEqual(d.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable, "ScheduleAnyway");
    });

    it("runs its pods with the secure defaults: non-root user, seccomp, no token, no escalation, no capabilities, read-only root with /tmp scratch", async () => {
        const d = only<out.apps.v1.Deployment>(await render(() => new Workload("t", web())), "Deployment");
        const pod = d.spec.template.spec;
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.deepStrictEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
        const c = pod.containers[0];
        assert.deepStrictEqual(c.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true });
        assert.deepStrictEqual(c.volumeMounts, [{ name: "scratch-0", mountPath: "/tmp" }]);
        assert.deepStrictEqual(pod.volumes, [{ name: "scratch-0", emptyDir: {} }]);
    });

    it("runs an image that is a documented exception without a non-root user, but still without token, escalation or capabilities", async () => {
        const exception: ImageSecurity = { kind: "exception", reason: "needs root", source: "test" };
        const pod = only<out.apps.v1.Deployment>(await render(() => new Workload("t", web({ security: exception }))), "Deployment").spec.template.spec;
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.deepStrictEqual(pod.securityContext, { seccompProfile: { type: "RuntimeDefault" } });
        assert.deepStrictEqual(pod.containers[0].securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
        assert.strictEqual(pod.volumes, undefined);
        assert.strictEqual(pod.containers[0].volumeMounts, undefined);
    });

    it("labels pods with version and track, and selects by app and track", async () => {
        const objects = await render(() => new Workload("t", web({ replicas: 2, version: "v2", track: "canary", app: "web", name: "web-canary" })));
        const d = only<out.apps.v1.Deployment>(objects, "Deployment");
        assert.strictEqual(d.metadata.name, "web-canary");
        assert.strictEqual(d.spec.template.metadata.labels.version, "v2");
        assert.strictEqual(d.spec.template.metadata.labels.track, "canary");
        assert.deepStrictEqual(d.spec.selector.matchLabels, { app: "web", track: "canary" });
        const pdb = only<out.policy.v1.PodDisruptionBudget>(objects, "PodDisruptionBudget");
        assert.deepStrictEqual(pdb.spec.selector.matchLabels, { app: "web", track: "canary" });
    });

    it("under an autoscaler leaves spec.replicas out and targets the Deployment on CPU", async () => {
        const objects = await render(() => new Workload("t", web({ autoscale: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 50 } })));
        const d = only<out.apps.v1.Deployment>(objects, "Deployment");
        assert.strictEqual(d.spec.replicas, undefined);
        const hpa = only<out.autoscaling.v2.HorizontalPodAutoscaler>(objects, "HorizontalPodAutoscaler");
        assert.deepStrictEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "web" });
        assert.strictEqual(hpa.spec.minReplicas, 2);
        assert.strictEqual(hpa.spec.maxReplicas, 10);
        assert.strictEqual(hpa.spec.metrics[0].resource.target.averageUtilization, 50);
        only<out.policy.v1.PodDisruptionBudget>(objects, "PodDisruptionBudget");
    });

    it("adds no disruption budget for a single pod; Recreate and required spread when asked", async () => {
        const objects = await render(() => new Workload("t", web({ replicas: 1, spread: "required", strategy: { type: "Recreate" } })));
        assert.ok(!objects.some(o => o.kind === "PodDisruptionBudget"));
        const d = only<out.apps.v1.Deployment>(objects, "Deployment");
        assert.strictEqual(d.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable, "DoNotSchedule");
        assert.deepStrictEqual(d.spec.strategy, { type: "Recreate" });
    });

    it("refuses replicas together with autoscale, a bad autoscale range, negative or fractional replicas and a bad track", async () => {
        await assert.rejects(render(() => new Workload("t", web({ replicas: 2, autoscale: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 50 } }))),
            (e: ProgramFailure) => /Workload t: give either replicas or autoscale, not both/.test(e.message));
        await assert.rejects(render(() => new Workload("t", web({ autoscale: { minReplicas: 3, maxReplicas: 3, cpuUtilization: 50 } }))),
            (e: ProgramFailure) => /minReplicas < maxReplicas, got 3\.\.3/.test(e.message));
        for (const replicas of [-1, 1.5]) {
            await assert.rejects(render(() => new Workload("t", web({ replicas }))),
                (e: ProgramFailure) => /Workload t: replicas must be a whole number ≥ 0 \(0 only for an idle release/.test(e.message));
        }
        await assert.rejects(render(() => new Workload("t", web({ track: "can ary" }))),
            (e: ProgramFailure) => /Workload t: track must be a label value/.test(e.message));
    });
});

describe("Workload: what a release lesson's pods need", function () {
    this.timeout(20000);

    it("mounts volumes, adds sidecars under the same security, sets sysctls, names the container and the HPA, and idles at 0 replicas", async () => {
        const objects = await render(() => {
            new Workload("busy", web({
                name: "back", containerName: "be", command: ["/app"], autoscale: { minReplicas: 1, maxReplicas: 5, cpuUtilization: 50 }, hpaName: "back-hpa",
                volumes: [{ name: "logs", emptyDir: {} }], volumeMounts: [{ name: "logs", mountPath: "/var/log" }],
                sidecars: [{ name: "log", image: "busybox:1.36.1", command: ["tail", "-F", "/var/log/app.log"], resources: { cpu: "5m", memory: "8Mi", memoryLimit: "32Mi" }, readiness: { exec: ["true"] } }],
                sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }], alwaysDisruptionBudget: true,
            }));
            new Workload("idle", web({ name: "idle", track: "green", replicas: 0 }));
        });
        const back = objects.find(o => o.kind === "Deployment" && o.name === "back")!.object as unknown as out.apps.v1.Deployment;
        const pod = back.spec.template.spec;
        assert.deepStrictEqual(pod.containers.map(c => c.name), ["be", "log"]);
        assert.deepStrictEqual(pod.containers[0].command, ["/app"]);
        assert.ok(pod.containers[0].volumeMounts.some(m => m.name === "logs" && m.mountPath === "/var/log"));
        assert.deepStrictEqual(pod.containers[1].securityContext, pod.containers[0].securityContext, "the sidecar runs as locked down as the app");
        assert.deepStrictEqual(pod.securityContext.sysctls, [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }]);
        assert.ok(pod.volumes.some(v => v.name === "logs"));
        assert.ok(objects.some(o => o.kind === "HorizontalPodAutoscaler" && o.name === "back-hpa"));
        assert.ok(objects.some(o => o.kind === "PodDisruptionBudget" && o.name === "back"), "a budget even at minReplicas 1");
        const idle = objects.find(o => o.kind === "Deployment" && o.name === "idle")!.object as unknown as out.apps.v1.Deployment;
        assert.strictEqual(idle.spec.replicas, 0);
        assert.ok(!objects.some(o => o.kind === "PodDisruptionBudget" && o.name === "idle"));
    });
});

describe("FrontDoor", function () {
    this.timeout(20000);

    it("renders a Service selecting by app label only, and an Ingress when asked", async () => {
        const objects = await render(() => new FrontDoor("t", door({ ingress: { className: "nginx", host: "a.example.com", paths: ["/x"] } })));
        assert.deepStrictEqual(objects.map(o => o.kind).sort(), ["Ingress", "Service"]);
        const s = only<out.core.v1.Service>(objects, "Service");
        assert.deepStrictEqual(s.spec.selector, { app: "web" });
        assert.strictEqual(s.spec.type, "ClusterIP");
        assert.deepStrictEqual(s.spec.ports, [{ name: "http", port: 80, targetPort: "http" }]);
        const ing = only<out.networking.v1.Ingress>(objects, "Ingress");
        assert.strictEqual(ing.spec.ingressClassName, "nginx");
        assert.strictEqual(ing.spec.rules[0].host, "a.example.com");
        assert.deepStrictEqual(ing.spec.rules[0].http.paths[0], { path: "/x", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } });
    });

    it("refuses an app label inside pin", async () => {
        await assert.rejects(render(() => new FrontDoor("t", door({ pin: { app: "other" } }))), (e: ProgramFailure) => /FrontDoor t: pin adds labels/.test(e.message));
    });
});

describe("release strategies as compositions of Workload and FrontDoor", function () {
    this.timeout(20000);

    it("canary: two tracks of one app behind one front door, traffic by replica ratio", async () => {
        const objects = await render(() => {
            new Workload("stable", web({ name: "web-stable", app: "web", track: "stable", version: "v1", replicas: 3 }));
            new Workload("canary", web({ name: "web-canary", app: "web", track: "canary", version: "v2", replicas: 1 }));
            new FrontDoor("door", door());
        });
        const deployments = objects.filter(o => o.kind === "Deployment").map(o => o.object as unknown as out.apps.v1.Deployment);
        const svc = only<out.core.v1.Service>(objects, "Service");
        assert.strictEqual(deployments.length, 2);
        for (const d of deployments) {
            assert.ok(selects(svc.spec.selector, d.spec.template.metadata.labels), `the Service selects ${d.metadata.name}'s pods`);
        }
        const [a, b] = deployments;
        assert.ok(!selects(a.spec.selector.matchLabels, b.spec.template.metadata.labels), "each Deployment selects only its own pods");
        assert.ok(!selects(b.spec.selector.matchLabels, a.spec.template.metadata.labels), "each Deployment selects only its own pods");
        assert.deepStrictEqual(deployments.map(d => d.spec.replicas).sort(), [1, 3]);
    });

    it("blue/green: the front door pinned to one version selects only that colour's pods", async () => {
        const objects = await render(() => {
            new Workload("blue", web({ name: "web-blue", app: "web", track: "blue", version: "v1", replicas: 2 }));
            new Workload("green", web({ name: "web-green", app: "web", track: "green", version: "v2", replicas: 2 }));
            new FrontDoor("door", door({ pin: { version: "v2" } }));
        });
        const svc = only<out.core.v1.Service>(objects, "Service");
        const live = objects.filter(o => o.kind === "Deployment")
            .map(o => o.object as unknown as out.apps.v1.Deployment)
            .filter(d => selects(svc.spec.selector, d.spec.template.metadata.labels))
            .map(d => d.metadata.name);
        assert.deepStrictEqual(live, ["web-green"]);
    });
});


const store = (extra: Partial<StatefulStoreArgs> = {}): StatefulStoreArgs => ({
    namespace: "lab", name: "db", partOf: "test", replicas: 3, image: "postgres:17", security: IMAGE_SECURITY["nanomon-postgres"], port: 5432, portName: "postgres",
    resources: { cpu: "50m", memory: "100Mi", memoryLimit: "512Mi" },
    volume: { claimName: "data", mountPath: "/var/lib/postgresql/data", subPath: "pgdata", size: "1Gi", storageClassName: "fast" },
    protectData: false, ...extra,
});

describe("StatefulStore", function () {
    this.timeout(20000);

    it("renders a StatefulSet on a headless Service with one claim per pod, retained on delete and scale-down", async () => {
        const objects = await render(() => new StatefulStore("t", store({ configMounts: [{ configMapName: "init", mountPath: "/docker-entrypoint-initdb.d" }] })));
        const sts = only<out.apps.v1.StatefulSet>(objects, "StatefulSet");
        const svc = only<out.core.v1.Service>(objects, "Service");
        assert.strictEqual(svc.spec.clusterIP, "None");
        assert.strictEqual(sts.spec.serviceName, svc.metadata.name);
        assert.strictEqual(sts.spec.podManagementPolicy, "OrderedReady");
        assert.deepStrictEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        const t = sts.spec.volumeClaimTemplates[0];
        assert.strictEqual(t.spec.storageClassName, "fast");
        assert.deepStrictEqual(t.spec.resources.requests, { storage: "1Gi" });
        const mounts = sts.spec.template.spec.containers[0].volumeMounts;
        assert.deepStrictEqual(mounts, [
            { name: "data", mountPath: "/var/lib/postgresql/data", subPath: "pgdata" },
            { name: "config-0", mountPath: "/docker-entrypoint-initdb.d", readOnly: true },
        ]);
        assert.deepStrictEqual(sts.spec.template.spec.volumes, [{ name: "config-0", configMap: { name: "init" } }]);
    });

    it("gives the volume to the image's group (fsGroup) and runs as its user; a read-only root gets its scratch mounts before the store's own", async () => {
        const sts = only<out.apps.v1.StatefulSet>(await render(() => new StatefulStore("t", store())), "StatefulSet");
        assert.deepStrictEqual(sts.spec.template.spec.securityContext,
            { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: "RuntimeDefault" } });
        assert.strictEqual(sts.spec.template.spec.automountServiceAccountToken, false);
        assert.strictEqual(sts.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem, undefined, "postgres writes outside its volume");

        const mongo = only<out.apps.v1.StatefulSet>(await render(() => new StatefulStore("t", store({ security: IMAGE_SECURITY["smilr-mongodb"], volume: { claimName: "data", mountPath: "/data/db", size: "1Gi", storageClassName: "fast" } }))), "StatefulSet");
        const c = mongo.spec.template.spec.containers[0];
        assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
        assert.deepStrictEqual(c.volumeMounts, [{ name: "scratch-0", mountPath: "/tmp" }, { name: "data", mountPath: "/data/db" }]);
        assert.deepStrictEqual(mongo.spec.template.spec.volumes, [{ name: "scratch-0", emptyDir: {} }]);
    });

    it("reports ordinal pod and claim names", async () => {
        let s: StatefulStore | undefined;
        await render(() => { s = new StatefulStore("t", store()); });
        assert.deepStrictEqual(s?.podNames, ["db-0", "db-1", "db-2"]);
        assert.deepStrictEqual(s?.claimNames, ["data-db-0", "data-db-1", "data-db-2"]);
    });

    it("never protects the StatefulSet (a resize replaces it) and always deletes it with orphan propagation, so pods and claims stay", async () => {
        for (const protectData of [false, true]) {
            const recording = await recordProgram(async () => { new StatefulStore("t", store({ protectData })); return {}; }, { stack: "test", config: {} });
            const sts = recording.resources.find(r => r.type === "kubernetes:apps/v1:StatefulSet")!;
            assert.strictEqual(sts.options.protect, false);
            assert.strictEqual(sts.options.retainOnDelete, false);
            const annotations = (sts.inputs as { metadata: { annotations: Record<string, string> } }).metadata.annotations;
            assert.strictEqual(annotations["pulumi.com/deletionPropagationPolicy"], "orphan");
        }
    });

    it("grows every claim an earlier update left, scaled-down ones included, and records them; refuses a smaller fixed size by name", async () => {
        const ledger = new VolumeLedger({ t: { size: "1Gi", claims: 3 } }, false);
        const recording = await recordProgram(async () => {
            new StatefulStore("t", store({ replicas: 1, volume: { ...store().volume, size: "2Gi" }, volumeLedger: ledger }));
            return {};
        }, { stack: "test", config: {} });
        const patches = recording.resources.filter(r => r.type === "kubernetes:core/v1:PersistentVolumeClaimPatch");
        const name = store().name;
        const template = store().volume.claimName;
        assert.deepStrictEqual(patches.map(p => (p.inputs as { metadata: { name: string } }).metadata.name), [0, 1, 2].map(i => `${template}-${name}-${i}`));
        assert.deepStrictEqual(ledger.output(), { t: { size: "2Gi", claims: 3 } });
        const shrinking = new VolumeLedger({ t: { size: "1Gi", claims: 1 } }, false);
        await assert.rejects(
            recordProgram(async () => { new StatefulStore("t", store({ volume: { ...store().volume, size: "512Mi" }, volumeLedger: shrinking })); return {}; }, { stack: "test", config: {} }),
            /StatefulStore t: volume\.size: "512Mi" is not allowed; expected at least the deployed size 1Gi/,
        );
    });
});
