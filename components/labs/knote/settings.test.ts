/**
 * `kubelab:knote`: defaults, ranges and unknown keys, checked on the schema itself.
 * (The rendered lab is checked against LABS.md §3 in test/knote.test.ts.)
 */
import * as assert from "assert";
import { parseConfig, section } from "../../../infra/config";
import { knoteSettings } from "./settings";

/** Parses `value` as the stack's `kubelab:knote`, so that errors name kubelab:knote.<key>. */
const parseSection = (value: unknown) => parseConfig(section({ knote: knoteSettings }), { knote: value }, "kubelab:");

describe("knote settings (kubelab:knote)", () => {
    it("defaults to 1 replica, 256Mi for MongoDB and MinIO, ingress-nginx for the controller when unset or empty", () => {
        for (const value of [undefined, {}, null]) {
            assert.deepStrictEqual(knoteSettings.parse(value),
                { stage: "stateless", replicas: 1, mongoStorage: "256Mi", minioStorage: "256Mi", ingressControllerNamespace: "ingress-nginx" });
        }
    });

    it("takes the lesson's 1, 2 and 10 replicas, as numbers or as pulumi config set stores them", () => {
        for (const n of [1, 2, 10]) {
            assert.strictEqual(knoteSettings.parse({ replicas: n }).replicas, n);
            assert.strictEqual(knoteSettings.parse({ replicas: String(n) }).replicas, n);
        }
    });

    it("allows 1 to 20 replicas, naming the key, the value and the range", () => {
        assert.throws(() => parseSection({ replicas: 0 }),
            /^ConfigError: invalid config kubelab:knote\.replicas: 0 is not allowed; expected a whole number from 1 to 20 \(the lesson uses 1, 2 and 10/);
        assert.throws(() => parseSection({ replicas: 21 }), /kubelab:knote\.replicas: 21 is not allowed; expected a whole number from 1 to 20/);
        assert.throws(() => parseSection({ replicas: 2.5 }), /kubelab:knote\.replicas: 2\.5 is not allowed/);
        assert.strictEqual(knoteSettings.parse({ replicas: 20 }).replicas, 20);
    });

    it("rejects sizes Kubernetes would not read, and a size of nothing", () => {
        assert.throws(() => parseSection({ mongoStorage: "256MB" }), /kubelab:knote\.mongoStorage: "256MB" is not allowed; expected a Kubernetes storage quantity/);
        assert.throws(() => parseSection({ minioStorage: "0" }), /kubelab:knote\.minioStorage: "0" is not allowed/);
        assert.strictEqual(knoteSettings.parse({ minioStorage: "1Gi" }).minioStorage, "1Gi");
    });

    it("takes a namespace name for the ingress controller, nothing else", () => {
        assert.throws(() => parseSection({ ingressControllerNamespace: "Ingress_NGINX" }), /kubelab:knote\.ingressControllerNamespace: "Ingress_NGINX" is not allowed; expected a DNS label/);
        assert.strictEqual(knoteSettings.parse({ ingressControllerNamespace: "kube-system" }).ingressControllerNamespace, "kube-system");
    });

    it("has two stages, stateful and stateless", () => {
        assert.strictEqual(knoteSettings.parse({ stage: "stateful" }).stage, "stateful");
        assert.throws(() => parseSection({ stage: "stateles" }), /kubelab:knote\.stage: "stateles" is not allowed; expected one of stateful, stateless \(stateful: knote 1\.0\.0 keeps pictures/);
    });

    it("names an unknown key and the known ones", () => {
        assert.throws(() => parseSection({ replica: 2 }), /kubelab:knote\.replica.*no such setting; known settings here: stage, replicas, mongoStorage, minioStorage, ingressControllerNamespace/);
    });
});
