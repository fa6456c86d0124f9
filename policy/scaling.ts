/**
 * Scaling: autoscalers that can actually scale, that Pulumi does not fight, that leave room for
 * node drains, and workloads that fit their namespace's quota at full scale.
 *
 * All of these relate objects to each other, so they are stack policies. Objects are matched by
 * kind, namespace (unset = `default`) and name; selectors by the labels the pods really carry
 * (lib/selectors.ts). Each finding is reported on the resource to fix.
 */
import { Policies, StackValidationPolicy } from "@pulumi/policy";
import { configSchema, readConfig } from "./lib/config";
import { Container, PodSpec, apiGroupOf, containersOf, describeObject, parseType } from "./lib/k8s";
import { formatBytes, parseQuantity } from "./lib/quantity";
import { ignoreChangesCovers } from "./lib/paths";
import { effectiveLimit, effectiveRequest, isSidecar, limitRangeDefaults, podAmount, present } from "./lib/resources";
import { Autoscaler, KEDA_DEFAULTS, SCALABLE_KINDS, ScaledWorkload, autoscalerName, autoscalersOf, namesTarget, scaleOf, scaledIntOrPercent, scaledStack, verticalAutoscalersOf } from "./lib/scale";
import { OperatorContainer, operatorContainersOf, operatorResourcesIn } from "./lib/operator-pods";
import { LabelSelector, compileLabelSelector } from "./lib/selectors";
import { Indexed, StackIndex, Workload, indexStack, kindKey } from "./lib/stack";

function workloadName(w: Workload | Indexed): string {
    return describeObject(w.kind, w.obj, w.name);
}

/** The workload an autoscaler targets (same namespace, kind and name), if the stack creates it. */
function targetOf(index: StackIndex, a: Autoscaler): Workload | undefined {
    return index.workloadsIn(a.entry.namespace).find(w => w.kind === a.targetKind && w.name === a.targetName);
}

/** Containers an autoscaler's utilisation is computed over: app containers and sidecars (restartable init containers). */
function measuredContainers(pod: PodSpec | undefined): { container: Container; role: string }[] {
    return [
        ...(pod?.containers ?? []).map(container => ({ container, role: "container" })),
        ...(pod?.initContainers ?? []).filter(isSidecar).map(container => ({ container, role: "sidecar container" })),
    ];
}

/**
 * A HorizontalPodAutoscaler's target exists, can be scaled, and requests what the autoscaler
 * measures utilisation against.
 */
