/**
 * `kubelab:nanomon`: defaults, ranges and bounds, checked on the schema itself.
 * (The rendered lab is checked against LABS.md §2 in test/nanomon.test.ts.)
 */
import * as assert from "assert";
import { parseConfig, section } from "../../../infra/config";
import { nanomonSettings } from "./settings";

/** Parses `value` as the stack's `kubelab:nanomon`, so that errors name kubelab:nanomon.<key>. */
const parseSection = (value: unknown) => parseConfig(section({ nanomon: nanomonSettings }), { nanomon: value }, "kubelab:");

describe("nanomon settings (kubelab:nanomon)", () => {
    it("defaults to 500M for PostgreSQL, an api autoscaler at 50 % CPU from 2 to 10 pods, and no load test", () => {
        for (const value of [undefined, {}, null, { api: {}, loadTest: {} }]) {
            assert.deepStrictEqual(nanomonSettings.parse(value), {
                postgresStorage: "500M",
                api: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 50 },
                loadTest: { enabled: false, durationSeconds: 180, concurrency: 20 },
                ingressControllerNamespace: "ingress-nginx",
            });
        }
    });

    it("reads numbers and switches as pulumi config set stores them", () => {
        const s = nanomonSettings.parse({ api: { minReplicas: "3", maxReplicas: "6" }, loadTest: { enabled: "true", durationSeconds: "60" } });
        assert.deepStrictEqual(s.api, { minReplicas: 3, maxReplicas: 6, cpuUtilization: 50 });
        assert.deepStrictEqual(s.loadTest, { enabled: true, durationSeconds: 60, concurrency: 20 });
    });

    it("bounds the load test: duration at most 600 s, concurrency at most 50", () => {
        assert.throws(() => parseSection({ loadTest: { durationSeconds: 3600 } }),
            /^ConfigError: invalid config kubelab:nanomon\.loadTest\.durationSeconds: 3600 is not allowed; expected a whole number from 10 to 600 seconds/);
        assert.throws(() => parseSection({ loadTest: { concurrency: 500 } }),
            /kubelab:nanomon\.loadTest\.concurrency: 500 is not allowed; expected a whole number from 1 to 50/);
        assert.throws(() => parseSection({ loadTest: { enabled: "yes" } }), /kubelab:nanomon\.loadTest\.enabled: "yes" is not allowed; expected true or false/);
    });

    it("keeps the autoscaler able to scale: 1 ≤ minReplicas < maxReplicas ≤ 50", () => {
        assert.throws(() => parseSection({ api: { minReplicas: 0 } }), /kubelab:nanomon\.api\.minReplicas: 0 is not allowed; expected a whole number from 1 to 20/);
        assert.throws(() => parseSection({ api: { maxReplicas: 51 } }), /kubelab:nanomon\.api\.maxReplicas: 51 is not allowed/);
        assert.throws(() => parseSection({ api: { minReplicas: 5, maxReplicas: 5 } }),
            /kubelab:nanomon\.api\.maxReplicas: 5 is not allowed; expected a whole number above minReplicas \(5\)/);
        assert.throws(() => parseSection({ api: { minReplicas: 12 } }), /kubelab:nanomon\.api\.maxReplicas/);
        assert.throws(() => parseSection({ api: { cpuUtilization: 150 } }), /kubelab:nanomon\.api\.cpuUtilization: 150 is not allowed; expected a whole number from 10 to 100/);
    });

    it("rejects a size Kubernetes would not read, an unknown key, and says where the namespace is set", () => {
        assert.throws(() => parseSection({ postgresStorage: "500MB" }), /kubelab:nanomon\.postgresStorage: "500MB" is not allowed; expected a Kubernetes storage quantity/);
        assert.throws(() => parseSection({ replicas: 3 }), /kubelab:nanomon\.replicas: 3 is not allowed; expected no such setting; known settings here: postgresStorage, api, loadTest, ingressControllerNamespace/);
        assert.throws(() => parseSection({ namespace: "x" }), /^MovedConfigError: config kubelab:nanomon\.namespace has moved/);
    });
});
