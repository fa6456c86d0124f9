/**
 * Placement: rules that keep a workload's pods apart (required pod anti-affinity, topology spread
 * constraints) only work when their label selector matches the pods they are meant to spread. A
 * selector copied from another chart, or left behind after the pod labels were renamed, matches
 * nothing: the manifest is accepted, every pod may land on one node, and one node failure takes
 * them all. Selectors are matched against the labels the pods really carry (lib/selectors.ts).
 */
import { Policies, StackValidationPolicy } from "@pulumi/policy";
import { describeObject } from "./lib/k8s";
import { ScaledWorkload, scaledStack } from "./lib/scale";
import { LabelSelector, compileLabelSelector } from "./lib/selectors";

/** A pod (anti-)affinity term, as the policies read it. */
interface PodAffinityTerm {
    labelSelector?: LabelSelector | null;
    namespaces?: string[] | null;
    namespaceSelector?: LabelSelector | null;
    topologyKey?: string;
    matchLabelKeys?: string[] | null;
    mismatchLabelKeys?: string[] | null;
}

interface TopologySpreadConstraint {
    topologyKey?: string;
    whenUnsatisfiable?: string;
    labelSelector?: LabelSelector | null;
}

interface PlacementSpec {
    affinity?: { podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[] | null } | null } | null;
    topologySpreadConstraints?: TopologySpreadConstraint[] | null;
}

/** A selector as messages show it: `{"app":"web"}`, or the whole selector when it has expressions; `none` when unset. */
function showSelector(selector: LabelSelector | null | undefined): string {
    if (!selector) {
        return "none";
    }
    return selector.matchExpressions?.length ? JSON.stringify(selector) : JSON.stringify(selector.matchLabels ?? {});
}

/**
 * A workload's required pod anti-affinity terms and topology spread constraints select its own
 * pods. An anti-affinity term that keeps the pods away from another workload's (it selects that
 * workload's pods) is deliberate and passes; one that selects no pod of the stack at all is
 * reported. A spread constraint counts only the pods its selector matches, so one that doesn't
 * match the workload's own pods never spreads them.
 */
export const spreadSelectsOwnPods: StackValidationPolicy = {
    name: "spread-selects-own-pods",
    description: "A required pod anti-affinity term (requiredDuringSchedulingIgnoredDuringExecution) selects the pods of its own workload, or at least some other workload's pods in its namespaces; a topologySpreadConstraint selects its own workload's pods. A selector that matches none of them (an unset one matches nothing) keeps nothing apart: every replica may land on one node or zone, and one failure takes them all. Anti-affinity terms about other namespaces only, reaching namespaces by a namespaceSelector with requirements, or using mismatchLabelKeys are skipped. Advisory by default and in the workshop profile (one-node clusters don't spread anyway), mandatory in the production profile.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const { index, inNamespace } = scaledStack(args.resources);
        const namespaces = [...new Set(index.workloads.map(w => w.namespace))];
        for (const w of index.workloads) {
            const spec = (w.pod ?? {}) as PlacementSpec;
            // Entries that are no mapping become undefined and are skipped below; the others keep their place (messages number them).
            const mapped = <T>(list: unknown): (T | undefined)[] => (Array.isArray(list) ? list : []).map(e => typeof e === "object" && e !== null ? e as T : undefined);
            const terms = mapped<PodAffinityTerm>(spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
            const constraints = mapped<NonNullable<PlacementSpec["topologySpreadConstraints"]>[number]>(spec.topologySpreadConstraints);
            if (!terms.length && !constraints.length) {
                continue;
            }
            const own = inNamespace(w.namespace).find(s => s.w === w);
            if (!own) {
                continue;
            }
            const what = describeObject(w.kind, w.obj, w.name);
            const podLabels = JSON.stringify(w.podLabels);
            terms.forEach((term, i) => {
                if (!term || term.mismatchLabelKeys?.length) {
                    return; // by design it matches pods other than its own
                }
                const nsSelector = term.namespaceSelector;
                const hasNsRequirements = !!nsSelector && (Object.keys(nsSelector.matchLabels ?? {}).length > 0 || (nsSelector.matchExpressions ?? []).length > 0);
                if (hasNsRequirements) {
                    return; // which namespaces it reaches depends on their labels
                }
                const listed = term.namespaces ?? [];
                const scope = nsSelector ? namespaces : listed.length ? listed : [w.namespace];
                if (!scope.includes(w.namespace)) {
                    return; // about pods of other namespaces, which need not be the stack's
                }
                // matchLabelKeys only add the pod's own values, which its own pods always carry.
                const selects = compileLabelSelector(term.labelSelector, "everything");
                if (selects(own.labels)) {
                    return;
                }
                const others: ScaledWorkload[] = scope.flatMap(ns => inNamespace(ns)).filter(s => s.w !== w && selects(s.labels));
                if (others.length) {
                    return; // keeps its pods away from another workload's: deliberate
                }
                reportViolation(`${what}: required pod anti-affinity term ${i + 1} (topologyKey ${term.topologyKey ?? "unset"}) selects ${showSelector(term.labelSelector)}, ` +
                    `which matches neither its own pods (labels ${podLabels}) nor any other workload's pods in ${scope.length > 1 ? "namespaces" : "namespace"} ${scope.join(", ")}: it keeps nothing apart, and all its pods may land on one ${term.topologyKey === "kubernetes.io/hostname" ? "node" : "topology domain"}. ` +
                    "Make labelSelector match the pod template's labels (e.g. its app label).", w.resource.urn);
            });
            constraints.forEach((c, i) => {
                if (!c || compileLabelSelector(c.labelSelector, "everything")(own.labels)) {
                    return;
                }
                reportViolation(`${what}: topologySpreadConstraint ${i + 1} (topologyKey ${c.topologyKey ?? "unset"}, ${c.whenUnsatisfiable ?? "DoNotSchedule"}) selects ${showSelector(c.labelSelector)}, ` +
                    `which does not match its own pods (labels ${podLabels}): the scheduler counts only the pods the selector matches, so this workload's pods are not spread. ` +
                    "Make labelSelector match the pod template's labels (e.g. its app label).", w.resource.urn);
            });
        }
    },
};

export const placementPolicies: Policies = [spreadSelectsOwnPods];
