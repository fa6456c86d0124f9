/**
 * Locked down by default (issue 12), through the real program: every pod template of every lab
 * satisfies the Pod Security level its namespace enforces (judged by the pack's `levelFindings`,
 * as admission would), no pod mounts a ServiceAccount token, every lab namespace starts from a
 * default-deny ingress policy, and the three labs pass the production profile's pod-security
 * rules, the documented exception (components/security.ts) alone excepted. Also the table and the
 * NetworkPolicy model themselves.
 */
import * as assert from "assert";
import * as path from "path";
import { IMAGE_CATALOG, ImageKey } from "../components/images";
import { DEFAULT_DENY_INGRESS, instancePods, lockDownIngress } from "../components/network-policy";
import { IMAGE_SECURITY, POD_SECURITY_REASON_ANNOTATION, namespacePodSecurity, secureContainer, securePod } from "../components/security";
import { ENFORCE_LABEL, PodView, isDefaultDenyIngress, levelFindings, podViewOf, securityPolicies } from "../policy/security";
import { typeToken } from "../policy/lib/k8s";
import { Plan, ROOT, plan } from "../tools/plan-lib";
import { recordProgram } from "../tools/recorder";
import { StackConfig, loadStackConfig } from "../tools/stack-config";

const LABS = ["smilr", "nanomon", "knote"] as const;
const PRODUCTION = path.join(ROOT, "policy", "config", "production.json");
/** Names of the pod-security family's policies. */
const SECURITY_POLICY_NAMES = new Set(securityPolicies.map(p => p.name));

/** The minikube stack running all three labs (nanomon's load test on, so its Job is checked too), plus `extra` config. */
function allLabs(extra: Record<string, string> = {}): StackConfig {
    const stack = loadStackConfig(ROOT, "minikube");
    return {
        ...stack,
        config: {
            ...stack.config,
            // Each on a host of its own: two labs can't share the same paths on any host.
            "kubelab:labs": JSON.stringify(LABS.map(lab => ({ lab, name: lab, namespace: lab, host: `${lab}.labs.example.com` }))),
            "kubelab:nanomon": JSON.stringify({ loadTest: { enabled: true } }),
            ...extra,
        },
    };
}

/** Every pod a plan runs, with its object's kind and name. */
function podsOf(p: Plan): PodView[] {
    return p.objects.flatMap(o => {
        const pod = podViewOf(typeToken(o.apiVersion, o.kind), o.object as Record<string, unknown>, o.name);
        return pod ? [pod] : [];
    });
}

