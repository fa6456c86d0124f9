/**
 * Autoscalers and pod counts: which HorizontalPodAutoscaler (across autoscaling/v1, v2beta1,
 * v2beta2 and v2) or KEDA ScaledObject drives a workload, with the metrics that need requests, how many pods a
 * workload runs at its smallest and largest scale, and int-or-percent values scaled the way the
 * disruption controller scales them. One definition each: every policy that counts pods counts
 * them here.
 *
 * Everything reads props lazily: a value unknown during a preview throws the engine's
 * UnknownValueError from here, as it must (never catch it).
 */
import { countIn, describeObject, objectsIn } from "./k8s";
import { PodLabels, workloadPodLabels } from "./selectors";
import { PolicyResource } from "@pulumi/policy";
import { Indexed, StackIndex, Workload, indexStack } from "./stack";

/** A metric of an autoscaler that is measured against the pods' requests (a Utilization target). */
export interface UtilizationMetric {
    /** `cpu`, `memory`. */
    resource: string;
    /** Set for ContainerResource metrics: only this container counts. */
    container?: string;
    /** How the autoscaler states it, for messages: `cpu utilization`, `container 'web' memory utilization`. */
    label: string;
    /** Measured as a share of the request (a Utilization target), so a changed request moves it; false for a KEDA AverageValue trigger. */
    relative: boolean;
}

/** An autoscaler's target, bounds and the metrics that need requests, across API versions. */
export interface Autoscaler {
    /** A HorizontalPodAutoscaler, or a KEDA ScaledObject (KEDA makes an HPA from it). */
    kind: "HorizontalPodAutoscaler" | "ScaledObject";
    entry: Indexed;
    /** What the bounds are called in its spec, for messages. */
    fields: { min: string; max: string };
    /** A ScaledObject that may scale its target to 0 (minReplicaCount 0 and an event trigger besides cpu and memory). */
    scaleToZero: boolean;
    /** Why the API (KEDA's webhook) refuses the autoscaler as written, if it does. */
    refusal?: string;
    /** The HPA a ScaledObject takes over (transfer-hpa-ownership): that HPA becomes KEDA's, not a second autoscaler. */
    adopts?: string;
    /** spec.scaleTargetRef.apiVersion, "" when unset. */
    targetApiVersion: string;
    targetKind: string;
    targetName: string;
    /** spec.minReplicas, 1 when unset (the API server's default); a ScaledObject's minReplicaCount (0 when unset), 1 when only cpu or memory triggers it (they can't scale to 0). */
    minReplicas: number;
    /** spec.maxReplicas (required by the API); a ScaledObject's maxReplicaCount (100 when unset). */
    maxReplicas: number | undefined;
    utilization: UtilizationMetric[];
}

interface MetricTarget {
    type?: string;
}

interface HpaSpec {
    scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string };
    minReplicas?: number;
    maxReplicas?: number;
    targetCPUUtilizationPercentage?: number;
    metrics?: {
        type?: string;
        resource?: { name?: string; target?: MetricTarget; targetAverageUtilization?: number };
        containerResource?: { name?: string; container?: string; target?: MetricTarget; targetAverageUtilization?: number };
    }[];
}

/**
 * Every HorizontalPodAutoscaler of the stack. Utilization metrics are
 * - autoscaling/v1: always CPU (targetCPUUtilizationPercentage, 80 when unset);
 * - v2, v2beta2: Resource / ContainerResource metrics with `target.type: Utilization`;
 * - v2beta1: the same metrics with `targetAverageUtilization`;
 * - any version without metrics: CPU at 80 %, the API server's default.
 * AverageValue targets compare raw usage and need no request.
 */
export function autoscalersOf(index: StackIndex): Autoscaler[] {
    return [...hpasOf(index), ...scaledObjectsOf(index)];
}

/** Whether the autoscaler names a target at all (its scaleTargetRef has a kind and a name): one that doesn't has nothing to scale or to share. */
export function namesTarget(a: Autoscaler): boolean {
    return Boolean(a.targetKind) && Boolean(a.targetName);
}

/** The autoscaler as messages name it: `HorizontalPodAutoscaler lab/web`, `ScaledObject lab/worker`. */
export function autoscalerName(a: Autoscaler): string {
    return describeObject(a.kind, a.entry.obj, a.entry.name);
}

interface ScaledObjectSpec {
    scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string };
    minReplicaCount?: number;
    maxReplicaCount?: number;
    triggers?: { type?: string; metricType?: string; metadata?: { type?: string; containerName?: string } }[];
    advanced?: { horizontalPodAutoscalerConfig?: { name?: string } };
}

