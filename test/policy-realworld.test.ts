/**
 * Shapes people ship (test/fixtures/policy/): a Helm-chart Deployment that sets only limits, a
 * Bitnami-style database StatefulSet, a generic ephemeral volume. What real-world manifests
 * showed: the pack must not report what Kubernetes accepts and runs fine, and must report what
 * silently breaks.
 */
import * as assert from "assert";
import { networkPolicies } from "../policy/network";
import { securityPolicies } from "../policy/security";
import { ManifestObject } from "../tools/manifests";
import { checkObjects, policyFixture, violationsOf } from "./helpers";

type Spec = Record<string, unknown>;
const podOf = (o: ManifestObject) => (o.spec as { template: { spec: { containers: Spec[] } } }).template.spec;
const byKind = (objects: ManifestObject[], kind: string) => objects.find(o => o.kind === kind)!;

const SECURITY = new Set([...securityPolicies, ...networkPolicies].map(p => p.name));

/**
 * Every diagnostic as `[level] policy: message` without the description line, but the pod-security
 * and networking families' advisories: restricted hardening, namespace rules and NetworkPolicies
 * these shapes don't ship (mandatory baseline findings do count).
 */
async function findings(objects: ManifestObject[]): Promise<string[]> {
    const run = await checkObjects(objects);
    return run.diagnostics.filter(d => !(SECURITY.has(d.policyName) && d.enforcementLevel === "advisory")).map(d => `[${d.enforcementLevel}] ${d.policyName}: ${d.message.slice(d.description.length + 1)}`);
}

describe("real-world shapes", () => {
    it("a Helm chart's Deployment with limits and no requests, under an HPA on CPU, passes the whole pack", async () => {
        assert.deepStrictEqual(await findings(policyFixture("helm-limits-only.yaml")), []);
    });

    it("the same Deployment without limits is reported once by container-requests and by hpa-target-requests: they agree", async () => {
        const objects = policyFixture("helm-limits-only.yaml");
        (podOf(byKind(objects, "Deployment")).containers[0] as { resources: Spec }).resources = {};
        const run = await checkObjects(objects);
        assert.match(violationsOf(run, "container-requests").map(v => v.message).join("\n"), /Deployment shop\/web-frontend: container 'frontend' has no cpu or memory request/);
        assert.match(violationsOf(run, "hpa-target-requests").map(v => v.message).join("\n"), /container 'frontend' requests no cpu/);
    });

    it("a Bitnami-style StatefulSet (switches in plain env, password from a Secret, a per-pod Service, required anti-affinity) passes the whole pack", async () => {
        assert.deepStrictEqual(await findings(policyFixture("bitnami-statefulset.yaml")), []);
    });

    it("its per-pod Service (statefulset.kubernetes.io/pod-name) counts for readiness-probe-behind-service", async () => {
        const objects = policyFixture("bitnami-statefulset.yaml").filter(o => o.metadata?.name !== "db-postgresql-hl");
        const sts = byKind(objects, "StatefulSet");
        delete podOf(sts).containers[0].readinessProbe;
        (sts.spec as Spec).serviceName = "db-postgresql-0"; // keep the StatefulSet's own Service out of the picture
        const found = violationsOf(await checkObjects(objects), "readiness-probe-behind-service").map(v => v.message.slice(v.description.length + 1));
        assert.deepStrictEqual(found, [
            "StatefulSet data/db-postgresql: container 'postgresql' is behind Service db-postgresql-0 but has no readinessProbe; add one (httpGet on a health path, or tcpSocket on the serving port).",
        ]);
    });

    it("a pod-name Service past the StatefulSet's replicas selects none of its pods", async () => {
        const objects = policyFixture("bitnami-statefulset.yaml").filter(o => o.metadata?.name !== "db-postgresql-hl");
        const sts = byKind(objects, "StatefulSet");
        delete podOf(sts).containers[0].readinessProbe;
        (sts.spec as Spec).replicas = 1;
        const svc = objects.find(o => o.metadata?.name === "db-postgresql-0")!;
        (svc.spec as { selector: Record<string, string> }).selector = { "statefulset.kubernetes.io/pod-name": "db-postgresql-1" };
        assert.deepStrictEqual(violationsOf(await checkObjects(objects), "readiness-probe-behind-service"), []);
    });

    it("a generic ephemeral volume on a class that can't expand is reported by claim-storage-class-expandable, as storage-request-bounds checks its size", async () => {
        const objects = policyFixture("ephemeral-volume.yaml");
        const run = await checkObjects(objects);
        assert.deepStrictEqual(violationsOf(run, "claim-storage-class-expandable").map(v => v.message.slice(v.description.length + 1)), [
            "Deployment ci/builder ephemeral volume 'scratch' uses StorageClass 'scratch-fixed', which does not allow volume expansion; use a StorageClass with allowVolumeExpansion: true.",
        ]);
        const again = policyFixture("ephemeral-volume.yaml"); // a fresh copy: a run may cache what it was given
        const template = (podOf(byKind(again, "Deployment")) as unknown as { volumes: { ephemeral: { volumeClaimTemplate: { spec: { resources: { requests: Spec } } } } }[] }).volumes[0].ephemeral.volumeClaimTemplate;
        template.spec.resources.requests.storage = "20GB";
        assert.match(violationsOf(await checkObjects(again), "storage-request-bounds")[0].message, /Deployment ci\/builder ephemeral volume 'scratch' requests storage "20GB"/);
    });
});
