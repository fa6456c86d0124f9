/**
 * spread-selects-own-pods, case by case: required pod anti-affinity and topology spread
 * constraints whose selectors match the pods they belong to (pass), match nothing (violate), and
 * workloads without either, or terms about other namespaces (not applicable).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ManifestObject } from "../tools/manifests";
import { PolicyPackConfigFile } from "../tools/policy-harness";
import { checkObjects, deployment, violationsOf } from "./helpers";

type Spec = Record<string, unknown>;
const podSpec = (o: ManifestObject) => (o.spec as { template: { spec: Spec } }).template.spec;

/** A Deployment `app: <name>` whose pods carry `placement` (affinity, topologySpreadConstraints). */
const placed = (name: string, placement: Spec, namespace = "lab") => deployment(name, d => { Object.assign(podSpec(d), placement); }, namespace);
const antiAffinity = (...terms: Spec[]) => ({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } } });
const spread = (...constraints: Spec[]) => ({ topologySpreadConstraints: constraints });
const hostname = "kubernetes.io/hostname";

async function messages(objects: ManifestObject[], config: PolicyPackConfigFile = {}): Promise<string[]> {
    return violationsOf(await checkObjects(objects, config), "spread-selects-own-pods").map(v => v.message.slice(v.description.length + 1));
}

describe("policy spread-selects-own-pods", () => {
    it("passes anti-affinity and spread constraints that select the workload's own pods, by labels or expressions", async () => {
        const objects = [
            placed("web", antiAffinity({ topologyKey: hostname, labelSelector: { matchLabels: { app: "web" } } })),
            placed("api", spread({ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["api", "x"] }] } })),
            placed("all", spread({ maxSkew: 1, topologyKey: hostname, whenUnsatisfiable: "DoNotSchedule", labelSelector: {} })),
            placed("keys", spread({ maxSkew: 1, topologyKey: hostname, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "keys" } }, matchLabelKeys: ["pod-template-hash"] })),
        ];
        assert.deepStrictEqual(await messages(objects), []);
    });

    it("passes an anti-affinity term that keeps the pods away from another workload's pods", async () => {
        const objects = [placed("web", antiAffinity({ topologyKey: hostname, labelSelector: { matchLabels: { app: "cache" } } })), deployment("cache")];
        assert.deepStrictEqual(await messages(objects), []);
    });

    it("reports a required anti-affinity term that selects no pod at all (labels renamed in the template, not in the term), as advisory by default", async () => {
        const d = placed("web", antiAffinity({ topologyKey: hostname, labelSelector: { matchLabels: { "app.kubernetes.io/name": "web" } } }));
        const run = await checkObjects([d, deployment("cache")]);
        const found = violationsOf(run, "spread-selects-own-pods");
        assert.deepStrictEqual(found.map(v => v.message.slice(v.description.length + 1)), [
            "Deployment lab/web: required pod anti-affinity term 1 (topologyKey kubernetes.io/hostname) selects {\"app.kubernetes.io/name\":\"web\"}, " +
            "which matches neither its own pods (labels {\"app\":\"web\"}) nor any other workload's pods in namespace lab: it keeps nothing apart, and all its pods may land on one node. " +
            "Make labelSelector match the pod template's labels (e.g. its app label).",
        ]);
        assert.strictEqual(found[0].enforcementLevel, "advisory");
        assert.strictEqual(found[0].urn, "urn:pulumi:check::kubelab::kubernetes:apps/v1:Deployment::lab/web");
    });

    it("reports a term without a labelSelector: it matches nothing", async () => {
        const found = await messages([placed("web", antiAffinity({ topologyKey: "topology.kubernetes.io/zone" }))]);
        assert.match(found[0], /^Deployment lab\/web: required pod anti-affinity term 1 \(topologyKey topology\.kubernetes\.io\/zone\) selects none, .*one topology domain\./);
    });

    it("reports a topology spread constraint that does not select the workload's own pods, even if it selects another's", async () => {
        const objects = [
            placed("web", spread(
                { maxSkew: 1, topologyKey: hostname, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "web" } } },
                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: { app: "cache" } } },
            )),
            deployment("cache"),
        ];
        assert.deepStrictEqual(await messages(objects), [
            "Deployment lab/web: topologySpreadConstraint 2 (topologyKey topology.kubernetes.io/zone, DoNotSchedule) selects {\"app\":\"cache\"}, which does not match its own pods (labels {\"app\":\"web\"}): " +
            "the scheduler counts only the pods the selector matches, so this workload's pods are not spread. Make labelSelector match the pod template's labels (e.g. its app label).",
        ]);
    });

    it("matches the labels controllers add: a spread over a StatefulSet's pods by its controller-revision-hash key passes", async () => {
        const sts: ManifestObject = {
            apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db", namespace: "lab" },
            spec: {
                serviceName: "db", replicas: 3, selector: { matchLabels: { app: "db" } },
                template: { metadata: { labels: { app: "db" } }, spec: { containers: [], topologySpreadConstraints: [{ maxSkew: 1, topologyKey: hostname, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchExpressions: [{ key: "controller-revision-hash", operator: "Exists" }] } }] } },
            },
        };
        assert.deepStrictEqual(await messages([sts]), []);
    });

    it("does not apply to workloads without anti-affinity or spread constraints, to terms about other namespaces, or to mismatchLabelKeys terms", async () => {
        const objects = [
            deployment("plain"),
            placed("other-ns", antiAffinity({ topologyKey: hostname, namespaces: ["monitoring"], labelSelector: { matchLabels: { app: "prometheus" } } })),
            placed("by-ns-labels", antiAffinity({ topologyKey: hostname, namespaceSelector: { matchLabels: { team: "x" } }, labelSelector: { matchLabels: { app: "y" } } })),
            placed("tenants", antiAffinity({ topologyKey: hostname, labelSelector: { matchExpressions: [{ key: "tenant", operator: "Exists" }] }, mismatchLabelKeys: ["tenant"] })),
            placed("preferred", { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: hostname, labelSelector: { matchLabels: { app: "nothing" } } } }] } } }),
        ];
        assert.deepStrictEqual(await messages(objects), []);
    });

    it("is advisory in the workshop profile and mandatory in the production profile", async () => {
        const d = placed("web", antiAffinity({ topologyKey: hostname, labelSelector: { matchLabels: { app: "nope" } } }));
        for (const [profile, level] of [["minikube", "advisory"], ["production", "mandatory"]]) {
            const config = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "policy", "config", `${profile}.json`), "utf8")) as PolicyPackConfigFile;
            const run = await checkObjects([d], config);
            assert.strictEqual(violationsOf(run, "spread-selects-own-pods")[0]?.enforcementLevel, level, profile);
        }
    });
});
