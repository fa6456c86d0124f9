/**
 * Helpers of the scaling and wiring policies, each following the Kubernetes or Pulumi rule it
 * stands for:
 *
 * - label selectors, evaluated against the labels a workload's pods really carry: the template's,
 *   plus the ones their controller adds (`pod-template-hash`, `statefulset.kubernetes.io/pod-name`,
 *   `job-name`, …), so that a Service pinned to `mongodb-0` is not mistaken for a dangling one;
 * - autoscalers across autoscaling/v1, v2beta1, v2beta2 and v2, with what each metric needs;
 * - how many pods a workload runs at its smallest and largest scale;
 * - the request or limit a container ends up with once the API server has defaulted it;
 * - Pulumi property paths, to tell whether an `ignoreChanges` entry covers a field;
 * - int-or-percent values, scaled the way the disruption controller scales them.
 *
 * Everything reads props lazily: a value unknown during a preview throws the engine's
 * UnknownValueError from here, as it must (never catch it).
 */
import { Container, PodSpec } from "./k8s";
import { parseQuantity } from "./quantity";
import { Indexed, StackIndex, Workload } from "./stack";

// ---------------------------------------------------------------------------------------------
// Label selectors

/** A label selector as Deployments, PodDisruptionBudgets and the like carry it. */
export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
}

/** The values a label may take on a workload's pods. */
export type LabelValues =
    | { kind: "exact"; value: string }
    /** `<prefix>0` … `<prefix>(count-1)`: StatefulSet pod names and indexes. */
    | { kind: "indexed"; prefix: string; count: number }
    /** Set by a controller to a value only known in the cluster (a hash, a uid, a timestamp). */
    | { kind: "any" };

/** The labels a workload's pods carry, as far as the stack tells. */
export interface PodLabels {
    /** The values a key may take on some pod, or undefined when no pod has it. */
    values(key: string): LabelValues | undefined;
    /** The template's own labels, for messages. */
    declared: Record<string, string>;
}

function canonicalIndex(text: string): number | undefined {
    return /^(0|[1-9][0-9]*)$/.test(text) ? Number(text) : undefined;
}

function valueMatches(values: LabelValues, value: string): boolean {
    switch (values.kind) {
        case "exact":
            return values.value === value;
        case "any":
            return true;
        case "indexed": {
            if (!value.startsWith(values.prefix)) {
                return false;
            }
            const i = canonicalIndex(value.slice(values.prefix.length));
            return i !== undefined && i < values.count;
        }
    }
}

/** Some pod has a value for the key outside `excluded`. */
function someValueOutside(values: LabelValues, excluded: string[]): boolean {
    switch (values.kind) {
        case "exact":
            return !excluded.includes(values.value);
        case "any":
            return true;
        case "indexed":
            return values.count > new Set(excluded.filter(v => valueMatches(values, v))).size;
    }
}

/** Labels given as a plain map, nothing added. */
export function plainLabels(labels: Record<string, string>): PodLabels {
    return {
        declared: labels,
        values: key => (Object.prototype.hasOwnProperty.call(labels, key) ? { kind: "exact", value: labels[key] } : undefined),
    };
}

/**
 * Whether a label selector selects some pod with these labels. Each requirement is checked on its
 * own, so with controller-added labels the answer leans to "selects" (no false alarm).
 *
 * `empty` says what a selector without requirements selects: everything for policy/v1
 * PodDisruptionBudgets and apps/v1 kinds, nothing for policy/v1beta1. An unset (null) selector
 * selects nothing; so does an invalid requirement (unknown operator, In/NotIn without values),
 * which the API server would reject anyway.
 */
export function labelSelectorSelects(selector: LabelSelector | null | undefined, labels: PodLabels, empty: "everything" | "nothing" = "everything"): boolean {
    return compileLabelSelector(selector, empty)(labels);
}

/** A requirement of a label selector, read out of the props once. */
interface Requirement {
    key: string | undefined;
    operator: string | undefined;
    values: string[];
}

/**
 * labelSelectorSelects with the selector read once: the returned test reads no props of the
 * selector, so matching one selector against many workloads stays cheap.
 */
