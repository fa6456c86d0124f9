/**
 * The MongoDB replica-set component (components/mongo-replica-set.ts) renders LABS.md §5: the
 * StatefulSet, its headless Service, the init Job named from the member list and running the
 * generated script, and the connection string.
 */
import * as k8s from "@pulumi/kubernetes";
import * as assert from "assert";
import { initJobName, replicaSetInitScript } from "../components/data/mongo-rs-init";
import { MongoReplicaSet, MongoReplicaSetArgs } from "../components/mongo-replica-set";
import { IMAGE_SECURITY } from "../components/security";
import { RecordedResource, recordProgram } from "../tools/recorder";
import { RenderedObject, renderObjects } from "../tools/render";
import { validateObjects } from "../tools/validate";
import out = k8s.types.output;

interface Rendered {
    objects: RenderedObject[];
    resources: RecordedResource[];
}

/** Records a program that builds one replica set, and renders its objects. */
async function render(extra: Partial<MongoReplicaSetArgs> = {}): Promise<Rendered> {
    const recording = await recordProgram(async () => {
        new MongoReplicaSet("rs", args(extra));
        return {};
    }, { stack: "test", config: {} });
    const objects = renderObjects(recording);
    assert.deepStrictEqual(await validateObjects(objects), []);
    return { objects, resources: recording.resources };
}

const args = (extra: Partial<MongoReplicaSetArgs> = {}): MongoReplicaSetArgs => ({
    namespace: "lab", partOf: "movies", replicas: 3, image: "mongo:5", security: IMAGE_SECURITY["movie-catalog-mongo"],
    storage: { size: "2Gi", storageClassName: "expandable" }, protectData: false, ...extra,
});

function only<T>(objects: RenderedObject[], kind: string): T {
    const found = objects.filter(o => o.kind === kind);
    assert.strictEqual(found.length, 1, `${kind}: ${found.map(o => o.name).join(", ")}`);
    return found[0].object as unknown as T;
}

