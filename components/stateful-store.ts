/**
 * A stateful store: StatefulSet + headless Service + one volume claim template per pod on the
 * platform's expandable StorageClass.
 *
 * What it gets right for persistence:
 * - pods and claims get the ordinal names users address: StatefulSet `mongodb` with template
 *   `mongo-vol` gives pod `mongodb-0` and claim `mongo-vol-mongodb-0`;
 * - claims are retained when the StatefulSet is deleted or scaled down
 *   (`persistentVolumeClaimRetentionPolicy` Retain/Retain), so a re-created StatefulSet finds its data;
 * - claims grow in place when the size in stack config grows (below), and never shrink.
 *
 * Growing the claims (LABS.md §5: a StatefulSet's `volumeClaimTemplates` are immutable, and the
 * StatefulSet controller never resizes a claim it has created):
 * - The StatefulSet always carries `pulumi.com/deletionPropagationPolicy: orphan`. pulumi-kubernetes
 *   reads it from the OLD object when it deletes one, so it is deployed with the first version
 *   and is in place before any resize. A new size changes the claim template, which forces a
 *   replacement; the StatefulSet is explicitly named, so Pulumi deletes the old one first: with
 *   orphan propagation its pods keep running and its claims stay, and the new StatefulSet (same
 *   name, selector and pod template) adopts the running pods without restarting them and reuses
 *   their claims. Replicas created later get the new size from the new template.
 * - Every claim the previous update left (`<template>-<name>-<ordinal>`, for every ordinal ever
 *   deployed, read from the stack's `volumes` output through the {@link VolumeLedger}) gets a
 *   `PersistentVolumeClaimPatch` setting `spec.resources.requests.storage` to the new size: a
 *   server-side apply with `pulumi.com/patchForce` (the field belongs to the StatefulSet
 *   controller, which created the claim) and `retainOnDelete` (destroying the patch would hand the
 *   field back; the claim keeps its size). The StatefulSet depends on the patches, so the claims
 *   grow before it is replaced. On the first deploy there is nothing to patch.
 * - A size smaller than the deployed one is refused, naming the setting
 *   (../volume-growth.ts checks the settings before anything is registered; this component checks
 *   again, for sizes fixed in code).
 * - With `kubelab:restartPodsOnResize`, the pod template carries the size as an annotation, so a
 *   resize also rolls the pods, one at a time, after the claims grew: for drivers that leave a
 *   claim in `FileSystemResizePending` until its pod restarts.
 *
 * On `pulumi destroy`: the StatefulSet is deleted with orphan propagation, its claims are retained
 * by the retention policy, and then the lab's namespace is deleted, which takes the pods and the
 * claims with it (and the volumes, under the StorageClass's reclaim policy `Delete`). With
 * `protectData` the namespace is protected and kept, so pods, claims and volumes stay on purpose.
 * The StatefulSet itself is never protected, since that would refuse a resize; its data is
 * protected by the namespace, the claim retention policy and the class's reclaim policy `Retain`.
 *
 * Pods run with the secure defaults of ./security.ts for the image's `security` entry.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ProbeSpec, ResourceSpec, SecretRef, envVars, labelsFor, probe, resources } from "./pod";
import { ImageSecurity, withSecurity } from "./security";
import { VolumeLedger } from "./volume-growth";

/** The annotation pulumi-kubernetes reads on the old object to delete it without its pods and claims. */
export const DELETION_PROPAGATION = { key: "pulumi.com/deletionPropagationPolicy", value: "orphan" } as const;
/** Pod template annotation carrying the claim size, with `restartPodsOnResize`: a resize rolls the pods. */
export const VOLUME_SIZE_ANNOTATION = "kubelab.dev/volume-size";

export interface StatefulStoreArgs {
    /** Namespace the store lives in. */
    namespace: pulumi.Input<string>;
    /** Name of the StatefulSet (pods are `<name>-0` …) and, unless `serviceName` says otherwise, of its headless Service. */
    name: string;
    /** Name of the headless Service (the StatefulSet's `serviceName`), when it differs from `name` (LABS.md §5: `mongo` / `mongo-service`). */
    serviceName?: string;
    /** Lab the store belongs to (label `app.kubernetes.io/part-of`). */
    partOf: string;
    /** Pods, named `<name>-0 … <name>-(replicas-1)`, started in order and stopped in reverse. */
    replicas: number;
    /** Image reference with a pinned tag. */
    image: string;
    /** How the image runs: its non-root user (with the fsGroup that lets it write the volume), or its documented exception. */
    security: ImageSecurity;
    /** Entrypoint override, e.g. `["mongod", "--replSet", "rs0", "--bind_ip_all"]`. */
    command?: string[];
    /** Port the store listens on; the headless Service exposes the same port. */
    port: number;
    /** Name of that port (e.g. `mongodb`, `postgres`). */
    portName: string;
    /** CPU and memory requests and the memory limit. */
    resources: ResourceSpec;
    /** Plain environment variables (no credentials here: use `secretEnv`). */
    env?: Record<string, pulumi.Input<string>>;
    /** Environment variables read from Secrets. */
    secretEnv?: Record<string, SecretRef>;
    /** When the pod can take traffic. */
    readiness?: ProbeSpec;
    /** The claim template, one claim per pod, `<claimName>-<name>-<ordinal>`. */
    volume: {
        /** Template name, e.g. `mongo-vol`. */
        claimName: string;
        /** Where the volume is mounted. */
        mountPath: string;
        /** Mount a sub-directory of the volume instead of its root (for stores that need an empty directory). */
        subPath?: string;
        /** Claim size per pod, a Kubernetes quantity such as "500M" or "2Gi"; may only grow. */
        size: string;
        /** StorageClass for the claims; must allow volume expansion. */
        storageClassName: pulumi.Input<string>;
        /** The stack setting that sets `size`, below `kubelab:` (e.g. `smilr.mongoStorage`): named when a smaller size is refused. */
        setting?: string;
    };
    /**
     * What the previous update deployed and what this one records (the stack's `volumes` output).
     * Without it the store cannot grow existing claims: every lab passes its `volumes`.
     */
    volumeLedger?: VolumeLedger;
    /** ConfigMaps mounted read-only, e.g. init scripts. */
    configMounts?: { configMapName: pulumi.Input<string>; mountPath: string }[];
    /** Publish pods in DNS before they are ready (replica sets need to find each other to become ready). */
    publishNotReadyAddresses?: boolean;
    /**
     * `kubelab:protectData`. The StatefulSet itself is never protected (a resize replaces it); the
     * lab's namespace (protected), the claim retention policy and the class's reclaim policy keep
     * the data. Kept here so that a store can say what it does with it.
     */
    protectData: boolean;
}

