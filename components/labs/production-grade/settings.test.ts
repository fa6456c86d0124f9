/**
 * `kubelab:production-grade`: defaults, ranges and the combinations that can't work, checked on
 * the schema itself; the release strategies as data (./strategies.ts) and the platform checks.
 * (The rendered lab is checked against LABS.md §4 in test/production-grade.test.ts.)
 */
import * as assert from "assert";
import { parseConfig, section } from "../../../infra/config";
import { allowsHostPathVolume, checkPlatform, usesIngressNginx } from "./index";
import { ProductionGradeSettings, productionGradeSettings } from "./settings";
import { NGINX, abTestAnnotations, canarySplit, releasePlan } from "./strategies";

/** Parses `value` as the stack's `kubelab:production-grade`, so that errors name the full key. */
const parse = (value: unknown): ProductionGradeSettings =>
    parseConfig(section({ "production-grade": productionGradeSettings }), { "production-grade": value }, "kubelab:")["production-grade"];

const MINIKUBE = { name: "minikube", ingressClassName: "nginx" };

describe("production-grade settings (kubelab:production-grade)", () => {
    it("defaults to the ramped strategy on v1, the tutorial's autoscaler (1–5 pods, CPU 50 %) and the tutorial's sizes", () => {
        for (const value of [undefined, {}, null]) {
            assert.deepStrictEqual(productionGradeSettings.parse(value), {
                strategy: "ramped",
                version: "v1",
                autoscaler: { minReplicas: 1, maxReplicas: 5, cpuUtilization: 50 },
                blueGreen: { activeVersion: "v1", replicas: { v1: 3, v2: 3 } },
                canary: { replicas: 10, canaryWeight: 10 },
                abTest: { replicas: { v1: 2, v2: 1 }, header: "X-Pool", headerValue: "beta", cookie: "pgk_pool" },
                frontendReplicas: 1,
                echoReplicas: 1,
                appHost: "pgk.example.com",
                storage: { memoryLimit: "64Mi", dynamicClaim: "2Gi", logClaim: "8Gi", staticVolume: { size: "1Gi" } },
                ingressControllerNamespace: "ingress-nginx",
            });
        }
    });

    it("reads numbers and switches as pulumi config set stores them", () => {
        const s = parse({ canary: { canaryWeight: "25", replicas: "4" }, storage: { staticVolume: { enabled: "false" } } });
        assert.deepStrictEqual(s.canary, { replicas: 4, canaryWeight: 25 });
        assert.strictEqual(s.storage.staticVolume.enabled, false);
    });

    it("refuses an unknown strategy and a weight outside 0–100, naming the key", () => {
        assert.throws(() => parse({ strategy: "rolling" }),
            /^ConfigError: invalid config kubelab:production-grade\.strategy: "rolling" is not allowed; expected one of recreate, ramped, blueGreen, canary, abTest/);
        assert.throws(() => parse({ canary: { canaryWeight: 101 } }),
            /kubelab:production-grade\.canary\.canaryWeight: 101 is not allowed; expected a whole number from 0 to 100/);
        assert.throws(() => parse({ canary: { canaryWeight: -5 } }), /kubelab:production-grade\.canary\.canaryWeight: -5 is not allowed/);
        assert.throws(() => parse({ canary: { canaryWeight: 10, replicas: 1 } }),
            /kubelab:production-grade\.canary\.replicas: 1 is not allowed; expected at least 2 with canaryWeight 10/);
        assert.strictEqual(parse({ canary: { canaryWeight: 100, replicas: 1 } }).canary.replicas, 1);
    });

    it("refuses an activeVersion with no Deployment: an unknown version, or a colour scaled to 0", () => {
        assert.throws(() => parse({ blueGreen: { activeVersion: "v3" } }),
            /kubelab:production-grade\.blueGreen\.activeVersion: "v3" is not allowed; expected a version with a Deployment: v1 or v2 \(there is no Deployment for v3\)/);
        assert.throws(() => parse({ blueGreen: { activeVersion: "v2", replicas: { v2: 0 } } }),
            /kubelab:production-grade\.blueGreen\.activeVersion: "v2" is not allowed; expected a version that runs pods: blueGreen\.replicas\.v2 is 0/);
        // The idle colour may be 0 (after a release).
        assert.deepStrictEqual(parse({ blueGreen: { activeVersion: "v2", replicas: { v1: 0 } } }).blueGreen, { activeVersion: "v2", replicas: { v1: 0, v2: 3 } });
    });

    it("needs a header or a cookie for A/B, and both pools populated", () => {
        assert.throws(() => parse({ abTest: { header: "", cookie: "" } }), /kubelab:production-grade\.abTest\.header: "" is not allowed; expected a header name \(or a cookie name in abTest\.cookie\)/);
        assert.throws(() => parse({ abTest: { header: "X Pool" } }), /kubelab:production-grade\.abTest\.header: "X Pool" is not allowed; expected an HTTP header name/);
        assert.throws(() => parse({ abTest: { replicas: { v2: 0 } } }), /kubelab:production-grade\.abTest\.replicas\.v2: 0 is not allowed/);
        assert.strictEqual(parse({ abTest: { header: "" } }).abTest.cookie, "pgk_pool");
    });

    it("keeps the autoscaler able to scale, sizes Kubernetes reads, and no unknown key", () => {
        assert.throws(() => parse({ autoscaler: { minReplicas: 5, maxReplicas: 5 } }), /kubelab:production-grade\.autoscaler\.maxReplicas: 5 is not allowed; expected a whole number above minReplicas \(5\)/);
        assert.throws(() => parse({ storage: { logClaim: "8GB" } }), /kubelab:production-grade\.storage\.logClaim: "8GB" is not allowed; expected a Kubernetes storage quantity/);
        assert.throws(() => parse({ storage: { memoryLimit: "2Gi" } }), /kubelab:production-grade\.storage\.memoryLimit: "2Gi" is not allowed; expected .* at most 1Gi/);
        assert.throws(() => parse({ stratgy: "canary" }), /kubelab:production-grade\.stratgy: "canary" is not allowed; expected no such setting; known settings here: strategy, version/);
        assert.throws(() => parse({ version: "v3" }), /kubelab:production-grade\.version: "v3" is not allowed; expected one of v1, v2/);
    });
});