export const hpaTargetRequests: StackValidationPolicy = {
    name: "hpa-target-requests",
    description: "A HorizontalPodAutoscaler (or a KEDA ScaledObject, whose cpu and memory Utilization triggers work the same) targets a scalable workload the stack creates (same namespace), and when it scales on CPU or memory utilisation every container of the target's pods requests that resource: utilisation is usage divided by the request, so without one the autoscaler reports \"missing request for cpu\" and never scales.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const index = indexStack(args.resources);
        for (const a of autoscalersOf(index)) {
            const urn = a.entry.resource.urn;
            if (!namesTarget(a)) {
                const missing = [a.targetKind ? "" : "kind", a.targetName ? "" : "name"].filter(Boolean).join(" and ");
                reportViolation(`${autoscalerName(a)} names no target (its spec.scaleTargetRef has no ${missing}), so it has nothing to scale. ` +
                    "Set spec.scaleTargetRef to the kind and name of a workload in its namespace.", urn);
                continue;
            }
            const target = targetOf(index, a);
            if (!target) {
                const other = index.find(kindKey(a.targetApiVersion, a.targetKind), a.entry.namespace, a.targetName);
                if (!other) {
                    reportViolation(`${autoscalerName(a)} targets ${a.targetKind} ${a.entry.namespace}/${a.targetName}, which the stack does not create; ` +
                        "the autoscaler would have nothing to scale. Fix spec.scaleTargetRef (kind and name, in the autoscaler's namespace).", urn);
                }
                continue; // a custom resource with a scale subresource: its pods are not visible here
            }
            if (!SCALABLE_KINDS.includes(target.kind)) {
                reportViolation(`${autoscalerName(a)} targets ${workloadName(target)}, which has no scale subresource: the autoscaler fails with "the HPA controller was unable to get the target's current scale". ` +
                    "Target a Deployment, StatefulSet or ReplicaSet.", urn);
                continue;
            }
            // The controller looks the target up by API group and kind (the version doesn't matter): a group that
            // doesn't serve the kind (extensions/v1beta1, from before apps/v1) finds nothing to scale.
            const targetVersion = parseType(target.resource.type)?.apiVersion ?? "";
            if (a.targetApiVersion && apiGroupOf(a.targetApiVersion) !== apiGroupOf(targetVersion)) {
                reportViolation(`${autoscalerName(a)} names scaleTargetRef.apiVersion ${a.targetApiVersion}, but ${target.kind} is in API group ${apiGroupOf(targetVersion) || "core"}: ` +
                    `the autoscaler finds no ${target.kind} in group ${apiGroupOf(a.targetApiVersion) || "core"} and never scales (FailedGetScale); set apiVersion: ${targetVersion}.`, urn);
                continue;
            }
            const podLevel = (target.pod as { resources?: { requests?: Record<string, unknown> } } | undefined)?.resources?.requests ?? {};
            for (const metric of a.utilization) {
                const measured = measuredContainers(target.pod);
                if (metric.container !== undefined) {
                    if (!measured.some(({ container }) => container.name === metric.container)) {
                        reportViolation(`${autoscalerName(a)} scales ${workloadName(target)} on ${metric.label}, but its pods have no container '${metric.container}' ` +
                            `(they have ${measured.map(m => `'${m.container.name ?? "(unnamed)"}'`).join(", ") || "none"}); fix containerResource.container.`, urn);
                        continue;
                    }
                } else if (present(podLevel[metric.resource])) {
                    continue; // pod-level resources: the autoscaler uses the pod's request
                }
                const defaults = limitRangeDefaults(index, target.namespace, metric.resource);
                for (const { container, role } of measured) {
                    if (metric.container !== undefined && container.name !== metric.container) {
                        continue;
                    }
                    if (!effectiveRequest(container, metric.resource, defaults)) {
                        const on = metric.container === undefined ? metric.resource : `${metric.resource} of container '${metric.container}'`;
                        reportViolation(`${autoscalerName(a)} scales ${workloadName(target)} on ${on}, but its ${role} '${container.name ?? "(unnamed)"}' requests no ${metric.resource} ` +
                            `("missing request for ${metric.resource}": the HPA never scales); set resources.requests.${metric.resource} on it.`, urn);
                    }
                }
            }
        }
    },
};

/** A workload under an HPA must not have Pulumi reset its replica count. */
export const hpaReplicasNotPinned: StackValidationPolicy = {
    name: "hpa-replicas-not-pinned",
    description: "A Deployment, StatefulSet or ReplicaSet driven by a HorizontalPodAutoscaler (or a KEDA ScaledObject) leaves spec.replicas unset, or its resource's ignoreChanges covers it (\"spec.replicas\", \"spec\", \"spec.*\" or \"*\"): otherwise each update Pulumi makes to it sends the pinned count again and resets the count the autoscaler chose.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const index = indexStack(args.resources);
        const seen = new Set<Workload>();
        for (const a of autoscalersOf(index)) {
            const target = targetOf(index, a);
            if (!target || !SCALABLE_KINDS.includes(target.kind) || seen.has(target)) {
                continue;
            }
            seen.add(target);
            const replicas = (target.obj.spec as { replicas?: number | null } | undefined)?.replicas;
            if (replicas !== undefined && replicas !== null && !ignoreChangesCovers(target.resource.opts.ignoreChanges, ["spec", "replicas"])) {
                reportViolation(`${workloadName(target)} pins spec.replicas: ${replicas} while ${autoscalerName(a)} scales it; whenever the ${target.kind} is applied again ` +
                    `(a Pulumi update for a new image, a changed setting, or after a refresh that read the autoscaler's count; kubectl apply; a GitOps sync), replicas: ${replicas} is sent again and overrides the autoscaler. ` +
                    "Leave spec.replicas unset (in a Pulumi program, ignoreChanges: [\"spec.replicas\"] on the resource also works).", target.resource.urn);
            }
        }
    },
};

export interface HpaRangeConfig {
    /** Smallest minReplicas allowed. */
    minReplicasFloor: number;
}