export class StatefulStore extends pulumi.ComponentResource {
    /** The StatefulSet. */
    readonly statefulSet: k8s.apps.v1.StatefulSet;
    /** The headless Service giving each pod a stable DNS name `<pod>.<name>`. */
    readonly service: k8s.core.v1.Service;
    /** Name of the headless Service. */
    readonly serviceName: pulumi.Output<string>;
    /** Pod names, in start order. */
    readonly podNames: string[];
    /** Claim names, one per pod, as Kubernetes creates them. */
    readonly claimNames: string[];
    /** The patches that grow the claims an earlier update created, in ordinal order. */
    readonly claimPatches: k8s.core.v1.PersistentVolumeClaimPatch[];

    constructor(name: string, args: StatefulStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:components:StatefulStore", name, {}, opts);
        if (!Number.isInteger(args.replicas) || args.replicas < 0) {
            throw new Error(`StatefulStore ${name}: replicas must be a whole number ≥ 0, got ${args.replicas}`);
        }

        const labels = labelsFor(args.name, args.partOf, "store");
        const selector = { app: args.name };
        const { claimName, size } = args.volume;
        // Every claim an earlier update created, including those of replicas scaled down since
        // (retained): a later scale-up reattaches them, at the size they have now.
        const existingClaims = args.volumeLedger?.claim(name, { size, claims: args.replicas, setting: args.volume.setting }, `StatefulStore ${name}`) ?? 0;
        this.claimPatches = Array.from({ length: existingClaims }, (_, i) => new k8s.core.v1.PersistentVolumeClaimPatch(`${name}-claim-${i}`, {
            metadata: {
                name: `${claimName}-${args.name}-${i}`,
                namespace: args.namespace,
                // spec.resources belongs to the StatefulSet controller, which created the claim.
                annotations: { "pulumi.com/patchForce": "true" },
            },
            spec: { resources: { requests: { storage: size } } },
        }, { parent: this, retainOnDelete: true }));
        const podAnnotations = args.volumeLedger?.restartPodsOnResize ? { [VOLUME_SIZE_ANNOTATION]: size } : undefined;

        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: { name: args.serviceName ?? args.name, namespace: args.namespace, labels },
            spec: {
                clusterIP: "None",
                selector,
                publishNotReadyAddresses: args.publishNotReadyAddresses,
                ports: [{ name: args.portName, port: args.port, targetPort: args.portName }],
            },
        }, { parent: this });
        this.serviceName = this.service.metadata.name;

        const volumes: k8s.types.input.core.v1.Volume[] = (args.configMounts ?? []).map((m, i) => ({
            name: `config-${i}`, configMap: { name: m.configMapName },
        }));
        const mounts: k8s.types.input.core.v1.VolumeMount[] = [
            { name: args.volume.claimName, mountPath: args.volume.mountPath, subPath: args.volume.subPath },
            ...(args.configMounts ?? []).map((m, i) => ({ name: `config-${i}`, mountPath: m.mountPath, readOnly: true })),
        ];

        this.statefulSet = new k8s.apps.v1.StatefulSet(`${name}-statefulset`, {
            metadata: { name: args.name, namespace: args.namespace, labels, annotations: { [DELETION_PROPAGATION.key]: DELETION_PROPAGATION.value } },
            spec: {
                serviceName: this.serviceName,
                replicas: args.replicas,
                podManagementPolicy: "OrderedReady",
                selector: { matchLabels: selector },
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                template: {
                    metadata: { labels, annotations: podAnnotations },
                    spec: withSecurity(args.security, {
                        containers: [{
                            name: args.name,
                            image: args.image,
                            command: args.command,
                            ports: [{ name: args.portName, containerPort: args.port }],
                            env: envVars(args.env, args.secretEnv),
                            resources: resources(args.resources),
                            readinessProbe: args.readiness ? probe(args.readiness, args.port) : undefined,
                            volumeMounts: mounts,
                        }],
                        volumes: volumes.length ? volumes : undefined,
                    }),
                },
                volumeClaimTemplates: [{
                    metadata: { name: claimName, labels },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: args.volume.storageClassName,
                        resources: { requests: { storage: size } },
                    },
                }],
            },
        }, { parent: this, dependsOn: this.claimPatches });

        this.podNames = Array.from({ length: args.replicas }, (_, i) => `${args.name}-${i}`);
        this.claimNames = this.podNames.map(pod => `${claimName}-${pod}`);
        this.registerOutputs({ serviceName: this.serviceName, podNames: this.podNames, claimNames: this.claimNames });
    }
}