describe("production-grade release strategies as data", () => {
    const s = (value: object) => parse(value);

    it("splits a canary weight into replicas: 10 % of 10 is 9 and 1, and keeps a pod on each side that gets traffic", () => {
        assert.deepStrictEqual(canarySplit(10, 10), { stable: 9, canary: 1 });
        assert.deepStrictEqual(canarySplit(10, 50), { stable: 5, canary: 5 });
        assert.deepStrictEqual(canarySplit(10, 4), { stable: 9, canary: 1 });
        assert.deepStrictEqual(canarySplit(10, 99), { stable: 1, canary: 9 });
        assert.deepStrictEqual(canarySplit(10, 0), { stable: 10, canary: 0 });
        assert.deepStrictEqual(canarySplit(3, 100), { stable: 0, canary: 3 });
        assert.throws(() => canarySplit(1, 10), /needs a stable and a canary pod/);
    });

    it("recreate and ramped: one Deployment under the autoscaler, with the strategy the tutorial names", () => {
        const recreate = releasePlan(s({ strategy: "recreate" }), true);
        assert.deepStrictEqual(recreate.tracks.map(t => [t.name, t.version, t.strategy, t.autoscale]),
            [["pgk-back-deployment", "v1", { type: "Recreate" }, { minReplicas: 1, maxReplicas: 5, cpuUtilization: 50 }]]);
        const ramped = releasePlan(s({ strategy: "ramped", version: "v2" }), true);
        assert.deepStrictEqual(ramped.tracks[0].strategy, { type: "RollingUpdate", maxSurge: 2, maxUnavailable: 0 });
        assert.strictEqual(ramped.tracks[0].version, "v2");
        assert.deepStrictEqual(ramped.services, [{ name: "pgk-back-service" }]);
        assert.deepStrictEqual(ramped.routes, [{ name: "pgk-back", service: "pgk-back-service" }]);
    });

    it("blueGreen: two colours, the Service pinned to the active version", () => {
        const plan = releasePlan(s({ strategy: "blueGreen", blueGreen: { activeVersion: "v2", replicas: { v1: 0 } } }), true);
        assert.deepStrictEqual(plan.tracks.map(t => `${t.name} ${t.version} ${t.track} ${t.replicas}`),
            ["pgk-back-deployment-v1 v1 blue 0", "pgk-back-deployment-v2 v2 green 3"]);
        assert.deepStrictEqual(plan.services, [{ name: "pgk-back-service", pin: { version: "v2" } }]);
    });

    it("canary: exact weights through ingress-nginx, the replica ratio elsewhere", () => {
        const nginx = releasePlan(s({ strategy: "canary", canary: { canaryWeight: 30, replicas: 10 } }), true);
        assert.deepStrictEqual(nginx.tracks.map(t => `${t.track} ${t.replicas}`), ["stable 7", "canary 3"]);
        assert.deepStrictEqual(nginx.routes, [
            { name: "pgk-back", service: "pgk-back-v1" },
            { name: "pgk-back-canary", service: "pgk-back-v2", annotations: { [NGINX.canary]: "true", [NGINX.weight]: "30" } },
        ]);
        // Roll back and full rollout: one side has no pod, so the route goes to the other alone.
        const none = releasePlan(s({ strategy: "canary", canary: { canaryWeight: 0 } }), true);
        assert.deepStrictEqual([none.services.map(x => x.name), none.routes], [["pgk-back-service", "pgk-back-v1"], [{ name: "pgk-back", service: "pgk-back-v1" }]]);
        const full = releasePlan(s({ strategy: "canary", canary: { canaryWeight: 100 } }), true);
        assert.deepStrictEqual([full.services.map(x => x.name), full.routes], [["pgk-back-service", "pgk-back-v2"], [{ name: "pgk-back", service: "pgk-back-v2" }]]);
        assert.deepStrictEqual(full.tracks.map(t => t.replicas), [0, 10]);
        const other = releasePlan(s({ strategy: "canary", canary: { canaryWeight: 30, replicas: 10 } }), false);
        assert.deepStrictEqual(other.routes, [{ name: "pgk-back", service: "pgk-back-service" }]);
        assert.deepStrictEqual(other.services, [{ name: "pgk-back-service" }]);
    });

    it("abTest: header and cookie annotations exactly as ingress-nginx reads them", () => {
        assert.deepStrictEqual(abTestAnnotations(s({}).abTest), {
            "nginx.ingress.kubernetes.io/canary": "true",
            "nginx.ingress.kubernetes.io/canary-by-header": "X-Pool",
            "nginx.ingress.kubernetes.io/canary-by-header-value": "beta",
            "nginx.ingress.kubernetes.io/canary-by-cookie": "pgk_pool",
        });
        assert.deepStrictEqual(abTestAnnotations(s({ abTest: { cookie: "", headerValue: "" } }).abTest), {
            "nginx.ingress.kubernetes.io/canary": "true",
            "nginx.ingress.kubernetes.io/canary-by-header": "X-Pool",
        });
        const plan = releasePlan(s({ strategy: "abTest" }), true);
        assert.deepStrictEqual(plan.services, [{ name: "pgk-back-service", pin: { version: "v1" } }, { name: "pgk-back-v2", pin: { version: "v2" } }]);
        assert.throws(() => releasePlan(s({ strategy: "abTest" }), false), /ingress-nginx/);
    });
});

