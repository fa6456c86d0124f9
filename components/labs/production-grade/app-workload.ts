/**
 * A {@link Workload} with what this lab's pods need and the shared one lacks: pod volumes and
 * their mounts (the backend's `/var/log`), a sidecar container (the log streamer), pod sysctls
 * (the frontend's nginx binds port 80 as a non-root user), 0 replicas (an idle blue/green
 * colour), and a disruption budget whose presence doesn't depend on the replica count (so that a
 * canary weight change is a replica change and nothing else).
 *
 * Otherwise it builds the same Deployment, HPA and PDB as ../../workload.ts: labels
 * (`app`, `version`, `track`), selector (`app` and `track`), topology spread, requests and memory
 * limit, rollout strategy, `spec.replicas` left out under an autoscaler, the secure defaults of
 * ../../security.ts. The change to fold this into the shared Workload (optional `volumes`,
 * `volumeMounts`, `sidecars`, `sysctls`, `replicas: 0`, `disruptionBudget: "always"`) is in the
 * lab's report; until then it lives here.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ProbeSpec, ResourceSpec, labelsFor, probe, resources } from "../../pod";
import { ImageSecurity, withSecurity } from "../../security";
import { AutoscaleSpec, RolloutStrategy } from "../../workload";

type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** A second container in the pod (same security settings as the main one). */
export interface Sidecar {
    name: string;
    image: string;
    command: string[];
    resources: ResourceSpec;
    volumeMounts?: VolumeMount[];
    /** Readiness of the sidecar (a pod behind a Service is ready only when every container is). */
    readiness: ProbeSpec;
}

export interface AppWorkloadArgs {
    namespace: pulumi.Input<string>;
    /** Kubernetes name of the Deployment (and its HPA and PDB, unless `hpaName` is given). */
    name: string;
    /** The pods' `app` label. */
    app: string;
    /** Name of the main container (default `app`). */
    containerName?: string;
    partOf: string;
    version?: string;
    track?: string;
    image: string;
    security: ImageSecurity;
    port: number;
    command?: string[];
    /** Fixed count, 0 allowed (an idle colour); leave unset under `autoscale`. */
    replicas?: number;
    autoscale?: AutoscaleSpec;
    /** Kubernetes name of the HPA (default `name`). */
    hpaName?: string;
    strategy?: RolloutStrategy;
    resources: ResourceSpec;
    readiness: ProbeSpec;
    liveness?: ProbeSpec;
    volumes?: Volume[];
    volumeMounts?: VolumeMount[];
    sidecars?: Sidecar[];
    /** Pod sysctls (only the namespaced, safe ones Pod Security allows). */
    sysctls?: { name: string; value: string }[];
    /** Add a PodDisruptionBudget (`maxUnavailable: 1`) whatever the replica count (default: only from two pods). */
    alwaysDisruptionBudget?: boolean;
}

export class AppWorkload extends pulumi.ComponentResource {
    readonly deployment: k8s.apps.v1.Deployment;
    readonly autoscaler?: k8s.autoscaling.v2.HorizontalPodAutoscaler;
    readonly disruptionBudget?: k8s.policy.v1.PodDisruptionBudget;
    readonly podLabels: Record<string, string>;
    readonly selector: Record<string, string>;

    constructor(name: string, args: AppWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:labs:production-grade:AppWorkload", name, {}, opts);
        if (args.autoscale && args.replicas !== undefined) {
            throw new Error(`AppWorkload ${name}: give either replicas or autoscale, not both (the autoscaler owns the count)`);
        }
        if (args.replicas !== undefined && (!Number.isInteger(args.replicas) || args.replicas < 0)) {
            throw new Error(`AppWorkload ${name}: replicas must be a whole number ≥ 0, got ${args.replicas}`);
        }
        this.selector = { app: args.app, ...(args.track ? { track: args.track } : {}) };
        this.podLabels = {
            ...labelsFor(args.app, args.partOf, "web"),
            ...(args.version ? { version: args.version } : {}),
            ...(args.track ? { track: args.track } : {}),
        };
        const metadata = { name: args.name, namespace: args.namespace, labels: this.podLabels };
        const strategy = args.strategy ?? { type: "RollingUpdate" };
        const pod = withSecurity(args.security, {
            topologySpreadConstraints: [{
                maxSkew: 1,
                topologyKey: "kubernetes.io/hostname",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: this.selector },
            }],
            containers: [
                {
                    name: args.containerName ?? args.app,
                    image: args.image,
                    command: args.command,
                    ports: [{ name: "http", containerPort: args.port }],
                    resources: resources(args.resources),
                    readinessProbe: probe(args.readiness, args.port),
                    livenessProbe: args.liveness ? probe(args.liveness, args.port) : undefined,
                    volumeMounts: args.volumeMounts,
                },
                ...(args.sidecars ?? []).map(s => ({
                    name: s.name,
                    image: s.image,
                    command: s.command,
                    resources: resources(s.resources),
                    readinessProbe: probe(s.readiness, args.port),
                    volumeMounts: s.volumeMounts,
                })),
            ],
            volumes: args.volumes,
        });
        const spec = args.sysctls?.length
            ? { ...pod, securityContext: { ...pod.securityContext, sysctls: args.sysctls } }
            : pod;

        this.deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata,
            spec: {
                replicas: args.autoscale ? undefined : (args.replicas ?? 1),
                selector: { matchLabels: this.selector },
                strategy: strategy.type === "Recreate" ? { type: "Recreate" } : {
                    type: "RollingUpdate",
                    rollingUpdate: { maxUnavailable: strategy.maxUnavailable ?? 0, maxSurge: strategy.maxSurge ?? 1 },
                },
                template: { metadata: { labels: this.podLabels }, spec },
            },
        }, { parent: this });

        if (args.autoscale) {
            this.autoscaler = new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
                metadata: { ...metadata, name: args.hpaName ?? args.name },
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: this.deployment.metadata.name },
                    minReplicas: args.autoscale.minReplicas,
                    maxReplicas: args.autoscale.maxReplicas,
                    metrics: [{
                        type: "Resource",
                        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.autoscale.cpuUtilization } },
                    }],
                },
            }, { parent: this });
        }

        const fewestPods = args.autoscale ? args.autoscale.minReplicas : (args.replicas ?? 1);
        if (args.alwaysDisruptionBudget || fewestPods >= 2) {
            this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
                metadata,
                spec: { maxUnavailable: 1, selector: { matchLabels: this.selector } },
            }, { parent: this });
        }

        this.registerOutputs({ podLabels: this.podLabels, selector: this.selector });
    }
}