const hpaRangeSchema = configSchema<HpaRangeConfig>({
    minReplicasFloor: { type: "integer", minimum: 1, default: 1, description: "Smallest minReplicas allowed: 1 for workshops, 2 or more for production." },
});

/** Where a workload's largest scale comes from, for quota messages. */
function maxOf(a: Autoscaler): string {
    return a.kind === "ScaledObject" ? "ScaledObject max" : "HPA max";
}

/** An HPA's range must leave it room to act, and keep enough pods for availability. */
export const hpaSaneRange: StackValidationPolicy = {
    name: "hpa-sane-range",
    description: "A HorizontalPodAutoscaler has maxReplicas above minReplicas (else it can't scale), minReplicas (1 when unset) at least the configured floor (one pod is a single point of failure in production), and is the only autoscaler of its target (with two, the controller refuses to scale: AmbiguousSelector). A KEDA ScaledObject likewise, with maxReplicaCount (100 when unset) and minReplicaCount, except that one scaling to 0 between events does so by design; one with only cpu and memory triggers needs minReplicaCount 1 or more (KEDA's webhook), and one taking over an HPA (transfer-hpa-ownership, naming it in advanced.horizontalPodAutoscalerConfig.name) is not a second autoscaler. No VerticalPodAutoscaler (updateMode other than Off) sets the requests of a resource the autoscaler scales on by utilization: the two undo each other.",
    enforcementLevel: "mandatory",
    configSchema: hpaRangeSchema,
    validateStack: (args, reportViolation) => {
        const { minReplicasFloor } = readConfig(hpaRangeSchema, args);
        const seen = new Map<string, Autoscaler>();
        const index = indexStack(args.resources);
        const vertical = verticalAutoscalersOf(index);
        for (const a of autoscalersOf(index)) {
            const urn = a.entry.resource.urn;
            const { min, max } = a.fields;
            if (a.maxReplicas === undefined || a.maxReplicas === null) {
                reportViolation(`${autoscalerName(a)} sets no ${max}, which the API server requires; set ${max} above ${min} (${a.minReplicas}).`, urn);
            } else if (a.maxReplicas <= a.minReplicas) {
                reportViolation(`${autoscalerName(a)} has ${max} ${a.maxReplicas} and ${min} ${a.minReplicas}: it can never scale; set ${max} above ${min}.`, urn);
            }
            if (a.refusal) {
                reportViolation(`${autoscalerName(a)} ${a.refusal}.`, urn);
            } else if (a.minReplicas < minReplicasFloor && !a.scaleToZero) {
                // A ScaledObject that scales to 0 between events does so by design: no floor applies.
                reportViolation(`${autoscalerName(a)} has ${min} ${a.minReplicas}, below the floor ${minReplicasFloor} (policy config minReplicasFloor); raise ${min}.`, urn);
            }
            // A VerticalPodAutoscaler raising the requests an HPA divides usage by lowers the utilisation the HPA sees: they fight.
            for (const v of vertical) {
                if (!namesTarget(a) || v.entry.namespace !== a.entry.namespace || v.targetKind !== a.targetKind || v.targetName !== a.targetName) {
                    continue;
                }
                const shared = [...new Set(a.utilization.filter(m => m.relative && v.controls.includes(m.resource)).map(m => m.resource))];
                if (shared.length) {
                    reportViolation(`${autoscalerName(a)} scales ${a.targetKind} ${a.entry.namespace}/${a.targetName} on ${shared.join(" and ")} utilization, and VerticalPodAutoscaler ` +
                        `${v.entry.namespace}/${v.entry.name} (updateMode ${v.mode}) sets its ${shared.join(" and ")} requests: utilization is usage over the request, so each change of the one undoes the other ` +
                        `(the VPA's own README: don't use both on cpu or memory). Let the VPA control only other resources (resourcePolicy.containerPolicies[].controlledResources), set its updateMode: Off to keep its recommendations, or scale on another metric.`, urn);
                }
            }
            if (!namesTarget(a)) {
                continue; // no target to share (hpa-target-requests reports it)
            }
            const key = `${a.entry.namespace}/${a.targetKind}/${a.targetName}`;
            const first = seen.get(key);
            const adopted = first && (a.adopts === first.entry.name && first.kind === "HorizontalPodAutoscaler" || first.adopts === a.entry.name && a.kind === "HorizontalPodAutoscaler");
            if (first && !adopted) {
                const keda = a.kind === "ScaledObject" || first.kind === "ScaledObject";
                reportViolation(`${autoscalerName(a)} and ${autoscalerName(first)} both target ${a.targetKind} ${a.entry.namespace}/${a.targetName}: ` +
                    (keda
                        ? "KEDA's admission webhook refuses a ScaledObject for a workload another autoscaler scales, and two HPAs on one target make the controller refuse to scale it (AmbiguousSelector). "
                        : "the controller refuses to scale pods claimed by two autoscalers (AmbiguousSelector). ") +
                    "Keep one autoscaler per workload.", urn);
            } else {
                seen.set(key, a);
            }
        }
    },
};

