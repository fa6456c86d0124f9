/**
 * A one-pod data store on a Deployment with its own named claim, as knote's tutorial builds
 * MongoDB (`mongo-pvc`) and MinIO (`minio-pvc`): a PersistentVolumeClaim users address by name,
 * a Deployment with one replica and strategy `Recreate`, and a ClusterIP Service.
 *
 * Why `Recreate`: the claim is ReadWriteOnce, so the old pod and the new pod of a rolling update
 * can't mount it at once (on different nodes the new pod hangs in ContainerCreating). Why one
 * replica: same reason. The claim is on the platform's expandable StorageClass; raising its
 * size updates `spec.resources` in place (never replaces the claim).
 *
 * Lives in the knote lab because the shared {@link StatefulStore} names claims per pod
 * (`<template>-<pod>`) and the shared Workload mounts no volumes.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ProbeSpec, ResourceSpec, SecretRef, envVars, labelsFor, probe, resources } from "../../pod";
import { ImageSecurity, withSecurity } from "../../security";
import { dataProtection } from "../../protect";
import { VolumeLedger } from "../../volume-growth";

export interface SinglePodStoreArgs {
    /** Namespace the store lives in. */
    namespace: pulumi.Input<string>;
    /** Name of the Deployment and of its Service (the host name other pods use), e.g. `mongo`. */
    name: string;
    /** Lab instance the store belongs to (label `app.kubernetes.io/part-of`). */
    partOf: string;
    /** Image reference with a pinned tag. */
    image: string;
    /** How the image runs: its non-root user (with the fsGroup that lets it write the claim), or its documented exception. */
    security: ImageSecurity;
    /** Command arguments, e.g. `["server", "/storage"]`. */
    args?: string[];
    /** Port the store listens on; the Service exposes the same port. */
    port: number;
    /** Name of that port (e.g. `mongodb`, `minio`). */
    portName: string;
    /** CPU and memory requests and the memory limit. */
    resources: ResourceSpec;
    /** Plain environment variables (no credentials here: use `secretEnv`). */
    env?: Record<string, pulumi.Input<string>>;
    /** Environment variables read from Secrets. */
    secretEnv?: Record<string, SecretRef>;
    /** When the pod can take traffic. */
    readiness: ProbeSpec;
    /** When the container should be restarted. */
    liveness?: ProbeSpec;
    /** The claim. */
    volume: {
        /** Name of the PersistentVolumeClaim, e.g. `mongo-pvc`. */
        claimName: string;
        /** Where the volume is mounted, e.g. `/data/db`. */
        mountPath: string;
        /** Claim size, a Kubernetes quantity such as "256Mi"; may only grow. */
        size: string;
        /** StorageClass for the claim; must allow volume expansion. */
        storageClassName: pulumi.Input<string>;
        /** The stack setting that sets `size`, below `kubelab:` (e.g. `knote.mongoStorage`): named when a smaller size is refused. */
        setting?: string;
    };
    /** What the previous update deployed (its size, refused smaller) and this update's record (../../volume-growth.ts). */
    volumeLedger?: VolumeLedger;
    /** Protect the claim and keep it on delete. */
    protectData: boolean;
}

export class SinglePodStore extends pulumi.ComponentResource {
    /** The claim. */
    readonly claim: k8s.core.v1.PersistentVolumeClaim;
    /** The Deployment (one replica, Recreate). */
    readonly deployment: k8s.apps.v1.Deployment;
    /** The ClusterIP Service. */
    readonly service: k8s.core.v1.Service;
    /** Name of the Service, for other pods to address. */
    readonly serviceName: pulumi.Output<string>;
    /** Labels of the store's pods. */
    readonly podLabels: Record<string, string>;

    constructor(name: string, args: SinglePodStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:labs:knote:SinglePodStore", name, {}, opts);
        this.podLabels = labelsFor(args.name, args.partOf, "store");
        const selector = { app: args.name };
        const dataOpts = dataProtection(args.protectData);
        // The claim is this stack's own object: a larger size is an in-place update of
        // spec.resources (volume expansion), a smaller one the API server would reject mid-update.
        args.volumeLedger?.claim(name, { size: args.volume.size, claims: 1, setting: args.volume.setting }, `SinglePodStore ${name}`);

        this.claim = new k8s.core.v1.PersistentVolumeClaim(`${name}-claim`, {
            metadata: { name: args.volume.claimName, namespace: args.namespace, labels: this.podLabels },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: args.volume.storageClassName,
                resources: { requests: { storage: args.volume.size } },
            },
        }, { parent: this, ...dataOpts });

        this.deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: { name: args.name, namespace: args.namespace, labels: this.podLabels },
            spec: {
                replicas: 1,
                // A ReadWriteOnce claim: the old pod must let go of it before the new one starts.
                strategy: { type: "Recreate" },
                selector: { matchLabels: selector },
                template: {
                    metadata: { labels: this.podLabels },
                    spec: withSecurity(args.security, {
                        containers: [{
                            name: args.name,
                            image: args.image,
                            args: args.args,
                            ports: [{ name: args.portName, containerPort: args.port }],
                            env: envVars(args.env, args.secretEnv),
                            resources: resources(args.resources),
                            readinessProbe: probe(args.readiness, args.port),
                            livenessProbe: args.liveness ? probe(args.liveness, args.port) : undefined,
                            volumeMounts: [{ name: "data", mountPath: args.volume.mountPath }],
                        }],
                        volumes: [{ name: "data", persistentVolumeClaim: { claimName: this.claim.metadata.name } }],
                    }),
                },
            },
        }, { parent: this });

        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: { name: args.name, namespace: args.namespace, labels: this.podLabels },
            spec: {
                type: "ClusterIP",
                selector,
                ports: [{ name: args.portName, port: args.port, targetPort: args.portName }],
            },
        }, { parent: this });
        this.serviceName = this.service.metadata.name;

        this.registerOutputs({ serviceName: this.serviceName, claimName: this.claim.metadata.name });
    }
}
