/**
 * Autoscalers and pod counts: which HorizontalPodAutoscaler drives a workload (across
 * autoscaling/v1, v2beta1, v2beta2 and v2, with the metrics that need requests), how many pods a
 * workload runs at its smallest and largest scale, and int-or-percent values scaled the way the
 * disruption controller scales them. One definition each: every policy that counts pods counts
 * them here.
 *
 * Everything reads props lazily: a value unknown during a preview throws the engine's
 * UnknownValueError from here, as it must (never catch it).
 */
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
}

/** An autoscaler's target, bounds and the metrics that need requests, across API versions. */
export interface Autoscaler {
    entry: Indexed;
    /** spec.scaleTargetRef.apiVersion, "" when unset. */
    targetApiVersion: string;
    targetKind: string;
    targetName: string;
    /** spec.minReplicas, 1 when unset (the API server's default). */
    minReplicas: number;
    /** spec.maxReplicas (required by the API). */
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
    return index.all("HorizontalPodAutoscaler").map(entry => {
        const spec = (entry.obj.spec ?? {}) as HpaSpec;
        const utilization: UtilizationMetric[] = [];
        const metrics = entry.resource.type.includes(":autoscaling/v1:") ? undefined : spec.metrics;
        if (metrics === undefined || metrics === null || metrics.length === 0) {
            utilization.push({ resource: "cpu", label: "cpu utilization" });
        } else {
            for (const m of metrics) {
                if (m.type === "Resource" && m.resource?.name &&
                    (m.resource.target?.type === "Utilization" || m.resource.targetAverageUtilization !== undefined)) {
                    utilization.push({ resource: m.resource.name, label: `${m.resource.name} utilization` });
                } else if (m.type === "ContainerResource" && m.containerResource?.name &&
                    (m.containerResource.target?.type === "Utilization" || m.containerResource.targetAverageUtilization !== undefined)) {
                    const container = m.containerResource.container ?? "";
                    utilization.push({ resource: m.containerResource.name, container, label: `container '${container}' ${m.containerResource.name} utilization` });
                }
            }
        }
        return {
            entry,
            targetApiVersion: spec.scaleTargetRef?.apiVersion ?? "",
            targetKind: spec.scaleTargetRef?.kind ?? "",
            targetName: spec.scaleTargetRef?.name ?? "",
            minReplicas: spec.minReplicas ?? 1,
            maxReplicas: spec.maxReplicas,
            utilization,
        };
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
export const SCALABLE_KINDS = ["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"];

/**
 * Pods a workload runs when no autoscaler drives it: spec.replicas (default 1) for Deployments,
 * StatefulSets and ReplicaSets; a Pod is 1; a Job runs min(parallelism, completions) at once
 * (parallelism defaults to 1), a CronJob the same for its job template (one run at a time); a
 * DaemonSet runs one per node, which the stack can't tell: counted as 1.
 */
export function fixedPods(w: Workload): number {
    const spec = (w.obj.spec ?? {}) as { replicas?: number; parallelism?: number; completions?: number; jobTemplate?: { spec?: { parallelism?: number; completions?: number } } };
    switch (w.kind) {
        case "Deployment":
        case "StatefulSet":
        case "ReplicaSet":
            return spec.replicas ?? 1;
        case "Job":
            return Math.min(spec.parallelism ?? 1, spec.completions ?? Infinity);
        case "CronJob": {
            const job = spec.jobTemplate?.spec ?? {};
            return Math.min(job.parallelism ?? 1, job.completions ?? Infinity);
        }
        default:
            return 1;
    }
}

/** Pods at the smallest and largest scale: the autoscaler's bounds when one drives the workload, else its fixed count. */
export function scaleOf(w: Workload, autoscalers: Autoscaler[]): { min: number; max: number; hpa?: Autoscaler } {
    const hpa = SCALABLE_KINDS.includes(w.kind) ? autoscalersFor(autoscalers, w)[0] : undefined;
    if (hpa) {
        return { min: hpa.minReplicas, max: Math.max(hpa.maxReplicas ?? hpa.minReplicas, hpa.minReplicas), hpa };
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