/** Kinds whose pods a node drain evicts through the eviction API (DaemonSet pods are left in place; Jobs' pods finish). */
const EVICTED_KINDS = ["Deployment", "StatefulSet", "ReplicaSet", "Pod", "Rollout"];

interface PdbSpec {
    selector?: LabelSelector | null;
    minAvailable?: number | string | null;
    maxUnavailable?: number | string | null;
}

/**
 * A PodDisruptionBudget that allows no disruption at its workloads' smallest scale blocks every
 * node drain; so does a pod covered by two budgets.
 */
export const pdbAllowsDisruption: StackValidationPolicy = {
    name: "pdb-allows-disruption",
    description: "A PodDisruptionBudget still allows at least one voluntary disruption when the pods it selects run at their smallest scale (an HPA's minReplicas, else replicas), and no pod is selected by two budgets: otherwise node drains and cluster upgrades block.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const { index, inNamespace } = scaledStack(args.resources);
        const budgetsOf = new Map<Workload, Indexed[]>();
        const evicted = new Map<string, ScaledWorkload[]>();
        const evictedIn = (namespace: string): ScaledWorkload[] => {
            let list = evicted.get(namespace);
            if (!list) {
                list = inNamespace(namespace).filter(({ w }) => EVICTED_KINDS.includes(w.kind));
                evicted.set(namespace, list);
            }
            return list;
        };
        for (const pdb of index.all("PodDisruptionBudget")) {
            const what = describeObject("PodDisruptionBudget", pdb.obj, pdb.name);
            const urn = pdb.resource.urn;
            const spec = (pdb.obj.spec ?? {}) as PdbSpec;
            const empty = pdb.resource.type.includes(":policy/v1beta1:") ? "nothing" : "everything";
            const candidates = evictedIn(pdb.namespace);
            const selects = candidates.length ? compileLabelSelector(spec.selector, empty) : () => false;
            const selected = candidates.filter(({ labels }) => selects(labels));
            for (const { w } of selected) {
                budgetsOf.set(w, [...(budgetsOf.get(w) ?? []), pdb]);
            }
            const hasMin = spec.minAvailable !== undefined && spec.minAvailable !== null;
            const hasMax = spec.maxUnavailable !== undefined && spec.maxUnavailable !== null;
            if (hasMin && hasMax) {
                reportViolation(`${what} sets both minAvailable and maxUnavailable; the API server accepts only one. Keep maxUnavailable: 1.`, urn);
                continue;
            }
            const pods = selected.reduce((sum, s) => sum + s.scale.min, 0);
            if (!selected.length || pods === 0 || (!hasMin && !hasMax)) {
                continue; // nothing selected, nothing running, or no constraint
            }
            const rule = hasMin ? `minAvailable ${spec.minAvailable}` : `maxUnavailable ${spec.maxUnavailable}`;
            // The disruption controller rounds both percentages up (GetScaledValueFromIntOrPercent(…, true)).
            const value = scaledIntOrPercent(hasMin ? spec.minAvailable : spec.maxUnavailable, pods, true);
            if (value === undefined) {
                reportViolation(`${what} has ${rule}, which is neither a non-negative integer nor a percentage such as "50%"; the API server rejects it.`, urn);
                continue;
            }
            const allowed = hasMin ? pods - value : Math.min(value, pods);
            if (allowed >= 1) {
                continue;
            }
            const names = selected.map(s => workloadName(s.w)).join(" and ");
            const autoscaled = selected.filter(s => s.scale.hpa);
            const note = !autoscaled.length ? "" : selected.length === 1 ? " (its autoscaler's minReplicas)" : " (autoscaled ones at their minReplicas)";
            const fix = hasMax ? "set maxUnavailable: 1"
                : pods >= 2 ? `set minAvailable to at most ${pods - 1} (or use maxUnavailable: 1)`
                    : "one pod can't stay available through a drain: run at least 2 pods (minReplicas 2), or use maxUnavailable: 1";
            reportViolation(`${what} (${rule}) allows no disruption of ${names} at ${pods} pod(s)${note}: node drains would block. ${fix[0].toUpperCase()}${fix.slice(1)}.`, urn);
        }
        for (const [w, budgets] of budgetsOf) {
            if (budgets.length > 1) {
                reportViolation(`${workloadName(w)}: its pods are selected by ${budgets.map(b => describeObject("PodDisruptionBudget", b.obj, b.name)).join(" and ")}; ` +
                    "the eviction API refuses to evict a pod covered by more than one budget, so node drains block on them. Keep one budget per pod.", budgets[1].resource.urn);
            }
        }
    },
};