/** The enforce level of each Namespace in the plan. */
function enforcedLevels(p: Plan): Map<string, string | undefined> {
    return new Map(p.objects.filter(o => o.kind === "Namespace").map(o => {
        const labels = (o.object as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {};
        return [o.name, labels[ENFORCE_LABEL]];
    }));
}

for (const stage of ["stateless", "stateful"] as const) {
    describe(`every lab locked down by default (knote ${stage} stage)`, function () {
        this.timeout(60000);
        let p: Plan;
        let pods: PodView[];

        before(async () => {
            p = await plan("minikube", { config: allLabs({ "kubelab:knote": JSON.stringify({ stage }) }) });
            pods = podsOf(p);
        });

        it("runs pods in all three labs (the checks below are not vacuous)", () => {
            assert.deepStrictEqual([...new Set(pods.map(x => x.namespace))].sort(), ["knote", "nanomon", "smilr"]);
            const whats = pods.map(x => x.what);
            for (const what of ["Deployment smilr/data-api", "StatefulSet smilr/mongodb", "StatefulSet nanomon/postgres", "Job nanomon/load-test", "Deployment knote/minio"]) {
                assert.ok(whats.includes(what), `${what} in ${whats.join(", ")}`);
            }
        });

        it("labels every lab namespace with an enforce level, and every pod satisfies it as Pod Security admission judges", () => {
            const levels = enforcedLevels(p);
            for (const pod of pods) {
                const level = levels.get(pod.namespace);
                assert.ok(level === "baseline" || level === "restricted", `${pod.what}: namespace ${pod.namespace} enforces ${level}`);
                assert.deepStrictEqual(levelFindings(pod, level).map(f => `${f.control}: ${f.message}`), [], pod.what);
            }
        });

        it("enforces restricted wherever every pod complies; baseline only beside the documented exception, with its reason", () => {
            const levels = enforcedLevels(p);
            for (const ns of LABS) {
                const expected = ns === "knote" && stage === "stateful" ? "baseline" : "restricted";
                assert.strictEqual(levels.get(ns), expected, ns);
                const annotations = (p.objects.find(o => o.kind === "Namespace" && o.name === ns)!.object as { metadata: { annotations?: Record<string, string> } }).metadata.annotations ?? {};
                if (expected === "baseline") {
                    assert.match(annotations[POD_SECURITY_REASON_ANNOTATION], /knote-stateful: /, ns);
                } else {
                    assert.strictEqual(annotations[POD_SECURITY_REASON_ANNOTATION], undefined, ns);
                }
            }
            // And below restricted, only the exception's pod is why.
            const notRestricted = pods.filter(pod => levelFindings(pod, "restricted").length > 0).map(pod => pod.what);
            assert.deepStrictEqual(notRestricted, stage === "stateful" ? ["Deployment knote/knote"] : []);
        });

        it("mounts no ServiceAccount token in any pod: no lab pod calls the Kubernetes API", () => {
            for (const pod of pods) {
                assert.strictEqual((pod.spec as { automountServiceAccountToken?: boolean }).automountServiceAccountToken, false, pod.what);
            }
        });

        it("starts every lab namespace from a default-deny ingress NetworkPolicy", () => {
            for (const ns of LABS) {
                const deny = p.objects.find(o => o.kind === "NetworkPolicy" && o.namespace === ns && o.name === DEFAULT_DENY_INGRESS);
                assert.ok(deny, ns);
                assert.ok(isDefaultDenyIngress((deny.object as unknown as { spec: Parameters<typeof isDefaultDenyIngress>[0] }).spec), ns);
            }
        });

        it("passes the production profile's pod-security rules, but for the documented exception", async () => {
            const prod = await plan("minikube", {
                config: allLabs({ "kubelab:knote": JSON.stringify({ stage }), "kubelab:protectData": "true" }),
                policyConfigFile: PRODUCTION,
            });
            const findings = prod.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory" && SECURITY_POLICY_NAMES.has(d.policyName));
            if (stage === "stateless") {
                assert.deepStrictEqual(findings.map(d => `${d.policyName}: ${d.message}`), []);
            } else {
                assert.ok(findings.length > 0, "the stateful stage's knote runs as root");
                for (const d of findings) {
                    assert.match(d.message, /\bDeployment knote\/knote: /, `${d.policyName}: ${d.message}`);
                    assert.ok(["run-as-non-root"].includes(d.policyName), `${d.policyName}: ${d.message}`);
                }
            }
            // Nothing else is mandatory in production either.
            assert.deepStrictEqual(prod.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory" && !SECURITY_POLICY_NAMES.has(d.policyName))
                .map(d => `${d.policyName}: ${d.message}`), []);
        });
    });
}

describe("the image security table (components/security.ts)", () => {
    it("says for every catalog image how it runs, with a source; users are numeric and not root", () => {
        assert.deepStrictEqual(Object.keys(IMAGE_SECURITY).sort(), Object.keys(IMAGE_CATALOG).sort());
        for (const [key, security] of Object.entries(IMAGE_SECURITY)) {
            assert.ok(security.source.length > 20, key);
            if (security.kind === "non-root") {
                for (const id of [security.user, security.group, security.fsGroup ?? 1]) {
                    assert.ok(Number.isInteger(id) && id > 0, `${key}: ${id}`);
                }
            } else {
                assert.ok(security.reason.length > 20, key);
            }
        }
    });

    it("keeps exceptions rare: knote's stateful release is the only image that needs root", () => {
        assert.deepStrictEqual(Object.entries(IMAGE_SECURITY).filter(([, s]) => s.kind === "exception").map(([k]) => k), ["knote-stateful"]);
    });

    it("uses the images' own users: mongodb and postgres 999, node 1000, busybox nobody", () => {
        const users = Object.fromEntries(Object.entries(IMAGE_SECURITY).map(([k, s]) => [k, s.kind === "non-root" ? s.user : undefined]));
        assert.strictEqual(users["smilr-mongodb"], 999);
        assert.strictEqual(users["knote-mongo"], 999);
        assert.strictEqual(users["nanomon-postgres"], 999);
        assert.strictEqual(users["smilr-data-api"], 1000);
        assert.strictEqual(users["nanomon-load-test"], 65534);
    });

    it("labels a namespace restricted unless one of its images is an exception, then baseline with every reason", () => {
        const plain = namespacePodSecurity(["smilr-data-api", "smilr-mongodb"]);
        assert.deepStrictEqual(plain.labels, {
            "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/audit": "restricted",
        });
        assert.deepStrictEqual(plain.annotations, {});
        const keys: ImageKey[] = ["knote-stateful", "knote-mongo", "knote-stateful"];
        const excepted = namespacePodSecurity(keys);
        assert.strictEqual(excepted.labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert.strictEqual(excepted.labels["pod-security.kubernetes.io/warn"], "restricted");
        const reason = excepted.annotations[POD_SECURITY_REASON_ANNOTATION];
        assert.match(reason, /^baseline, not restricted: knote-stateful: /);
        assert.strictEqual(reason.split("knote-stateful:").length, 2, "each exception once");
    });

    it("gives an exception's pod every setting but the non-root user, and a read-only root only with its scratch paths", () => {
        const exception = securePod(IMAGE_SECURITY["knote-stateful"]);
        assert.deepStrictEqual(exception.securityContext, { seccompProfile: { type: "RuntimeDefault" } });
        assert.strictEqual(exception.automountServiceAccountToken, false);
        assert.deepStrictEqual(secureContainer(IMAGE_SECURITY["knote-stateful"]).securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
        const minio = secureContainer(IMAGE_SECURITY["knote-minio"]);
        assert.deepStrictEqual(minio.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } }, "MinIO keeps a writable root");
        assert.deepStrictEqual(minio.volumeMounts, []);
    });
});

describe("the NetworkPolicy model (components/network-policy.ts)", () => {
    it("selects one app by matchLabels and several by an In expression, always within the instance", () => {
        assert.deepStrictEqual(instancePods("lab", ["web"]), { matchLabels: { app: "web", "app.kubernetes.io/part-of": "lab" } });
        assert.deepStrictEqual(instancePods("lab", ["api", "runner"]),
            { matchLabels: { "app.kubernetes.io/part-of": "lab" }, matchExpressions: [{ key: "app", operator: "In", values: ["api", "runner"] }] });
        assert.throws(() => instancePods("lab", []), /instancePods lab: name at least one app/);
    });

    it("refuses a path with no source and two policies of one name", async () => {
        const build = (paths: Parameters<typeof lockDownIngress>[3]) => recordProgram(async () => {
            const { ComponentResource } = await import("@pulumi/pulumi");
            lockDownIngress(new ComponentResource("test:index:Parent", "p"), "lab", "lab", paths);
            return {};
        }, { stack: "test", config: {} });
        await assert.rejects(build([{ part: "a", name: "a", to: ["a"], from: [], port: 1 }]), /policy a names no source/);
        await assert.rejects(build([
            { part: "a", name: "a", to: ["a"], from: [{ namespace: "x" }], port: 1 },
            { part: "b", name: "a", to: ["b"], from: [{ namespace: "x" }], port: 2 },
        ]), /two policies named a/);
    });
});
