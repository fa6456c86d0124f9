/**
 * The selector a workload carries for its own pods: the API server rejects a Deployment,
 * StatefulSet, DaemonSet or ReplicaSet whose spec.selector does not select its pod template.
 */
import * as assert from "assert";
import { templateSelectorProblem } from "../policy/lib/selectors";
import { deployment } from "./helpers";

describe("templateSelectorProblem", () => {
    it("accepts a selector that is a subset of the template's labels, by labels or expressions", () => {
        assert.strictEqual(templateSelectorProblem("Deployment", deployment("web")), undefined);
        const d = deployment("web", o => {
            (o.spec as { selector: object }).selector = { matchExpressions: [{ key: "app", operator: "In", values: ["web"] }, { key: "track", operator: "DoesNotExist" }] };
        });
        assert.strictEqual(templateSelectorProblem("StatefulSet", d), undefined);
    });

    it("names a selector that misses the template, and a missing or empty one", () => {
        const wrong = deployment("web", o => { (o.spec as { selector: object }).selector = { matchLabels: { app: "website" } }; });
        assert.strictEqual(templateSelectorProblem("Deployment", wrong),
            "has spec.selector {\"matchLabels\":{\"app\":\"website\"}}, which does not select its pod template's labels {\"app\":\"web\"}; " +
            "the API server rejects it (\"selector does not match template labels\"). Make the selector a subset of the template's labels");
        const none = deployment("web", o => { delete (o.spec as { selector?: object }).selector; });
        assert.match(templateSelectorProblem("DaemonSet", none) ?? "", /^has no spec\.selector, which the API server requires/);
        const empty = deployment("web", o => { (o.spec as { selector: object }).selector = {}; });
        assert.match(templateSelectorProblem("ReplicaSet", empty) ?? "", /^has an empty spec\.selector, which the API server rejects/);
    });

    it("does not apply to kinds whose selector is generated or absent", () => {
        const wrong = deployment("web", o => { (o.spec as { selector: object }).selector = { matchLabels: { app: "website" } }; });
        for (const kind of ["Pod", "Job", "CronJob", "Service"]) {
            assert.strictEqual(templateSelectorProblem(kind, wrong), undefined, kind);
        }
    });
});