/** Quota keys the policy checks: key → which amount of the pods it sums. */
const QUOTA_KEYS: [key: string, field: "requests" | "limits", resource: string][] = [
    ["requests.cpu", "requests", "cpu"], ["cpu", "requests", "cpu"], ["requests.memory", "requests", "memory"], ["memory", "requests", "memory"],
    ["limits.cpu", "limits", "cpu"], ["limits.memory", "limits", "memory"],
];

const DECIMAL: [string, number][] = [["T", 1e12], ["G", 1e9], ["M", 1e6], ["k", 1e3]];

/** A CPU amount (cores) or memory amount (bytes) as messages show it: 500m, 1.5, 256Mi, 1G. */
function formatAmount(resource: string, n: number): string {
    if (resource === "cpu") {
        const milli = Math.round(n * 1000);
        return milli % 1000 === 0 ? `${milli / 1000}` : `${milli}m`;
    }
    const binary = formatBytes(n);
    if (binary !== `${n}`) {
        return binary;
    }
    const decimal = DECIMAL.find(([, f]) => n >= f && Number.isInteger(n / f));
    return decimal ? `${n / decimal[1]}${decimal[0]}` : `${Math.round(n)}`;
}

/** Where a workload's full scale comes from, for quota messages: its autoscaler's bound, a DaemonSet's one node, a ScaledJob's Jobs. */
function scaleNote(w: Workload, scale: ReturnType<typeof scaleOf>): string {
    if (scale.hpa) {
        return ` (${maxOf(scale.hpa)})`;
    }
    if (w.kind === "DaemonSet") {
        return " (counted for one node)";
    }
    if (w.kind === "ScaledJob") {
        const max = (w.obj.spec as { maxReplicaCount?: number } | undefined)?.maxReplicaCount;
        return ` (maxReplicaCount ${max ?? `${KEDA_DEFAULTS.maxReplicaCount} by default`} Jobs at once)`;
    }
    return "";
}

/** ` (KEDA: maxReplicaCount)` when KEDA sets the full scale of one of `shares` (a ScaledObject or a ScaledJob), else nothing. */
function isKeda(w: Workload, scale: ReturnType<typeof scaleOf>): boolean {
    return w.kind === "ScaledJob" || scale.hpa?.kind === "ScaledObject";
}

/** What to add to "lower replicas, maxReplicas" when KEDA scales one of the workloads. */
const KEDA_BOUND = " (KEDA: maxReplicaCount)";

/** A container a namespace's quota admits or refuses: a workload's, or the main container of the pods an operator runs. */
interface QuotaContainer {
    what: string;
    urn: string;
    /** `container 'web'`, `postgres container` */
    label: string;
    /** Where its resources are written: `resources` in a container, `spec.resources` in a custom resource. */
    at: string;
    container: Container;
    operator: boolean;
}

/** What one workload (or one group of an operator's pods) takes of a quota at full scale, and at its smallest. */
interface QuotaShare {
    /** `Deployment web`, `CloudNativePG Cluster pg postgres container` */
    name: string;
    max: number;
    perPod: number;
    amount: number;
    least: number;
    /** Why its pods number what they do (an HPA's bounds, one node for a DaemonSet), or "". */
    note: string;
    keda: boolean;
}