describe("MongoReplicaSet (LABS.md §5)", function () {
    this.timeout(30000);
    let r: Rendered;

    before(async () => {
        r = await render();
    });

    it("renders StatefulSet mongo, headless Service mongo-service and one init Job, nothing else", () => {
        assert.deepStrictEqual(r.objects.map(o => `${o.kind} ${o.name}`).sort(),
            ["Job mongo-rs-init-" + initJobName({ statefulSetName: "mongo", serviceName: "mongo-service", replicas: 3, port: 27017, setName: "myReplicaSet" }).slice(-10),
                "PodDisruptionBudget mongo", "Service mongo-service", "StatefulSet mongo"]);
    });

    it("lets node drains stop only as many members as leave a majority to elect a primary", async () => {
        const budget = (x: Rendered) => x.objects.filter(o => o.kind === "PodDisruptionBudget").map(o => (o.object as unknown as out.policy.v1.PodDisruptionBudget).spec);
        const labels = only<out.apps.v1.StatefulSet>(r.objects, "StatefulSet").spec.template.metadata.labels;
        const [three] = budget(r);
        assert.strictEqual(three.maxUnavailable, 1);
        assert.ok(Object.entries(three.selector.matchLabels).every(([k, v]) => labels[k] === v));
        assert.strictEqual(budget(await render({ replicas: 5 }))[0].maxUnavailable, 2);
        assert.strictEqual(budget(await render({ replicas: 7 }))[0].maxUnavailable, 3);
        for (const replicas of [1, 2]) {
            assert.deepStrictEqual(budget(await render({ replicas })), [], `${replicas} members have no majority to spare`);
        }
    });

    it("StatefulSet mongo: 3 replicas in order, serviceName mongo-service, mongo:5 running mongod --replSet myReplicaSet --bind_ip_all on 27017", () => {
        const sts = only<out.apps.v1.StatefulSet>(r.objects, "StatefulSet");
        assert.strictEqual(sts.metadata.name, "mongo");
        assert.strictEqual(sts.metadata.namespace, "lab");
        assert.strictEqual(sts.spec.replicas, 3);
        assert.strictEqual(sts.spec.serviceName, "mongo-service");
        assert.strictEqual(sts.spec.podManagementPolicy, "OrderedReady");
        const c = sts.spec.template.spec.containers[0];
        assert.strictEqual(c.image, "mongo:5");
        assert.deepStrictEqual(c.command, ["mongod", "--replSet", "myReplicaSet", "--bind_ip_all"]);
        assert.deepStrictEqual(c.ports, [{ name: "mongodb", containerPort: 27017 }]);
        // `kubectl exec mongo-0 -- mongosh` keeps its files in the scratch /tmp, not on the data volume.
        assert.deepStrictEqual(c.env, [{ name: "HOME", value: "/tmp" }]);
        assert.ok(c.volumeMounts.some(m => m.mountPath === "/tmp"));
        // Readiness must not wait for membership: mongo-1 starts only once mongo-0 is Ready.
        assert.deepStrictEqual(c.readinessProbe.tcpSocket, { port: 27017 });
        assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory);
        assert.deepStrictEqual(sts.spec.template.spec.securityContext, { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: "RuntimeDefault" } });
    });

    it("claim template mongo-persistent-storage: ReadWriteOnce, 2Gi on the expandable class, mounted at /data/db, retained", () => {
        const sts = only<out.apps.v1.StatefulSet>(r.objects, "StatefulSet");
        assert.strictEqual(sts.spec.volumeClaimTemplates.length, 1);
        const [t] = sts.spec.volumeClaimTemplates;
        assert.strictEqual(t.metadata.name, "mongo-persistent-storage");
        assert.deepStrictEqual(t.spec.accessModes, ["ReadWriteOnce"]);
        assert.deepStrictEqual(t.spec.resources.requests, { storage: "2Gi" });
        assert.strictEqual(t.spec.storageClassName, "expandable");
        const mounts = sts.spec.template.spec.containers[0].volumeMounts;
        assert.deepStrictEqual(mounts.find(m => m.name === "mongo-persistent-storage"), { name: "mongo-persistent-storage", mountPath: "/data/db" });
        assert.deepStrictEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
    });

    it("Service mongo-service: headless, port 27017, selecting the members, publishing not-ready addresses", () => {
        const svc = only<out.core.v1.Service>(r.objects, "Service");
        assert.strictEqual(svc.metadata.name, "mongo-service");
        assert.strictEqual(svc.spec.clusterIP, "None");
        assert.deepStrictEqual(svc.spec.ports, [{ name: "mongodb", port: 27017, targetPort: "mongodb" }]);
        assert.strictEqual(svc.spec.publishNotReadyAddresses, true);
        const labels = only<out.apps.v1.StatefulSet>(r.objects, "StatefulSet").spec.template.metadata.labels;
        assert.ok(Object.entries(svc.spec.selector).every(([k, v]) => labels[k] === v));
    });

    it("the init Job runs the generated script with mongosh from the same image, once, without a token, after the StatefulSet", () => {
        const job = only<out.batch.v1.Job>(r.objects, "Job");
        const opts = { statefulSetName: "mongo", serviceName: "mongo-service", replicas: 3, port: 27017, setName: "myReplicaSet" };
        assert.strictEqual(job.metadata.name, initJobName(opts));
        assert.match(job.metadata.name, /^mongo-rs-init-[0-9a-f]{10}$/);
        assert.strictEqual(job.metadata.annotations["pulumi.com/replaceUnready"], "true");
        assert.strictEqual(job.spec.backoffLimit, 0);
        const pod = job.spec.template.spec;
        assert.strictEqual(pod.restartPolicy, "Never");
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.strictEqual(pod.securityContext.runAsUser, 999);
        const c = pod.containers[0];
        assert.strictEqual(c.image, "mongo:5");
        assert.deepStrictEqual(c.command, ["mongosh", "--nodb", "--quiet", "--eval", replicaSetInitScript(opts)]);
        assert.ok(c.command[4].includes('"members":["mongo-0.mongo-service:27017","mongo-1.mongo-service:27017","mongo-2.mongo-service:27017"]'));
        // mongosh writes under $HOME: /tmp is the writable scratch of a read-only root.
        assert.deepStrictEqual(c.env, [{ name: "HOME", value: "/tmp" }]);
        assert.ok(c.volumeMounts.some(m => m.mountPath === "/tmp"));
        assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
        assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory);
        assert.strictEqual(job.spec.template.metadata.labels.app, "mongo-rs-init");
        assert.strictEqual(job.spec.template.metadata.labels["app.kubernetes.io/part-of"], "movies");

        const recorded = r.resources.find(x => x.type === "kubernetes:batch/v1:Job")!;
        const sts = r.resources.find(x => x.type === "kubernetes:apps/v1:StatefulSet")!;
        assert.ok(recorded.dependencies.includes(sts.urn), `the Job waits for the StatefulSet to be ready: ${recorded.dependencies.join(", ")}`);
        // Pulumi waits for the Job at least as long as the script may run.
        assert.ok(recorded.options.customTimeouts.createSeconds >= 60 * 5 + 60 * 5, String(recorded.options.customTimeouts.createSeconds));
        assert.strictEqual(recorded.options.customTimeouts.updateSeconds, recorded.options.customTimeouts.createSeconds);
    });

    it("gives the connection string with every member and replicaSet=myReplicaSet, and the member, pod and claim names", async () => {
        let set: MongoReplicaSet | undefined;
        await recordProgram(async () => { set = new MongoReplicaSet("rs", args()); return {}; }, { stack: "test", config: {} });
        assert.ok(set);
        assert.strictEqual(set.connectionString,
            "mongodb://mongo-0.mongo-service:27017,mongo-1.mongo-service:27017,mongo-2.mongo-service:27017/?replicaSet=myReplicaSet");
        assert.deepStrictEqual(set.members, ["mongo-0.mongo-service:27017", "mongo-1.mongo-service:27017", "mongo-2.mongo-service:27017"]);
        assert.deepStrictEqual(set.podNames, ["mongo-0", "mongo-1", "mongo-2"]);
        assert.deepStrictEqual(set.claimNames, ["mongo-persistent-storage-mongo-0", "mongo-persistent-storage-mongo-1", "mongo-persistent-storage-mongo-2"]);
        assert.deepStrictEqual(set.ingressPath(["movie-catalog"]), {
            part: "mongo", name: "mongo-from-members-init-and-clients", to: ["mongo"],
            from: [{ apps: ["mongo", "mongo-rs-init", "movie-catalog"] }], port: 27017,
        });
    });

    it("names a new Job when the members change (3 → 5) and the same one when they don't", async () => {
        const five = await render({ replicas: 5 });
        const again = await render();
        const name = (x: Rendered) => only<out.batch.v1.Job>(x.objects, "Job").metadata.name;
        assert.notStrictEqual(name(five), name(r));
        assert.strictEqual(name(again), name(r));
        assert.strictEqual(only<out.apps.v1.StatefulSet>(five.objects, "StatefulSet").spec.replicas, 5);
        const script = only<out.batch.v1.Job>(five.objects, "Job").spec.template.spec.containers[0].command[4];
        assert.ok(script.includes("mongo-4.mongo-service:27017"));
        // The Job keeps its Pulumi name: a changed member list replaces it (new name, then the old one goes).
        const jobs = (x: Rendered) => x.resources.filter(y => y.type === "kubernetes:batch/v1:Job").map(y => y.name);
        assert.deepStrictEqual(jobs(five), jobs(r));
    });

    it("refuses a member count MongoDB can't vote with, before anything is registered", async () => {
        await assert.rejects(render({ replicas: 8 }), /replicas 8 must be an integer from 1 to 7/);
        await assert.rejects(render({ replicas: 0 }), /replicas 0 must be an integer from 1 to 7/);
    });

    it("uses the names it is given (a second set in one namespace)", async () => {
        const other = await render({ names: { statefulSetName: "db", serviceName: "db-members", claimName: "data", setName: "rs1" } });
        const sts = only<out.apps.v1.StatefulSet>(other.objects, "StatefulSet");
        assert.strictEqual(sts.metadata.name, "db");
        assert.strictEqual(sts.spec.serviceName, "db-members");
        assert.strictEqual(sts.spec.volumeClaimTemplates[0].metadata.name, "data");
        assert.deepStrictEqual(sts.spec.template.spec.containers[0].command, ["mongod", "--replSet", "rs1", "--bind_ip_all"]);
        assert.strictEqual(only<out.core.v1.Service>(other.objects, "Service").metadata.name, "db-members");
        assert.match(only<out.batch.v1.Job>(other.objects, "Job").metadata.name, /^db-rs-init-[0-9a-f]{10}$/);
    });
});