describe("production-grade on a platform", () => {
    it("decides ingress-nginx by the IngressClass and hostPath volumes by the platform, in one place each", () => {
        assert.strictEqual(usesIngressNginx(MINIKUBE), true);
        assert.strictEqual(usesIngressNginx({ ingressClassName: "azure-application-gateway" }), false);
        assert.strictEqual(allowsHostPathVolume(MINIKUBE), true);
        assert.strictEqual(allowsHostPathVolume({ name: "aks" }), false);
    });

    it("turns the static volume on by default on minikube only, and refuses it elsewhere saying why", () => {
        assert.deepStrictEqual(checkPlatform(parse({}), MINIKUBE), { staticVolume: true });
        assert.deepStrictEqual(checkPlatform(parse({}), { name: "aks", ingressClassName: "nginx" }), { staticVolume: false });
        assert.deepStrictEqual(checkPlatform(parse({ storage: { staticVolume: { enabled: false } } }), MINIKUBE), { staticVolume: false });
        assert.throws(() => checkPlatform(parse({ storage: { staticVolume: { enabled: true } } }), { name: "gke", ingressClassName: "nginx" }),
            /^ConfigError: invalid config kubelab:production-grade\.storage\.staticVolume\.enabled: true is not allowed; expected false on platform gke: the static volume is a hostPath directory on one node's disk/);
    });

    it("refuses A/B routing where the ingress controller is not ingress-nginx, naming the key", () => {
        assert.throws(() => checkPlatform(parse({ strategy: "abTest" }), { name: "aks", ingressClassName: "azure-application-gateway" }),
            /^ConfigError: invalid config kubelab:production-grade\.strategy: "abTest" is not allowed; expected recreate, ramped, blueGreen or canary on this platform: abTest routes users to v2 by header and cookie with ingress-nginx's canary annotations, and platform aks runs IngressClass azure-application-gateway, not nginx/);
        assert.doesNotThrow(() => checkPlatform(parse({ strategy: "canary" }), { name: "aks", ingressClassName: "azure-application-gateway" }));
    });
});