/** The main containers of the pods the operators' resources of a namespace run (lib/operator-pods.ts). */
interface OperatorPods {
    what: string;
    /** The resource as the quota's list names it: `CloudNativePG Cluster pg`. */
    name: string;
    urn: string;
    c: OperatorContainer;
}

function operatorPodsOf(index: StackIndex, namespace: string): OperatorPods[] {
    return operatorResourcesIn(index).filter(o => o.namespace === namespace).flatMap(o => {
        const { what, label, containers } = operatorContainersOf(o.resource.type, o.resource.props, o.resource.name);
        return containers.map(c => ({ what, name: `${label} ${o.name}`, urn: o.resource.urn, c }));
    });
}

/** Workloads of a namespace at full scale fit the namespace's ResourceQuota, and can be admitted at all. */
export const quotaFit: StackValidationPolicy = {
    name: "quota-fit",
    description: "Where the stack sets a ResourceQuota on CPU, memory or pods, the workloads of that namespace (and the pods an operator runs there for its custom resource, by their main container) fit it at their largest scale (an HPA's maxReplicas, else replicas; a DaemonSet counts one pod), and every container sets the requests and limits it tracks: the API server refuses pods past the quota (\"exceeded quota\") or without them (\"must specify\"), so autoscalers stop short and rollouts stall.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const { index, inNamespace } = scaledStack(args.resources);
        // Per namespace and quota key: each workload's share. Several quotas of a namespace reuse them.
        const containersIn = new Map<string, QuotaContainer[]>();
        const lackingOf = new Map<string, Set<Container>>();
        const sharesOf = new Map<string, QuotaShare[]>();
        const operatorPodsIn = new Map<string, OperatorPods[]>();
        for (const quota of index.all("ResourceQuota")) {
            const spec = (quota.obj.spec ?? {}) as { hard?: Record<string, unknown>; scopes?: string[]; scopeSelector?: { matchExpressions?: unknown[] } };
            if (spec.scopes?.length || spec.scopeSelector?.matchExpressions?.length) {
                continue; // a scoped quota counts only some pods (by priority class, QoS, deadline): not modelled
            }
            const hard = spec.hard ?? {};
            const what = describeObject("ResourceQuota", quota.obj, quota.name);
            const workloads = inNamespace(quota.namespace);
            let operators = operatorPodsIn.get(quota.namespace);
            if (!operators) {
                operators = operatorPodsOf(index, quota.namespace);
                operatorPodsIn.set(quota.namespace, operators);
            }
            const tracked = QUOTA_KEYS.filter(([key]) => present(hard[key]));

            // Admission: a quota on requests.cpu (etc.) rejects pods whose containers don't set it.
            let containers = containersIn.get(quota.namespace);
            if (!containers) {
                containers = [
                    ...workloads.flatMap(({ w }) => containersOf(w.pod).map(({ container, role }): QuotaContainer =>
                        ({ what: workloadName(w), urn: w.resource.urn, label: `${role} '${container.name ?? "(unnamed)"}'`, at: "resources", container, operator: false }))),
                    ...operators.map(({ what, urn, c }): QuotaContainer => ({ what, urn, label: c.label, at: c.at, container: c.container, operator: true })),
                ];
                containersIn.set(quota.namespace, containers);
            }
            const lackingBy = tracked.map(([key, field, resource]) => {
                const cacheKey = `${quota.namespace}\u0000${key}`;
                let lacking = lackingOf.get(cacheKey);
                if (!lacking) {
                    const defaults = limitRangeDefaults(index, quota.namespace, resource);
                    lacking = new Set(containers.map(c => c.container).filter(container =>
                        !(field === "requests" ? effectiveRequest(container, resource, defaults) : effectiveLimit(container, resource, defaults))));
                    lackingOf.set(cacheKey, lacking);
                }
                return { key, lacking };
            });
            if (lackingBy.some(({ lacking }) => lacking.size > 0)) {
                for (const c of containers) {
                    const missing = lackingBy.filter(({ lacking }) => lacking.has(c.container)).map(({ key }) => key);
                    if (!missing.length) {
                        continue;
                    }
                    reportViolation(`${c.what}: ${c.label} sets no ${missing.join(", ")}, which ${what} tracks; the API server rejects its pods ` +
                        `("must specify ${missing.join(",")}"). Set ${[...new Set(missing.map(k => `${c.at}.${k.includes(".") ? k : `requests.${k}`}`))].join(" and ")}, or give namespace ${quota.namespace} a LimitRange with defaults` +
                        `${c.operator ? " (which also reach the containers its operator adds beside it, whose resources this resource may not set)" : ""}.`, c.urn);
                }
            }

            // Capacity: the sum at full scale.
            for (const [key, field, resource] of tracked) {
                const limit = parseQuantity(hard[key]);
                if (limit === undefined) {
                    continue; // valid-quantities reports unparsable amounts
                }
                const cacheKey = `${quota.namespace}\u0000${key}`;
                let shares = sharesOf.get(cacheKey);
                if (!shares) {
                    const defaults = limitRangeDefaults(index, quota.namespace, resource);
                    const amountOf = (c: Container) => (field === "requests" ? effectiveRequest(c, resource, defaults) : effectiveLimit(c, resource, defaults))?.value;
                    shares = [
                        ...workloads.map(({ w, scale }): QuotaShare => {
                            const perPod = podAmount(w.pod, amountOf);
                            return { name: `${w.kind} ${w.name}`, max: scale.max, perPod, amount: scale.max * perPod, least: scale.min * perPod, note: scaleNote(w, scale), keda: isKeda(w, scale) };
                        }),
                        ...operators.filter(o => o.c.pods !== undefined).map(({ name, c }): QuotaShare => {
                            const pods = c.pods ?? 0;
                            const perPod = parseQuantity(amountOf(c.container)) ?? 0;
                            return { name: `${name} ${c.label}`, max: pods, perPod, amount: pods * perPod, least: pods * perPod, note: "", keda: false };
                        }),
                    ].filter(s => s.amount > 0);
                    sharesOf.set(cacheKey, shares);
                }
                const total = shares.reduce((t, s) => t + s.amount, 0);
                if (total <= limit * (1 + 1e-12)) {
                    continue;
                }
                const least = shares.reduce((t, s) => t + s.least, 0);
                const fmt = (n: number) => formatAmount(resource, n);
                const list = shares.map(s => `${s.name} ${s.max}×${fmt(s.perPod)} = ${fmt(s.amount)}${s.note}`).join("; ");
                reportViolation(`${what}: ${key} is ${String(hard[key])}, but the workloads of namespace ${quota.namespace} need ${fmt(total)} at full scale (${list}). ` +
                    "The API server refuses pods past the quota (\"exceeded quota\"), so whichever workload scales out last stays short of its replicas" +
                    `${least > limit * (1 + 1e-12) ? `; even at their smallest scale they need ${fmt(least)}, so some pods can never start` : ""}. ` +
                    `Raise the quota or lower replicas, maxReplicas${shares.some(s => s.keda) ? KEDA_BOUND : ""} or requests.`, quota.resource.urn);
            }

            const podLimit = parseQuantity(hard["pods"]);
            if (podLimit !== undefined) {
                const running = [
                    ...workloads.filter(({ scale }) => scale.max > 0).map(({ w, scale }) =>
                        ({ pods: scale.max, text: `${w.kind} ${w.name} ${scale.max}${w.kind === "DaemonSet" ? "" : scaleNote(w, scale)}`, keda: isKeda(w, scale) })),
                    ...operators.filter(({ c }) => (c.pods ?? 0) > 0).map(({ name, c }) => ({ pods: c.pods ?? 0, text: `${name} ${c.label} ${c.pods ?? 0}`, keda: false })),
                ];
                const total = running.reduce((t, r) => t + r.pods, 0);
                if (total > podLimit) {
                    reportViolation(`${what}: pods is ${String(hard["pods"])}, but the workloads of namespace ${quota.namespace} run ${total} pods at full scale ` +
                        `(${running.map(r => r.text).join("; ")}); pods past the quota are refused. ` +
                        `Raise the quota or lower replicas or maxReplicas${running.some(r => r.keda) ? KEDA_BOUND : ""}.`, quota.resource.urn);
                }
            }
        }
    },
};

export const scalingPolicies: Policies = [hpaTargetRequests, hpaReplicasNotPinned, hpaSaneRange, pdbAllowsDisruption, quotaFit];
