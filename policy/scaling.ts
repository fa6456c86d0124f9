/**
 * Scaling: autoscalers that can actually scale, that Pulumi does not fight, that leave room for
 * node drains, and workloads that fit their namespace's quota at full scale.
 */
import { Policies, StackValidationPolicy } from "@pulumi/policy";
import { containersOf, describeObject } from "./lib/k8s";
import { parseQuantity } from "./lib/quantity";
import { Autoscaler, LabelSelector, StackIndex, Workload, autoscalerFor, autoscalersOf, fixedReplicas, indexStack, selectorMatches } from "./lib/stack";

function hpaName(a: Autoscaler): string {
    return describeObject("HorizontalPodAutoscaler", a.entry.obj, a.entry.name);
}

function targetOf(index: StackIndex, a: Autoscaler): Workload | undefined {
    return index.workloads.find(w => w.namespace === a.entry.namespace && w.kind === a.targetKind && w.name === a.targetName);
}

/** An HPA on CPU or memory utilisation needs a target in the stack whose containers request that resource. */
export const hpaTargetRequests: StackValidationPolicy = {
    name: "hpa-target-requests",
    description: "A HorizontalPodAutoscaler that scales on CPU or memory targets a workload of the stack whose every container requests that resource: utilisation is measured against the request, so without it the HPA reports \"missing request for cpu\" and never scales.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const index = indexStack(args.resources);
        for (const a of autoscalersOf(index)) {
            const target = targetOf(index, a);
            if (!target) {
                reportViolation(`${hpaName(a)} targets ${a.targetKind || "(no kind)"} ${a.entry.namespace}/${a.targetName || "(no name)"}, which the stack does not create; the autoscaler would have nothing to scale. Fix spec.scaleTargetRef.`, a.entry.resource.urn);
                continue;
            }
            for (const { name: resource, container: only } of a.resources) {
                for (const { container, role } of containersOf(target.pod)) {
                    if (role !== "container" || (only && container.name !== only)) {
                        continue;
                    }
                    const request = container.resources?.requests?.[resource];
                    if (request === undefined || request === null || request === "") {
                        reportViolation(`${hpaName(a)} scales ${describeObject(target.kind, target.obj, target.name)} on ${resource}, but its container '${container.name ?? "(unnamed)"}' ` +
                            `requests no ${resource} ("missing request for ${resource}": the HPA never scales); set resources.requests.${resource} on it.`, a.entry.resource.urn);
                    }
                }
            }
        }
    },
};

/** Does an ignoreChanges list cover `spec.replicas`? An entry covers a path when it is the path or one of its parents. */
function ignoresReplicas(ignoreChanges: string[]): boolean {
    return ignoreChanges.some(p => p === "spec.replicas" || p === "spec" || p === "*" || p === "spec.*");
}

/** A workload under an HPA must not have Pulumi reset its replica count on every update. */
export const hpaReplicasNotPinned: StackValidationPolicy = {
    name: "hpa-replicas-not-pinned",
    description: "A Deployment or StatefulSet managed by a HorizontalPodAutoscaler leaves spec.replicas unset (or ignores changes to it): otherwise every pulumi up resets the count the autoscaler chose.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const index = indexStack(args.resources);
        for (const a of autoscalersOf(index)) {
            const target = targetOf(index, a);
            if (!target || (target.kind !== "Deployment" && target.kind !== "StatefulSet")) {
                continue;
            }
            const replicas = (target.obj.spec as { replicas?: number } | undefined)?.replicas;
            if (replicas !== undefined && !ignoresReplicas(target.resource.opts.ignoreChanges)) {
                reportViolation(`${describeObject(target.kind, target.obj, target.name)} pins spec.replicas: ${replicas} while ${hpaName(a)} scales it; every pulumi up resets the autoscaler's count. ` +
                    "Leave spec.replicas unset, or add ignoreChanges: [\"spec.replicas\"] to the resource.", target.resource.urn);
            }
        }
    },
};

export interface HpaRangeConfig {
    minReplicasFloor: number;
}

/** An HPA's range must leave it room to act, and keep enough pods for availability. */
export const hpaSaneRange: StackValidationPolicy = {
    name: "hpa-sane-range",
    description: "A HorizontalPodAutoscaler has maxReplicas above minReplicas (else it can't scale) and minReplicas at least the configured floor (one pod is a single point of failure in production).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            minReplicasFloor: { type: "integer", minimum: 1, default: 1, description: "Smallest minReplicas allowed (2 or more for production)." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { minReplicasFloor } = args.getConfig<HpaRangeConfig>();
        for (const a of autoscalersOf(indexStack(args.resources))) {
            if (a.maxReplicas <= a.minReplicas) {
                reportViolation(`${hpaName(a)} has maxReplicas ${a.maxReplicas} and minReplicas ${a.minReplicas}: it can never scale; set maxReplicas above minReplicas.`, a.entry.resource.urn);
            }
            if (a.minReplicas < minReplicasFloor) {
                reportViolation(`${hpaName(a)} has minReplicas ${a.minReplicas}, below the floor ${minReplicasFloor} (policy config minReplicasFloor); raise minReplicas.`, a.entry.resource.urn);
            }
        }
    },
};

