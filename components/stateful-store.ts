/**
 * A stateful store: StatefulSet + headless Service + one volume claim template per pod on the
 * platform's expandable StorageClass.
 *
 * What it gets right for persistence:
 * - pods and claims get the ordinal names users address: StatefulSet `mongodb` with template
 *   `mongo-vol` gives pod `mongodb-0` and claim `mongo-vol-mongodb-0`;
 * - claims are retained when the StatefulSet is deleted or scaled down
 *   (`persistentVolumeClaimRetentionPolicy` Retain/Retain), so a re-created StatefulSet finds its data;
 * - with `protectData`, the StatefulSet is protected and kept on `pulumi destroy`.
 *
 * Pods run with the secure defaults of ./security.ts for the image's `security` entry.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ProbeSpec, ResourceSpec, SecretRef, envVars, labelsFor, probe, resources } from "./pod";
import { ImageSecurity, withSecurity } from "./security";
import { dataProtection } from "./protect";

export interface StatefulStoreArgs {
    /** Namespace the store lives in. */
    namespace: pulumi.Input<string>;
    /** Name of the StatefulSet and of its headless Service (`serviceName`): pods are `<name>-0` … */
    name: string;
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
    };
    /** ConfigMaps mounted read-only, e.g. init scripts. */
    configMounts?: { configMapName: pulumi.Input<string>; mountPath: string }[];
    /** Publish pods in DNS before they are ready (replica sets need to find each other to become ready). */
    publishNotReadyAddresses?: boolean;
    /** Protect the StatefulSet and keep it (and so its claims) on delete. */
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

    constructor(name: string, args: StatefulStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:components:StatefulStore", name, {}, opts);
        if (!Number.isInteger(args.replicas) || args.replicas < 0) {
            throw new Error(`StatefulStore ${name}: replicas must be a whole number ≥ 0, got ${args.replicas}`);
        }

        const labels = labelsFor(args.name, args.partOf, "store");
        const selector = { app: args.name };
        const dataOpts = dataProtection(args.protectData);

        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: { name: args.name, namespace: args.namespace, labels },
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
            metadata: { name: args.name, namespace: args.namespace, labels },
            spec: {
                serviceName: this.serviceName,
                replicas: args.replicas,
                podManagementPolicy: "OrderedReady",
                selector: { matchLabels: selector },
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                template: {
                    metadata: { labels },
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
                    metadata: { name: args.volume.claimName, labels },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: args.volume.storageClassName,
                        resources: { requests: { storage: args.volume.size } },
                    },
                }],
            },
        }, { parent: this, ...dataOpts });

        this.podNames = Array.from({ length: args.replicas }, (_, i) => `${args.name}-${i}`);
        this.claimNames = this.podNames.map(pod => `${args.volume.claimName}-${pod}`);
        this.registerOutputs({ serviceName: this.serviceName, podNames: this.podNames, claimNames: this.claimNames });
    }
}
