/**
 * The workload half of a web service: a Deployment, and optionally a HorizontalPodAutoscaler and
 * a PodDisruptionBudget. Traffic reaches it through a {@link FrontDoor} that selects pods by their
 * `app` label only, so release strategies are compositions:
 *
 * - one release: one Workload (no `track`) behind one FrontDoor;
 * - canary: Workloads `track: stable` and `track: canary` with the same `app`, their replica
 *   ratio setting the traffic share, behind one FrontDoor;
 * - blue/green: Workloads `version: v1` and `version: v2`, `track: blue`/`green`, and a FrontDoor
 *   whose `pin: {version: …}` names the live one (one config change moves all traffic);
 * - A/B: two Workloads, two FrontDoors (one pinned to each track) and ingress-nginx canary
 *   annotations on the second one's Ingress.
 *
 * What it gets right for scaling:
 * - every container requests CPU and memory and has a memory limit (an HPA on CPU needs the request);
 * - pods spread across nodes (topology spread on `kubernetes.io/hostname`);
 * - rolling updates never drop below the desired count (`maxUnavailable: 0`), unless `strategy`
 *   says otherwise;
 * - with `autoscale`, `spec.replicas` is left out so `pulumi up` never fights the autoscaler;
 * - with two or more pods, a PodDisruptionBudget keeps all but one running through node drains
 *   (or always, with `alwaysDisruptionBudget`, so that a replica change never adds or removes it).
 *
 * Pods may carry volumes, sidecar containers (a log streamer) and namespaced sysctls; 0 replicas
 * is allowed for an idle release (a blue/green colour after the switch).
 *
 * Pods run with the secure defaults of ./security.ts for the image's `security` entry.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { formerChild } from "./aliases";
import { ProbeSpec, ResourceSpec, SecretRef, envVars, labelsFor, probe, resources } from "./pod";
import { ImageSecurity, withSecurity } from "./security";

export interface AutoscaleSpec {
    /** Fewest pods the autoscaler keeps, at least 1. */
    minReplicas: number;
    /** Most pods the autoscaler starts, more than `minReplicas`. */
    maxReplicas: number;
    /** Average CPU use, as a percentage of the CPU request, the autoscaler aims for. */
    cpuUtilization: number;
}

/** A second container in the pod, with the same security settings as the main one. */
export interface Sidecar {
    name: string;
    image: string;
    command: string[];
    resources: ResourceSpec;
    volumeMounts?: k8s.types.input.core.v1.VolumeMount[];
    /** Readiness of the sidecar (a pod behind a Service is ready only when every container is); probed on the main port unless it says otherwise. */
    readiness: ProbeSpec;
}

/** How the Deployment replaces pods on an update. */
export type RolloutStrategy =
    /** Start new pods before stopping old ones (default: `maxSurge: 1`, `maxUnavailable: 0`). */
    | { type: "RollingUpdate"; maxSurge?: number; maxUnavailable?: number }
    /** Stop every old pod first (for a ReadWriteOnce volume, or a one-version-at-a-time lesson). */
    | { type: "Recreate" };

export interface WorkloadArgs {
    /** Namespace the workload lives in. */
    namespace: pulumi.Input<string>;
    /**
     * Kubernetes name of the Deployment (and its HPA and PDB), e.g. `data-api`, or
     * `backend-canary` for a second track of the same app.
     */
    name: string;
    /** The pods' `app` label, which a {@link FrontDoor} selects by; defaults to `name`. */
    app?: string;
    /** Name of the main container; defaults to `app`. */
    containerName?: string;
    /** Lab instance the workload belongs to (label `app.kubernetes.io/part-of`). */
    partOf: string;
    /** Release of the app these pods run (label `version`, e.g. `v1`); unset adds no label. */
    version?: string;
    /**
     * Release track (label `track`, e.g. `stable`, `canary`, `blue`): two workloads of one app
     * need different tracks, which keeps their Deployments' selectors apart.
     */
    track?: string;
    /** Image reference with a pinned tag. */
    image: string;
    /** How the image runs: its non-root user, or its documented exception (./security.ts `securityOf`). */
    security: ImageSecurity;
    /** Port the container listens on, named `http`. */
    port: number;
    /** A fixed number of pods (default 1; 0 for an idle release); leave unset when `autoscale` is given. */
    replicas?: number;
    /** Autoscale on CPU instead of a fixed count. */
    autoscale?: AutoscaleSpec;
    /** Kubernetes name of the HPA; defaults to `name`. */
    hpaName?: string;
    /** Add the PodDisruptionBudget whatever the replica count (default: only from two pods). */
    alwaysDisruptionBudget?: boolean;
    /** How updates replace pods (default rolling, never below the desired count). */
    strategy?: RolloutStrategy;
    /** CPU and memory requests and the memory limit. */
    resources: ResourceSpec;
    /** Plain environment variables (no credentials here: use `secretEnv`). */
    env?: Record<string, pulumi.Input<string>>;
    /** Environment variables read from Secrets. */
    secretEnv?: Record<string, SecretRef>;
    /** Entrypoint override for the container. */
    command?: string[];
    /** Command arguments for the container. */
    args?: string[];
    /** Pod volumes (emptyDirs, claims) and where the main container mounts them. */
    volumes?: k8s.types.input.core.v1.Volume[];
    volumeMounts?: k8s.types.input.core.v1.VolumeMount[];
    /** More containers in each pod. */
    sidecars?: Sidecar[];
    /** Pod sysctls: only the namespaced, safe ones Pod Security allows (e.g. `net.ipv4.ip_unprivileged_port_start`). */
    sysctls?: { name: string; value: string }[];
    /** When the pod can take traffic. */
    readiness: ProbeSpec;
    /** When the container should be restarted; unset means never by probe. Must not depend on other services. */
    liveness?: ProbeSpec;
    /**
     * How hard pods spread across nodes: `preferred` (default) spreads when it can and still
     * schedules on a one-node cluster; `required` leaves pods Pending rather than share a node.
     */
    spread?: "preferred" | "required";
    /**
     * URN of the component that created this Deployment (and its HPA and PDB) in an earlier
     * version, e.g. a WebService named like this Workload: the children keep their identity
     * (see aliases.ts) instead of being re-created and the live objects deleted.
     */
    formerComponent?: pulumi.Input<string>;
}

