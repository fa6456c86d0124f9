/**
 * `kubelab:smilr`: defaults, ranges and the key that moved, checked on the schema itself.
 * (The rendered lab is checked against LABS.md §1 in test/smilr.test.ts.)
 */
import * as assert from "assert";
import { parseConfig, section } from "../../../infra/config";
import { smilrSettings } from "./settings";

/** Parses `value` as the stack's `kubelab:smilr`, so that errors name kubelab:smilr.<key>. */
const parseSection = (value: unknown) => parseConfig(section({ smilr: smilrSettings }), { smilr: value }, "kubelab:");

describe("smilr settings (kubelab:smilr)", () => {
    it("defaults to 3 replicas, 500M for MongoDB, database smilrDb and ingress controller namespace ingress-nginx when unset or empty", () => {
        for (const value of [undefined, {}, null]) {
            assert.deepStrictEqual(smilrSettings.parse(value), { replicas: 3, mongoStorage: "500M", mongoDbName: "smilrDb", ingressControllerNamespace: "ingress-nginx" });
        }
    });

    it("takes the ingress controller's namespace as a DNS label", () => {
        assert.throws(() => parseSection({ ingressControllerNamespace: "Ingress_NGINX" }), /kubelab:smilr\.ingressControllerNamespace: "Ingress_NGINX" is not allowed; expected a DNS label/);
        assert.strictEqual(smilrSettings.parse({ ingressControllerNamespace: "ingress-system" }).ingressControllerNamespace, "ingress-system");
    });

    it("reads numbers as pulumi config set stores them", () => {
        assert.strictEqual(smilrSettings.parse({ replicas: "5" }).replicas, 5);
        assert.strictEqual(smilrSettings.parse({ replicas: 1 }).replicas, 1);
    });

    it("allows 1 to 50 replicas: every Service needs a pod behind it", () => {
        assert.throws(() => parseSection({ replicas: 0 }), /^ConfigError: invalid config kubelab:smilr\.replicas: 0 is not allowed; expected a whole number from 1 to 50/);
        assert.throws(() => parseSection({ replicas: 51 }), /kubelab:smilr\.replicas: 51 is not allowed/);
        assert.strictEqual(smilrSettings.parse({ replicas: 50 }).replicas, 50);
    });

    it("rejects a size Kubernetes would not read, and a size of nothing", () => {
        assert.throws(() => parseSection({ mongoStorage: "500MB" }), /kubelab:smilr\.mongoStorage: "500MB" is not allowed; expected a Kubernetes storage quantity/);
        assert.throws(() => parseSection({ mongoStorage: "0" }), /kubelab:smilr\.mongoStorage: "0" is not allowed/);
        assert.strictEqual(smilrSettings.parse({ mongoStorage: "2Gi" }).mongoStorage, "2Gi");
    });

    it("says where the namespace went", () => {
        assert.throws(() => parseSection({ namespace: "x" }), /^MovedConfigError: config kubelab:smilr\.namespace has moved: the namespace is set per lab instance now/);
    });
});
