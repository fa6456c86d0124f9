/**
 * A MongoDB replica set that initiates and grows itself (LABS.md §5), for any lab that needs one.
 *
 * - StatefulSet `mongo` (pods `mongo-0` … started in order, stopped in reverse) through
 *   {@link StatefulStore}: `mongod --replSet myReplicaSet --bind_ip_all` on port 27017, one claim
 *   `mongo-persistent-storage-mongo-N` per pod (ReadWriteOnce, on the platform's expandable
 *   StorageClass) mounted at `/data/db`; claims are retained on delete and scale-down, and grow in
 *   place when the size grows (StatefulStore's growth mechanism, given the stack's volume ledger);
 * - headless Service `mongo-service` (`clusterIP: None`, publishing not-ready addresses so that
 *   members resolve each other before they are ready): each member is `mongo-N.mongo-service:27017`;
 * - a PodDisruptionBudget lets node drains stop only as many members as leave a majority up (one
 *   of 3, two of 5), so the set keeps a primary; with fewer than 3 members there is none to spare
 *   and no budget;
 * - the members' readiness is a TCP check of 27017, which does not depend on replica-set membership
 *   (`mongo-1` starts once `mongo-0` is Ready, long before the set exists);
 * - the initializer Job (./data/mongo-rs-init.ts holds its decision logic, its generated mongosh
 *   script and why it is a Job): named from the member list, so a `pulumi up` that changes
 *   `replicas` runs a new Job and an unchanged one runs none; it runs after the StatefulSet is
 *   ready (Pulumi waits for it), `rs.initiate()` with every member on a new set, `rs.add()` of the
 *   new members on the primary when the set grew, nothing when all is in place. `pulumi up`
 *   waits for it and fails with its message when it fails (scaling down is refused there: remove
 *   the members with `rs.remove()` first);
 * - {@link MongoReplicaSet.connectionString}: every member and `replicaSet=myReplicaSet`.
 *
 * NetworkPolicies stay with the lab (one model, ./network-policy.ts): {@link MongoReplicaSet.ingressPath}
 * gives the opening the set needs, members to each other, the init Job to the members, and the
 * lab's clients.
 *
 * The mongod of this lab runs without authentication, as in the tutorial: the NetworkPolicy is
 * what keeps other pods out.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    DEFAULT_INIT_BOUNDS, InitBounds, ReplicaSetOptions, connectionString, initJobSettings, replicaSetMembers,
} from "./data/mongo-rs-init";
import { IngressPath } from "./network-policy";
import { ResourceSpec, labelsFor, resources } from "./pod";
import { ImageSecurity, withSecurity } from "./security";
import { StatefulStore } from "./stateful-store";
import { VolumeLedger } from "./volume-growth";

/** The names and numbers LABS.md §5 gives the replica set. */
export const MONGO_REPLICA_SET_DEFAULTS = {
    statefulSetName: "mongo",
    serviceName: "mongo-service",
    claimName: "mongo-persistent-storage",
    setName: "myReplicaSet",
    port: 27017,
    mountPath: "/data/db",
} as const;

export interface MongoReplicaSetArgs {
    /** Namespace of the set; the member names (`mongo-0.mongo-service`) resolve only from it. */
    namespace: pulumi.Input<string>;
    /** Lab instance the set belongs to (label `app.kubernetes.io/part-of`). */
    partOf: string;
    /** Members, 1 to 7 (every member votes). */
    replicas: number;
    /** The mongod image (it must ship mongosh: the init Job runs it from the same image). */
    image: string;
    /** How the image runs (./security.ts). */
    security: ImageSecurity;
    /**
     * Claim size per member (may only grow) and its expandable StorageClass; `setting` is the
     * stack setting that sets the size, below `kubelab:` (`movie-catalog.storage`), named when a
     * smaller size is refused.
     */
    storage: { size: string; storageClassName: pulumi.Input<string>; setting?: string };
    /** The stack's volume ledger (the lab's `volumeLedger`): how the members' claims grow in place (./volume-growth.ts). */
    volumeLedger?: VolumeLedger;
    /** Requests and memory limit of each member (default 100m / 256Mi, limit 1Gi). */
    resources?: ResourceSpec;
    /** `kubelab:protectData`, passed to the store (which keeps the data through the namespace, the claim retention and the class). */
    protectData: boolean;
    /** Names, as LABS.md §5 by default ({@link MONGO_REPLICA_SET_DEFAULTS}). */
    names?: { statefulSetName?: string; serviceName?: string; claimName?: string; setName?: string };
    /** How long the init Job keeps trying (default {@link DEFAULT_INIT_BOUNDS}). */
    initBounds?: InitBounds;
}

/** Requests and limit of a member: mongod's WiredTiger cache takes 256MB under a 1Gi limit. */
export const MONGO_MEMBER_RESOURCES: ResourceSpec = { cpu: "100m", memory: "256Mi", memoryLimit: "1Gi" };
/** Requests and limit of the init Job's mongosh (a Node.js process). */
export const MONGO_INIT_RESOURCES: ResourceSpec = { cpu: "50m", memory: "128Mi", memoryLimit: "384Mi" };