export class Workload extends pulumi.ComponentResource {
    /** The Deployment. */
    readonly deployment: k8s.apps.v1.Deployment;
    /** The autoscaler, when `autoscale` is given. */
    readonly autoscaler?: k8s.autoscaling.v2.HorizontalPodAutoscaler;
    /** The disruption budget, when at least two pods run. */
    readonly disruptionBudget?: k8s.policy.v1.PodDisruptionBudget;
    /** The pods' `app` label, for a FrontDoor to select. */
    readonly app: string;
    /** Labels of the pods (including `app`, `version` and `track` where given). */
    readonly podLabels: Record<string, string>;
    /** The Deployment's selector: `app`, and `track` when given. */
    readonly selector: Record<string, string>;

    constructor(name: string, args: WorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:components:Workload", name, {}, opts);
        checkArgs(name, args);

        this.app = args.app ?? args.name;
        this.selector = { app: this.app, ...(args.track ? { track: args.track } : {}) };
        this.podLabels = {
            ...labelsFor(this.app, args.partOf, "web"),
            ...(args.version ? { version: args.version } : {}),
            ...(args.track ? { track: args.track } : {}),
        };
        const metadata = { name: args.name, namespace: args.namespace, labels: this.podLabels };
        const fewestPods = args.autoscale ? args.autoscale.minReplicas : (args.replicas ?? 1);
        const strategy = args.strategy ?? { type: "RollingUpdate" };

        this.deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata,
            spec: {
                // Left out under an autoscaler: a pinned count would reset the HPA's choice on every update.
                replicas: args.autoscale ? undefined : (args.replicas ?? 1),
                selector: { matchLabels: this.selector },
                strategy: strategy.type === "Recreate" ? { type: "Recreate" } : {
                    type: "RollingUpdate",
                    rollingUpdate: { maxUnavailable: strategy.maxUnavailable ?? 0, maxSurge: strategy.maxSurge ?? 1 },
                },
                template: { metadata: { labels: this.podLabels }, spec: podSpec(args, this.app, this.selector) },
            },
        }, { parent: this, aliases: formerChild(args.formerComponent, "kubernetes:apps/v1:Deployment", "deployment") });

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
            }, { parent: this, aliases: formerChild(args.formerComponent, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "hpa") });
        }

        if (args.alwaysDisruptionBudget || fewestPods >= 2) {
            this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
                metadata,
                spec: { maxUnavailable: 1, selector: { matchLabels: this.selector } },
            }, { parent: this, aliases: formerChild(args.formerComponent, "kubernetes:policy/v1:PodDisruptionBudget", "pdb") });
        }

        this.registerOutputs({ app: this.app, podLabels: this.podLabels, selector: this.selector });
    }
}

/** The pod: spread across nodes, the main container and any sidecars, under the image's secure defaults. */
function podSpec(args: WorkloadArgs, app: string, selector: Record<string, string>): k8s.types.input.core.v1.PodSpec {
    const pod = withSecurity(args.security, {
        topologySpreadConstraints: [{
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: args.spread === "required" ? "DoNotSchedule" : "ScheduleAnyway",
            labelSelector: { matchLabels: selector },
        }],
        containers: [
            {
                name: args.containerName ?? app,
                image: args.image,
                command: args.command,
                args: args.args,
                ports: [{ name: "http", containerPort: args.port }],
                env: envVars(args.env, args.secretEnv),
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
    return args.sysctls?.length ? { ...pod, securityContext: { ...pod.securityContext, sysctls: args.sysctls } } : pod;
}

/** Programming errors in a lab's use of the component, caught before anything is registered. */
function checkArgs(name: string, args: WorkloadArgs): void {
    const fail = (what: string) => { throw new Error(`Workload ${name}: ${what}`); };
    if (args.autoscale && args.replicas !== undefined) {
        fail("give either replicas or autoscale, not both (the autoscaler owns the count)");
    }
    if (args.replicas !== undefined && (!Number.isInteger(args.replicas) || args.replicas < 0)) {
        fail(`replicas must be a whole number ≥ 0 (0 only for an idle release: a Service in front of it selects nothing), got ${args.replicas}`);
    }
    if (args.autoscale) {
        const { minReplicas, maxReplicas, cpuUtilization } = args.autoscale;
        if (!Number.isInteger(minReplicas) || minReplicas < 1 || !Number.isInteger(maxReplicas) || maxReplicas <= minReplicas) {
            fail(`autoscale needs whole numbers 1 ≤ minReplicas < maxReplicas, got ${minReplicas}..${maxReplicas}`);
        }
        if (!Number.isInteger(cpuUtilization) || cpuUtilization < 1 || cpuUtilization > 1000) {
            fail(`autoscale.cpuUtilization must be a percentage of the request from 1 to 1000, got ${cpuUtilization}`);
        }
    }
    for (const [label, value] of [["version", args.version], ["track", args.track]] as const) {
        if (value !== undefined && !/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(value)) {
            fail(`${label} must be a label value (letters, digits, '-', '_', '.'), got ${JSON.stringify(value)}`);
        }
    }
}