/** KEDA's defaults for the bounds of a ScaledObject (on replicas) and of a ScaledJob (on Jobs). */
export const KEDA_DEFAULTS = { minReplicaCount: 0, maxReplicaCount: 100 } as const;

/** The annotation with which a ScaledObject takes over an existing HPA (named in advanced.horizontalPodAutoscalerConfig.name). */
const TRANSFER_HPA_OWNERSHIP = "scaledobject.keda.sh/transfer-hpa-ownership";

/**
 * KEDA ScaledObjects (keda.sh/v1alpha1), which KEDA turns into an HPA of the same target:
 * scaleTargetRef defaults to apps/v1 Deployment; minReplicaCount to 0, maxReplicaCount to 100.
 * A cpu or memory trigger is measured against the pods' requests (its Utilization like an HPA's
 * Resource metric; KEDA's webhook refuses either kind, AverageValue too, for a target without
 * that request or a limit; metadata.containerName: one container's). cpu and memory triggers
 * can't scale to 0: KEDA's webhook refuses a ScaledObject with only those and minReplicaCount 0
 * (its default); its pods are counted from 1.
 */
function scaledObjectsOf(index: StackIndex): Autoscaler[] {
    return index.all("keda.sh/ScaledObject").map(entry => {
        const spec = (entry.obj.spec ?? {}) as ScaledObjectSpec;
        const triggers = objectsIn<NonNullable<ScaledObjectSpec["triggers"]>[number]>(spec.triggers);
        const utilization: UtilizationMetric[] = [];
        for (const t of triggers) {
            if (t.type === "cpu" || t.type === "memory") {
                const container = t.metadata?.containerName || undefined;
                const relative = (t.metricType ?? t.metadata?.type) === "Utilization";
                const label = `${container !== undefined ? `container '${container}' ` : ""}${t.type}${relative ? " utilization" : ""}`;
                utilization.push({ resource: t.type, ...(container !== undefined ? { container } : {}), label, relative });
            }
        }
        const eventDriven = triggers.some(t => t.type !== "cpu" && t.type !== "memory");
        const min = countIn(spec.minReplicaCount) ?? KEDA_DEFAULTS.minReplicaCount;
        const targetKind = spec.scaleTargetRef?.kind ?? "Deployment";
        // The webhook checks this for Deployments and StatefulSets, whose pods it can see.
        const refusedMin = min === 0 && triggers.length > 0 && !eventDriven && (targetKind === "Deployment" || targetKind === "StatefulSet");
        const adopts = entry.obj.metadata?.annotations?.[TRANSFER_HPA_OWNERSHIP] === "true" ? spec.advanced?.horizontalPodAutoscalerConfig?.name : undefined;
        const refusal = triggers.length === 0 ? "has no triggers, which KEDA refuses: a ScaledObject scales on at least one (cpu, memory, or an event source)"
            : refusedMin ? `has only cpu and memory triggers and minReplicaCount ${spec.minReplicaCount === undefined ? "unset (0)" : "0"}, which KEDA's admission webhook refuses (they can't scale to 0); set minReplicaCount: 1 or more`
            : undefined;
        return {
            ...(refusal ? { refusal } : {}),
            ...(adopts ? { adopts } : {}),
            kind: "ScaledObject" as const,
            entry,
            fields: { min: "minReplicaCount", max: "maxReplicaCount" },
            scaleToZero: min === 0 && eventDriven,
            targetApiVersion: spec.scaleTargetRef?.apiVersion ?? "apps/v1",
            targetKind,
            targetName: spec.scaleTargetRef?.name ?? "",
            minReplicas: min === 0 && !eventDriven ? 1 : min,
            maxReplicas: countIn(spec.maxReplicaCount) ?? KEDA_DEFAULTS.maxReplicaCount,
            utilization,
        };
    });
}

