/**
 * The shared components render what their Args say.
 */
import * as k8s from "@pulumi/kubernetes";
import * as assert from "assert";
import { StatefulStore, StatefulStoreArgs } from "../components/stateful-store";
import { WebService, WebServiceArgs } from "../components/web-service";
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

const web = (extra: Partial<WebServiceArgs> = {}): WebServiceArgs => ({
    namespace: "lab", name: "web", partOf: "test", image: "example/web:1.0.0", port: 8080,
    resources: { cpu: "50m", memory: "64Mi", memoryLimit: "128Mi" },
    readiness: { httpGet: "/ready" }, ...extra,
});

describe("WebService", function () {
    this.timeout(20000);

    it("renders a Deployment and a Service with requests, limits, probes and the selector", async () => {
        const objects = await render(() => new WebService("t", web({ replicas: 2, liveness: { tcp: true }, env: { A: "1" } })));
        assert.deepStrictEqual(objects.map(o => o.kind).sort(), ["Deployment", "PodDisruptionBudget", "Service"]);
        const d = only<out.apps.v1.Deployment>(objects, "Deployment");
        const c = d.spec.template.spec.containers[0];
        assert.deepStrictEqual(c.resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } });
        assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/ready", port: 8080 });
        assert.deepStrictEqual(c.livenessProbe.tcpSocket, { port: 8080 });
        assert.deepStrictEqual(c.env, [{ name: "A", value: "1" }]);
        assert.strictEqual(d.spec.replicas, 2);
        assert.strictEqual(d.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable, "ScheduleAnyway");
        const s = only<out.core.v1.Service>(objects, "Service");
        assert.deepStrictEqual(s.spec.selector, { app: "web" });
        assert.strictEqual(s.spec.type, "ClusterIP");
    });

    it("under an autoscaler leaves spec.replicas out and targets the Deployment on CPU", async () => {
        const objects = await render(() => new WebService("t", web({ autoscale: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 50 } })));
        const d = only<out.apps.v1.Deployment>(objects, "Deployment");
        assert.strictEqual(d.spec.replicas, undefined);
        const hpa = only<out.autoscaling.v2.HorizontalPodAutoscaler>(objects, "HorizontalPodAutoscaler");
        assert.deepStrictEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "web" });
        assert.strictEqual(hpa.spec.minReplicas, 2);
        assert.strictEqual(hpa.spec.maxReplicas, 10);
        assert.strictEqual(hpa.spec.metrics[0].resource.target.averageUtilization, 50);
        only<out.policy.v1.PodDisruptionBudget>(objects, "PodDisruptionBudget");
    });

    it("adds no disruption budget for a single pod, and an Ingress when asked", async () => {
        const objects = await render(() => new WebService("t", web({ replicas: 1, spread: "required", ingress: { className: "nginx", host: "a.example.com", paths: ["/x"] } })));
        assert.ok(!objects.some(o => o.kind === "PodDisruptionBudget"));
        const d = only<out.apps.v1.Deployment>(objects, "Deployment");
        assert.strictEqual(d.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable, "DoNotSchedule");
        const ing = only<out.networking.v1.Ingress>(objects, "Ingress");
        assert.strictEqual(ing.spec.rules[0].host, "a.example.com");
        assert.deepStrictEqual(ing.spec.rules[0].http.paths[0].backend.service, { name: "web", port: { number: 80 } });
    });

    it("refuses replicas together with autoscale, and a bad autoscale range", async () => {
        await assert.rejects(render(() => new WebService("t", web({ replicas: 2, autoscale: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 50 } }))),
            (e: ProgramFailure) => /WebService t: give either replicas or autoscale, not both/.test(e.message));
        await assert.rejects(render(() => new WebService("t", web({ autoscale: { minReplicas: 3, maxReplicas: 3, cpuUtilization: 50 } }))),
            (e: ProgramFailure) => /minReplicas < maxReplicas, got 3\.\.3/.test(e.message));
    });
});

const store = (extra: Partial<StatefulStoreArgs> = {}): StatefulStoreArgs => ({
    namespace: "lab", name: "db", partOf: "test", replicas: 3, image: "postgres:17", port: 5432, portName: "postgres",
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

    it("reports ordinal pod and claim names", async () => {
        let s: StatefulStore | undefined;
        await render(() => { s = new StatefulStore("t", store()); });
        assert.deepStrictEqual(s?.podNames, ["db-0", "db-1", "db-2"]);
        assert.deepStrictEqual(s?.claimNames, ["data-db-0", "data-db-1", "data-db-2"]);
    });

    it("protects the StatefulSet and keeps it on delete only with protectData", async () => {
        for (const protectData of [false, true]) {
            const recording = await recordProgram(async () => { new StatefulStore("t", store({ protectData })); return {}; }, { stack: "test", config: {} });
            const sts = recording.resources.find(r => r.type === "kubernetes:apps/v1:StatefulSet")!;
            assert.strictEqual(sts.options.protect, protectData);
            assert.strictEqual(sts.options.retainOnDelete, protectData);
        }
    });
});