export function compileLabelSelector(selector: LabelSelector | null | undefined, empty: "everything" | "nothing" = "everything"): (labels: PodLabels) => boolean {
    if (selector === undefined || selector === null) {
        return () => false;
    }
    const matchLabels = Object.entries(selector.matchLabels ?? {});
    const expressions: Requirement[] = (selector.matchExpressions ?? []).map(e => ({ key: e.key, operator: e.operator, values: [...(e.values ?? [])] }));
    if (matchLabels.length === 0 && expressions.length === 0) {
        return () => empty === "everything";
    }
    return labels => {
        for (const [key, value] of matchLabels) {
            const values = labels.values(key);
            if (!values || !valueMatches(values, value)) {
                return false;
            }
        }
        for (const e of expressions) {
            const values = e.key === undefined ? undefined : labels.values(e.key);
            const listed = e.values;
            switch (e.operator) {
                case "In":
                    if (!listed.length || !values || !listed.some(v => valueMatches(values, v))) {
                        return false;
                    }
                    break;
                case "NotIn":
                    if (!listed.length || (values && !someValueOutside(values, listed))) {
                        return false;
                    }
                    break;
                case "Exists":
                    if (!values) {
                        return false;
                    }
                    break;
                case "DoesNotExist":
                    if (values) {
                        return false;
                    }
                    break;
                default:
                    return false;
            }
        }
        return true;
    };
}

/** Whether a Service selector (a plain map) selects some pod with these labels; an empty or unset one selects nothing. */
export function serviceSelectorSelects(selector: Record<string, string> | null | undefined, labels: PodLabels): boolean {
    return compileServiceSelector(selector)(labels);
}

/** serviceSelectorSelects with the selector read once. */
export function compileServiceSelector(selector: Record<string, string> | null | undefined): (labels: PodLabels) => boolean {
    const entries = Object.entries(selector ?? {});
    return labels => entries.length > 0 && entries.every(([key, value]) => {
        const values = labels.values(key);
        return values !== undefined && valueMatches(values, value);
    });
}

/**
 * The labels of a workload's pods: its template's, plus those its controller adds. `maxPods` is the
 * largest number of pods it runs (StatefulSet pod names and indexes run up to it).
 */