function hpasOf(index: StackIndex): Autoscaler[] {
    return index.all("HorizontalPodAutoscaler").map(entry => {
        const spec = (entry.obj.spec ?? {}) as HpaSpec;
        const utilization: UtilizationMetric[] = [];
        const metrics = entry.resource.type.includes(":autoscaling/v1:") ? undefined : spec.metrics;
        if (metrics === undefined || metrics === null || metrics.length === 0) {
            utilization.push({ resource: "cpu", label: "cpu utilization", relative: true });
        } else {
            for (const m of objectsIn<NonNullable<typeof metrics>[number]>(metrics)) {
                if (m.type === "Resource" && m.resource?.name &&
                    (m.resource.target?.type === "Utilization" || m.resource.targetAverageUtilization !== undefined)) {
                    utilization.push({ resource: m.resource.name, label: `${m.resource.name} utilization`, relative: true });
                } else if (m.type === "ContainerResource" && m.containerResource?.name &&
                    (m.containerResource.target?.type === "Utilization" || m.containerResource.targetAverageUtilization !== undefined)) {
                    const container = m.containerResource.container ?? "";
                    utilization.push({ resource: m.containerResource.name, container, label: `container '${container}' ${m.containerResource.name} utilization`, relative: true });
                }
            }
        }
        return {
            kind: "HorizontalPodAutoscaler" as const,
            entry,
            fields: { min: "minReplicas", max: "maxReplicas" },
            scaleToZero: false,
            targetApiVersion: spec.scaleTargetRef?.apiVersion ?? "",
            targetKind: spec.scaleTargetRef?.kind ?? "",
            targetName: spec.scaleTargetRef?.name ?? "",
            minReplicas: countIn(spec.minReplicas) ?? 1,
            maxReplicas: countIn(spec.maxReplicas),
            utilization,
        };
    });
}

/** A VerticalPodAutoscaler that changes its target's requests, with the resources it changes. */
export interface VerticalAutoscaler {
    entry: Indexed;
    targetKind: string;
    targetName: string;
    /** The resources whose requests it sets on some container (`cpu`, `memory`). */
    controls: string[];
    /** spec.updatePolicy.updateMode as written, `Auto` when unset (the API's default). */
    mode: string;
}

interface VpaSpec {
    targetRef?: { apiVersion?: string; kind?: string; name?: string };
    updatePolicy?: { updateMode?: string };
    resourcePolicy?: { containerPolicies?: { containerName?: string; mode?: string; controlledResources?: string[] }[] };
}

/**
 * The VerticalPodAutoscalers (autoscaling.k8s.io) that act on their target's pods: every update
 * mode but Off (Initial sets requests on the pods it creates, which an HPA's scale-out makes).
 * Each container policy that isn't Off controls its controlledResources (cpu and memory when
 * unset); containers no policy names ("*" names all) keep the default, cpu and memory.
 */
export function verticalAutoscalersOf(index: StackIndex): VerticalAutoscaler[] {
    return index.all("autoscaling.k8s.io/VerticalPodAutoscaler").flatMap(entry => {
        const spec = (entry.obj.spec ?? {}) as VpaSpec;
        const mode = spec.updatePolicy?.updateMode ?? "Auto";
        if (mode === "Off") {
            return [];
        }
        const policies = spec.resourcePolicy?.containerPolicies ?? [];
        const controls = new Set<string>(policies.some(p => p.containerName === "*") ? [] : ["cpu", "memory"]);
        for (const p of policies) {
            if (p.mode !== "Off") {
                (p.controlledResources ?? ["cpu", "memory"]).forEach(r => controls.add(r));
            }
        }
        return controls.size ? [{ entry, targetKind: spec.targetRef?.kind ?? "", targetName: spec.targetRef?.name ?? "", controls: [...controls].sort(), mode }] : [];
    });
}

/** Autoscalers by `namespace/kind/name` of their target, built once per autoscalersOf result. */
const byTarget = new WeakMap<Autoscaler[], Map<string, Autoscaler[]>>();

function targetKey(namespace: string, kind: string, name: string): string {
    return `${namespace}\u0000${kind}\u0000${name}`;
}

/** The autoscalers targeting a workload, in stack order (more than one is a mistake of its own). O(1) after the first call. */
export function autoscalersFor(autoscalers: Autoscaler[], w: { kind: string; namespace: string; name: string }): Autoscaler[] {
    let map = byTarget.get(autoscalers);
    if (!map) {
        map = new Map();
        for (const a of autoscalers) {
            const key = targetKey(a.entry.namespace, a.targetKind, a.targetName);
            const list = map.get(key);
            if (list) {
                list.push(a);
            } else {
                map.set(key, [a]);
            }
        }
        byTarget.set(autoscalers, map);
    }
    return map.get(targetKey(w.namespace, w.kind, w.name)) ?? [];
}

/** Kinds with a scale subresource an autoscaler can drive. */
export const SCALABLE_KINDS = ["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController", "Rollout"];

/**
 * Pods a workload runs when no autoscaler drives it: spec.replicas (default 1) for Deployments,
 * StatefulSets and ReplicaSets; a Pod is 1; a Job runs min(parallelism, completions) at once
 * (parallelism defaults to 1), a CronJob the same for its job template (one run at a time); a
 * DaemonSet runs one per node, which the stack can't tell: counted as 1.
 */
