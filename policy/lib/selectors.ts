/**
 * Label selectors, evaluated against the labels a workload's pods really carry: the template's,
 * plus the ones their controller adds (`pod-template-hash`, `statefulset.kubernetes.io/pod-name`,
 * `job-name`, …), so that a Service pinned to `mongodb-0` is not mistaken for a dangling one.
 * This is the one place that decides whether a selector selects a pod: Services, disruption
 * budgets, anti-affinity terms and topology spread constraints all ask here.
 *
 * Everything reads props lazily: a value unknown during a preview throws the engine's
 * UnknownValueError from here, as it must (never catch it).
 */
import { objectsIn } from "./k8s";
import { Workload } from "./stack";

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
    const expressions: Requirement[] = objectsIn<NonNullable<LabelSelector["matchExpressions"]>[number]>(selector.matchExpressions)
        .map(e => ({ key: e.key, operator: e.operator, values: Array.isArray(e.values) ? e.values.map(String) : [] }));
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
        case "Rollout":
            added["rollouts-pod-template-hash"] = any;
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
        case "CronJob":
        case "ScaledJob": {
            // A CronJob's Jobs are named <cronjob>-<scheduled time>, a ScaledJob's <scaledjob>-<random suffix>.
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

/** Kinds whose spec.selector the API server requires to select their own pod template (apps/v1). */
const SELECTOR_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Rollout"];

/** The matchLabels of a workload's own spec.selector (the kinds above; Pods have none, Jobs' are generated), when it has any. */
export function ownMatchLabels(kind: string, obj: { spec?: unknown }): Record<string, string> | undefined {
    const own = SELECTOR_KINDS.includes(kind) ? (obj.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels : undefined;
    return own && Object.keys(own).length ? own : undefined;
}

/**
 * What the API server would say about a workload whose own spec.selector does not select its pod
 * template's labels (it rejects the object: "selector does not match template labels"), or
 * undefined when the selector is fine or the kind has none to check (Pods; Jobs and CronJobs,
 * whose selectors are generated). Such an object never reaches the cluster: an input error, not a
 * policy finding.
 */
export function templateSelectorProblem(kind: string, obj: Record<string, unknown>): string | undefined {
    if (!SELECTOR_KINDS.includes(kind)) {
        return undefined;
    }
    const spec = (obj.spec ?? {}) as Record<string, unknown>;
    const selector = spec.selector as LabelSelector | null | undefined;
    const labels = ((spec.template as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata?.labels) ?? {};
    if (selector === undefined || selector === null) {
        return "has no spec.selector, which the API server requires; set spec.selector.matchLabels to (a subset of) the pod template's labels";
    }
    if (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length) {
        return "has an empty spec.selector, which the API server rejects; set spec.selector.matchLabels to (a subset of) the pod template's labels";
    }
    if (!labelSelectorSelects(selector, plainLabels(labels))) {
        return `has spec.selector ${JSON.stringify(selector)}, which does not select its pod template's labels ${JSON.stringify(labels)}; ` +
            "the API server rejects it (\"selector does not match template labels\"). Make the selector a subset of the template's labels";
    }
    return undefined;
}