/** `n` or `"n%"` of `total`, rounded up as Kubernetes does for PDBs. */
function scaled(value: number | string, total: number): number | undefined {
    if (typeof value === "number") {
        return value;
    }
    const m = /^(\d+)%$/.exec(value);
    if (m) {
        return Math.ceil((Number(m[1]) * total) / 100);
    }
    return /^\d+$/.test(value) ? Number(value) : undefined;
}

/** A PodDisruptionBudget that allows no disruption at the workload's smallest scale blocks every node drain. */
export const pdbAllowsDisruption: StackValidationPolicy = {
    name: "pdb-allows-disruption",
    description: "A PodDisruptionBudget still allows at least one voluntary disruption when its workload runs at its smallest scale (an HPA's minReplicas, else its replicas): otherwise node drains and cluster upgrades block forever.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const index = indexStack(args.resources);
        const autoscalers = autoscalersOf(index);
        for (const pdb of index.all("PodDisruptionBudget")) {
            const spec = (pdb.obj.spec ?? {}) as { selector?: LabelSelector; minAvailable?: number | string; maxUnavailable?: number | string };
            for (const w of index.workloadsIn(pdb.namespace)) {
                if (!selectorMatches(spec.selector, w.podLabels)) {
                    continue;
                }
                const hpa = autoscalerFor(autoscalers, w);
                const pods = hpa ? hpa.minReplicas : fixedReplicas(w);
                if (pods === 0) {
                    continue;
                }
                let allowed: number | undefined;
                let rule = "";
                if (spec.minAvailable !== undefined) {
                    const min = scaled(spec.minAvailable, pods);
                    allowed = min === undefined ? undefined : pods - min;
                    rule = `minAvailable ${spec.minAvailable}`;
                } else if (spec.maxUnavailable !== undefined) {
                    allowed = scaled(spec.maxUnavailable, pods);
                    rule = `maxUnavailable ${spec.maxUnavailable}`;
                }
                if (allowed !== undefined && allowed < 1) {
                    reportViolation(`${describeObject("PodDisruptionBudget", pdb.obj, pdb.name)} (${rule}) allows no disruption of ${describeObject(w.kind, w.obj, w.name)} at ${pods} pod(s)` +
                        `${hpa ? " (its autoscaler's minReplicas)" : ""}: node drains would block. Lower minAvailable, use maxUnavailable: 1, or run more pods.`, pdb.resource.urn);
                }
            }
        }
    },
};

/** Requests (or limits) of one pod, as the quota counts them: the larger of the biggest init container and the sum of the containers. */
function podAmount(w: Workload, field: "requests" | "limits", resource: string): number {
    let sum = 0;
    let init = 0;
    for (const { container, role } of containersOf(w.pod)) {
        const amount = parseQuantity(container.resources?.[field]?.[resource]) ?? 0;
        if (role === "init container") {
            init = Math.max(init, amount);
        } else {
            sum += amount;
        }
    }
    return Math.max(sum, init);
}

const QUOTA_KEYS: [string, "requests" | "limits", string][] = [
    ["requests.cpu", "requests", "cpu"], ["cpu", "requests", "cpu"], ["requests.memory", "requests", "memory"], ["memory", "requests", "memory"],
    ["limits.cpu", "limits", "cpu"], ["limits.memory", "limits", "memory"],
];

/** Workloads of a namespace at full scale fit the namespace's ResourceQuota. */
export const quotaFit: StackValidationPolicy = {
    name: "quota-fit",
    description: "Where the stack sets a ResourceQuota, the workloads of that namespace fit it at their largest scale (an HPA's maxReplicas, else replicas): pods beyond the quota are never created and the autoscaler silently stops short.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const index = indexStack(args.resources);
        const autoscalers = autoscalersOf(index);
        for (const quota of index.all("ResourceQuota")) {
            const hard = ((quota.obj.spec as { hard?: Record<string, unknown> } | undefined)?.hard ?? {});
            for (const [key, field, resource] of QUOTA_KEYS) {
                const limit = parseQuantity(hard[key]);
                if (limit === undefined) {
                    continue;
                }
                const shares = index.workloadsIn(quota.namespace).map(w => {
                    const hpa = autoscalerFor(autoscalers, w);
                    const pods = hpa ? hpa.maxReplicas : fixedReplicas(w);
                    return { w, pods, amount: pods * podAmount(w, field, resource) };
                }).filter(s => s.amount > 0);
                const total = shares.reduce((t, s) => t + s.amount, 0);
                if (total > limit + 1e-9) {
                    const fmt = (n: number) => resource === "cpu" ? `${Math.round(n * 1000)}m` : `${Math.round(n / 2 ** 20)}Mi`;
                    const list = shares.map(s => `${s.w.kind} ${s.w.name} ${s.pods}×${fmt(s.amount / s.pods)} = ${fmt(s.amount)}`).join("; ");
                    reportViolation(`${describeObject("ResourceQuota", quota.obj, quota.name)}: ${key} is ${String(hard[key])}, but the workloads of namespace ${quota.namespace} need ${fmt(total)} at full scale ` +
                        `(${list}); pods past the quota stay uncreated (the last to scale out stay Pending). Raise the quota or lower replicas, maxReplicas or requests.`, quota.resource.urn);
                }
            }
        }
    },
};

export const scalingPolicies: Policies = [hpaTargetRequests, hpaReplicasNotPinned, hpaSaneRange, pdbAllowsDisruption, quotaFit];