export function fixedPods(w: Workload): number {
    const spec = (w.obj.spec ?? {}) as JobSpec & { replicas?: number; jobTemplate?: { spec?: JobSpec } };
    switch (w.kind) {
        case "Deployment":
        case "StatefulSet":
        case "ReplicaSet":
        case "Rollout":
            return countIn(spec.replicas) ?? 1;
        case "Job":
            return podsPerJob(spec);
        case "CronJob":
            return podsPerJob(spec.jobTemplate?.spec);
        default:
            return 1;
    }
}

interface JobSpec {
    parallelism?: number;
    completions?: number;
}

/** Pods a Job runs at once: min(parallelism, completions), parallelism defaulting to 1. */
function podsPerJob(job: JobSpec | undefined): number {
    return Math.min(countIn(job?.parallelism) ?? 1, countIn(job?.completions) ?? Infinity);
}

/**
 * Pods at the smallest and largest scale: the autoscaler's bounds when one drives the workload; a
 * ScaledJob's own bounds on its Jobs (minReplicaCount, default 0; maxReplicaCount, default 100),
 * each Job running min(parallelism, completions) pods at once; else its fixed count.
 */
export function scaleOf(w: Workload, autoscalers: Autoscaler[]): { min: number; max: number; hpa?: Autoscaler } {
    const hpa = SCALABLE_KINDS.includes(w.kind) ? autoscalersFor(autoscalers, w)[0] : undefined;
    if (hpa) {
        return { min: hpa.minReplicas, max: Math.max(hpa.maxReplicas ?? hpa.minReplicas, hpa.minReplicas), hpa };
    }
    if (w.kind === "ScaledJob") {
        const spec = (w.obj.spec ?? {}) as { minReplicaCount?: number; maxReplicaCount?: number; jobTargetRef?: JobSpec };
        const perJob = podsPerJob(spec.jobTargetRef);
        const min = countIn(spec.minReplicaCount) ?? KEDA_DEFAULTS.minReplicaCount;
        return { min: min * perJob, max: Math.max(countIn(spec.maxReplicaCount) ?? KEDA_DEFAULTS.maxReplicaCount, min) * perJob };
    }
    const n = fixedPods(w);
    return { min: n, max: n };
}

/** A workload with its smallest and largest scale and the labels its pods carry (at its largest scale). */
export interface ScaledWorkload {
    w: Workload;
    scale: { min: number; max: number; hpa?: Autoscaler };
    labels: PodLabels;
}

/**
 * The workloads of a namespace, scaled and labelled, computed once per namespace for the life of
 * the returned function (one policy run).
 */
export function scaledWorkloads(index: StackIndex, autoscalers: Autoscaler[]): (namespace: string) => ScaledWorkload[] {
    const cache = new Map<string, ScaledWorkload[]>();
    return namespace => {
        let list = cache.get(namespace);
        if (!list) {
            list = index.workloadsIn(namespace).map(w => {
                const scale = scaleOf(w, autoscalers);
                return { w, scale, labels: workloadPodLabels(w, scale.max) };
            });
            cache.set(namespace, list);
        }
        return list;
    };
}

/**
 * An int-or-string value of `total`, as intstr.GetScaledValueFromIntOrPercent computes it: an
 * integer as is; `"n%"` scaled, rounded up or down; anything else (`"1"`, `"1.5"`, `"x%"`) is
 * invalid (undefined), as the API server says.
 */
export function scaledIntOrPercent(value: unknown, total: number, roundUp: boolean): number | undefined {
    if (typeof value === "number") {
        return Number.isInteger(value) && value >= 0 ? value : undefined;
    }
    if (typeof value === "string") {
        const m = /^([0-9]+)%$/.exec(value);
        if (m) {
            const exact = (Number(m[1]) * total) / 100;
            return roundUp ? Math.ceil(exact) : Math.floor(exact);
        }
    }
    return undefined;
}

/** The stack indexed, its autoscalers, and its workloads scaled and labelled per namespace: where most cross-resource policies start. */
export interface ScaledStack {
    index: StackIndex;
    autoscalers: Autoscaler[];
    inNamespace: (namespace: string) => ScaledWorkload[];
}

export function scaledStack(resources: PolicyResource[]): ScaledStack {
    const index = indexStack(resources);
    const autoscalers = autoscalersOf(index);
    return { index, autoscalers, inNamespace: scaledWorkloads(index, autoscalers) };
}