export class MongoReplicaSet extends pulumi.ComponentResource {
    /** StatefulSet and headless Service. */
    readonly store: StatefulStore;
    /** Keeps a majority of the members running through node drains (3 members or more). */
    readonly disruptionBudget?: k8s.policy.v1.PodDisruptionBudget;
    /** The Job that initiates the set or adds new members (a new name for each member list). */
    readonly initJob: k8s.batch.v1.Job;
    /** Name of {@link initJob}, `mongo-rs-init-<hash of the members>`. */
    readonly initJobName: string;
    /** `app` label of the init Job's pods (for NetworkPolicies): `mongo-rs-init`. */
    readonly initApp: string;
    /** `app` label of the members: the StatefulSet's name. */
    readonly app: string;
    /** `mongo-0.mongo-service:27017`, … in ordinal order. */
    readonly members: string[];
    /** `mongodb://<every member>/?replicaSet=myReplicaSet`. */
    readonly connectionString: string;
    /** The replica set's name. */
    readonly setName: string;
    /** Port of every member. */
    readonly port: number;
    /** Pod names, in start order. */
    readonly podNames: string[];
    /** Claim names, one per pod. */
    readonly claimNames: string[];
    /** Name of the headless Service. */
    readonly serviceName: string;

    constructor(name: string, args: MongoReplicaSetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:components:MongoReplicaSet", name, {}, opts);
        const given = args.names ?? {};
        const names = {
            statefulSetName: given.statefulSetName ?? MONGO_REPLICA_SET_DEFAULTS.statefulSetName,
            serviceName: given.serviceName ?? MONGO_REPLICA_SET_DEFAULTS.serviceName,
            claimName: given.claimName ?? MONGO_REPLICA_SET_DEFAULTS.claimName,
            setName: given.setName ?? MONGO_REPLICA_SET_DEFAULTS.setName,
            port: MONGO_REPLICA_SET_DEFAULTS.port,
        };
        const options: ReplicaSetOptions = {
            statefulSetName: names.statefulSetName,
            serviceName: names.serviceName,
            replicas: args.replicas,
            port: names.port,
            setName: names.setName,
        };
        // Checks the options (1..7 members, DNS names, set name) before anything is registered.
        this.members = replicaSetMembers(options);
        this.connectionString = connectionString(options);
        this.setName = names.setName;
        this.port = names.port;
        this.app = names.statefulSetName;
        this.serviceName = names.serviceName;
        this.initApp = `${names.statefulSetName}-rs-init`;

        this.store = new StatefulStore(`${name}-store`, {
            namespace: args.namespace,
            name: names.statefulSetName,
            serviceName: names.serviceName,
            partOf: args.partOf,
            replicas: args.replicas,
            image: args.image,
            security: args.security,
            command: ["mongod", "--replSet", names.setName, "--bind_ip_all"],
            // The image's HOME is the data directory: `kubectl exec … mongosh` would keep its
            // history and logs there, on the volume. /tmp is the pod's scratch emptyDir.
            env: { HOME: "/tmp" },
            port: names.port,
            portName: "mongodb",
            resources: args.resources ?? MONGO_MEMBER_RESOURCES,
            // Accepting connections is enough: membership comes later, from the init Job.
            readiness: { tcp: true, initialDelaySeconds: 5, periodSeconds: 10 },
            volume: {
                claimName: names.claimName, mountPath: MONGO_REPLICA_SET_DEFAULTS.mountPath,
                size: args.storage.size, storageClassName: args.storage.storageClassName, setting: args.storage.setting,
            },
            volumeLedger: args.volumeLedger,
            publishNotReadyAddresses: true,
            protectData: args.protectData,
        }, { parent: this });
        this.podNames = this.store.podNames;
        this.claimNames = this.store.claimNames;

        // Node drains may stop members only while a majority stays up to elect a primary: with 3
        // members one at a time, with 5 two. Fewer than 3 members have no majority to spare.
        const spare = Math.floor((args.replicas - 1) / 2);
        if (spare >= 1) {
            this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
                metadata: { name: names.statefulSetName, namespace: args.namespace, labels: labelsFor(names.statefulSetName, args.partOf, "store") },
                spec: { maxUnavailable: spare, selector: { matchLabels: { app: names.statefulSetName } } },
            }, { parent: this });
        }

        const job = initJobSettings(options, args.initBounds ?? DEFAULT_INIT_BOUNDS);
        this.initJobName = job.name;
        const jobLabels = labelsFor(this.initApp, args.partOf, "init");
        const timeout = `${job.timeoutSeconds}s`;
        this.initJob = new k8s.batch.v1.Job(`${name}-rs-init`, {
            metadata: { name: job.name, namespace: args.namespace, labels: jobLabels, annotations: job.annotations },
            spec: {
                backoffLimit: job.backoffLimit,
                template: {
                    metadata: { labels: jobLabels },
                    spec: {
                        ...withSecurity(args.security, {
                            restartPolicy: job.restartPolicy,
                            containers: [{
                                name: "rs-init",
                                image: args.image,
                                command: job.command,
                                // mongosh keeps its logs under $HOME; the image's HOME (/data/db) is no volume here.
                                env: [{ name: "HOME", value: "/tmp" }],
                                resources: resources(MONGO_INIT_RESOURCES),
                            }],
                        }),
                        automountServiceAccountToken: job.automountServiceAccountToken,
                    },
                },
            },
        }, {
            parent: this,
            // After the members are up: Pulumi waits for the StatefulSet to be ready first.
            dependsOn: [this.store],
            customTimeouts: { create: timeout, update: timeout },
        });

        this.registerOutputs({
            members: this.members, connectionString: this.connectionString, initJobName: this.initJobName,
            podNames: this.podNames, claimNames: this.claimNames,
        });
    }

    /**
     * The NetworkPolicy opening the set needs (see ./network-policy.ts): its port, from the
     * members (replication and elections), the init Job, and the pods with these `app` labels.
     */
    ingressPath(clients: string[]): IngressPath {
        return {
            part: this.app,
            name: `${this.app}-from-members-init-and-clients`,
            to: [this.app],
            from: [{ apps: [this.app, this.initApp, ...clients] }],
            port: this.port,
        };
    }
}