export function workloadPodLabels(w: Workload, maxPods: number): PodLabels {
    const declared = w.podLabels;
    const added: Record<string, LabelValues> = {};
    const any: LabelValues = { kind: "any" };
    switch (w.kind) {
        case "Deployment":
            added["pod-template-hash"] = any;
            break;
        case "StatefulSet":
            added["controller-revision-hash"] = any;
            added["statefulset.kubernetes.io/pod-name"] = { kind: "indexed", prefix: `${w.name}-`, count: maxPods };
            added["apps.kubernetes.io/pod-index"] = { kind: "indexed", prefix: "", count: maxPods };
            break;
        case "DaemonSet":
            added["controller-revision-hash"] = any;
            added["pod-template-generation"] = any;
            break;
        case "Job":
        case "CronJob": {
            // A CronJob's Jobs are named <cronjob>-<scheduled time>.
            const jobName: LabelValues = w.kind === "Job" ? { kind: "exact", value: w.name } : any;
            for (const key of ["controller-uid", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-completion-index"]) {
                added[key] = any;
            }
            added["job-name"] = jobName;
            added["batch.kubernetes.io/job-name"] = jobName;
            break;
        }
        default:
            break;
    }
    // Label lookups are memoised: a workload is matched against every selector of its namespace,
    // and each read of the props goes through the engine's proxy. Keys are read only when asked for.
    const seen = new Map<string, LabelValues | undefined>();
    return {
        declared,
        values: key => {
            if (seen.has(key)) {
                return seen.get(key);
            }
            const found: LabelValues | undefined = Object.prototype.hasOwnProperty.call(declared, key) ? { kind: "exact", value: declared[key] } : added[key];
            seen.set(key, found);
            return found;
        },
    };
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

// ---------------------------------------------------------------------------------------------
// Autoscalers

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
    scaleTargetRef?: { kind?: string; name?: string };
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

// ---------------------------------------------------------------------------------------------
// Scale

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

// ---------------------------------------------------------------------------------------------
// Requests and limits as the API server fills them in

/** A container as the policies read it, with the fields the k8s.ts view leaves out. */
export type FullContainer = Container & { restartPolicy?: string };

/** What a LimitRange of type Container fills in for a resource: its default request and default limit. */
export interface ContainerDefaults {
    name: string;
    request?: unknown;
    limit?: unknown;
}

interface LimitRangeItem {
    type?: string;
    default?: Record<string, unknown>;
    defaultRequest?: Record<string, unknown>;
    max?: Record<string, unknown>;
    min?: Record<string, unknown>;
}

/**
 * The container defaults of the LimitRanges the stack creates in a namespace, resolved the way the
 * API server defaults a LimitRange: default limit = `default`, else `max`; default request =
 * `defaultRequest`, else the default limit, else `min`.
 */
export function limitRangeDefaults(index: StackIndex, namespace: string, resource: string): ContainerDefaults[] {
    let cache = defaultsCache.get(index);
    if (!cache) {
        cache = new Map();
        defaultsCache.set(index, cache);
    }
    const key = `${namespace}\u0000${resource}`;
    let found = cache.get(key);
    if (!found) {
        found = computeDefaults(limitRangesIn(index, namespace), resource);
        cache.set(key, found);
    }
    return found;
}

/** Memo of limitRangeDefaults per stack index: quota-fit asks once per container. */
const defaultsCache = new WeakMap<StackIndex, Map<string, ContainerDefaults[]>>();
const limitRangesCache = new WeakMap<StackIndex, Map<string, Indexed[]>>();

function limitRangesIn(index: StackIndex, namespace: string): Indexed[] {
    let byNs = limitRangesCache.get(index);
    if (!byNs) {
        byNs = new Map();
        for (const lr of index.all("LimitRange")) {
            const list = byNs.get(lr.namespace);
            if (list) {
                list.push(lr);
            } else {
                byNs.set(lr.namespace, [lr]);
            }
        }
        limitRangesCache.set(index, byNs);
    }
    return byNs.get(namespace) ?? [];
}

function computeDefaults(limitRanges: Indexed[], resource: string): ContainerDefaults[] {
    const found: ContainerDefaults[] = [];
    for (const lr of limitRanges) {
        for (const item of ((lr.obj.spec as { limits?: LimitRangeItem[] } | undefined)?.limits ?? [])) {
            if (item.type !== "Container") {
                continue;
            }
            const limit = present(item.default?.[resource]) ? item.default?.[resource] : present(item.max?.[resource]) ? item.max?.[resource] : undefined;
            const request = present(item.defaultRequest?.[resource]) ? item.defaultRequest?.[resource] : limit ?? (present(item.min?.[resource]) ? item.min?.[resource] : undefined);
            if (request !== undefined || limit !== undefined) {
                found.push({ name: `LimitRange ${lr.namespace}/${lr.name}`, request, limit });
            }
        }
    }
    return found;
}

export function present(value: unknown): boolean {
    return value !== undefined && value !== null && value !== "";
}

/**
 * The request a container ends up with for a resource, and where it comes from: its own request;
 * else its limit (the API server defaults a missing request to the limit); else a LimitRange's
 * default. Undefined when the pod would have none.
 */
export function effectiveRequest(c: Container, resource: string, defaults: ContainerDefaults[]): { value: unknown; from: string } | undefined {
    const own = c.resources?.requests?.[resource];
    if (present(own)) {
        return { value: own, from: "request" };
    }
    const limit = c.resources?.limits?.[resource];
    if (present(limit)) {
        return { value: limit, from: "limit" };
    }
    const d = defaults.find(x => x.request !== undefined);
    return d ? { value: d.request, from: d.name } : undefined;
}

/** The limit a container ends up with for a resource: its own, else a LimitRange's default limit. */
export function effectiveLimit(c: Container, resource: string, defaults: ContainerDefaults[]): { value: unknown; from: string } | undefined {
    const own = c.resources?.limits?.[resource];
    if (present(own)) {
        return { value: own, from: "limit" };
    }
    const d = defaults.find(x => x.limit !== undefined);
    return d ? { value: d.limit, from: d.name } : undefined;
}

/** Sidecars are init containers with restartPolicy Always: they run alongside the app containers. */
export function isSidecar(c: Container): boolean {
    return (c as FullContainer).restartPolicy === "Always";
}

/**
 * A pod's request (or limit) for a resource, in base units, as the scheduler and ResourceQuota add
 * it up: the larger of (app containers + sidecars) and, for each plain init container, itself plus
 * the sidecars started before it. Missing or unparsable amounts count 0.
 */
export function podAmount(pod: PodSpec | undefined, amountOf: (c: Container) => unknown): number {
    const amount = (c: Container) => parseQuantity(amountOf(c)) ?? 0;
    let running = (pod?.containers ?? []).reduce((sum, c) => sum + amount(c), 0);
    let sidecars = 0;
    let init = 0;
    for (const c of pod?.initContainers ?? []) {
        if (isSidecar(c)) {
            sidecars += amount(c);
            running += amount(c);
        } else {
            init = Math.max(init, amount(c) + sidecars);
        }
    }
    return Math.max(running, init);
}

// ---------------------------------------------------------------------------------------------
// Pulumi property paths (ignoreChanges)

/**
 * Parses a Pulumi property path the way the engine does (`resource.ParsePropertyPath`): `a.b`,
 * `a["b"]`, `["a"].b`, `a[0]`, `a[*]`, `a.*`. Returns undefined for a path the engine rejects.
 */
export function parsePropertyPath(path: string): (string | number)[] | undefined {
    const elements: (string | number)[] = [];
    let rest = path;
    if (rest.startsWith(".")) {
        return undefined;
    }
    while (rest.length > 0) {
        if (rest[0] === ".") {
            rest = rest.slice(1);
            if (rest.length === 0) {
                return undefined;
            }
        } else if (rest[0] === "[") {
            if (rest[1] === "\"") {
                let key = "";
                let i = 2;
                for (; ;) {
                    if (i >= rest.length) {
                        return undefined;
                    } else if (rest[i] === "\"") {
                        i++;
                        break;
                    } else if (rest[i] === "\\" && rest[i + 1] === "\"") {
                        key += "\"";
                        i += 2;
                    } else {
                        key += rest[i];
                        i++;
                    }
                }
                if (rest[i] !== "]") {
                    return undefined;
                }
                elements.push(key);
                rest = rest.slice(i + 1);
            } else {
                const close = rest.indexOf("]");
                if (close < 0) {
                    return undefined;
                }
                const segment = rest.slice(1, close);
                if (segment === "*") {
                    elements.push("*");
                } else if (/^[+-]?[0-9]+$/.test(segment)) {
                    elements.push(Number(segment));
                } else {
                    return undefined;
                }
                rest = rest.slice(close + 1);
            }
        } else {
            const end = rest.search(/[.[]/);
            const name = end < 0 ? rest : rest.slice(0, end);
            elements.push(name);
            rest = end < 0 ? "" : rest.slice(end);
        }
    }
    return elements;
}

/**
 * Whether an ignoreChanges list covers a property: an entry covers it when the entry is the
 * property's path or a parent of it, `*` standing for any one key (`spec.replicas`, `spec`,
 * `spec.*`, `*` and `["spec"]["replicas"]` all cover spec.replicas; `spec.template` and
 * `spec.replicas.x` don't). This is the engine's PropertyPath.Contains.
 */
export function ignoreChangesCovers(ignoreChanges: readonly string[] | undefined, property: (string | number)[]): boolean {
    return (ignoreChanges ?? []).some(entry => {
        const path = parsePropertyPath(entry);
        return path !== undefined && path.length > 0 && path.length <= property.length &&
            path.every((p, i) => p === "*" || p === property[i]);
    });
}

// ---------------------------------------------------------------------------------------------
// Int-or-percent

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
