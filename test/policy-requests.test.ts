/**
 * The resource-request family, case by case: memory limits, valid quantities, requests within
 * limits and the configurable ceilings (container-requests itself is in policy-foundation).
 */
import * as assert from "assert";
import { ManifestObject } from "../tools/manifests";
import { PolicyPackConfigFile } from "../tools/policy-harness";
import { UNKNOWN_SENTINEL } from "../tools/render";
import { checkObjects, deployment, violationsOf } from "./helpers";

interface Resources { requests?: Record<string, unknown>; limits?: Record<string, unknown> }
interface TestContainer { name: string; image: string; resources?: Resources }
type PodTemplate = { spec: { containers: TestContainer[]; initContainers?: TestContainer[] } };

const template = (o: ManifestObject) => (o.spec as { template: PodTemplate }).template;

/** A Deployment whose one container has exactly these resources. */
const withResources = (name: string, resources: Resources | undefined) => deployment(name, d => { template(d).spec.containers[0].resources = resources; });

/** The messages one policy reported, without the description line the engine puts first. */
async function messages(policy: string, objects: ManifestObject[], config: PolicyPackConfigFile = {}): Promise<string[]> {
    return violationsOf(await checkObjects(objects, config), policy).map(v => v.message.slice(v.description.length + 1));
}

const configMap: ManifestObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "lab" }, data: { a: "b" } };
const service: ManifestObject = { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "lab" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } };

describe("policy container-memory-limit", () => {
    it("passes containers and init containers with a memory limit", async () => {
        const d = deployment("web", o => { template(o).spec.initContainers = [{ name: "init", image: "busybox:1.36", resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "16Mi" } } }]; });
        assert.deepStrictEqual(await messages("container-memory-limit", [d]), []);
    });

    it("reports every container and init container without one, naming the object and the container", async () => {
        const sts: ManifestObject = {
            apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db", namespace: "lab" },
            spec: {
                serviceName: "db", selector: { matchLabels: { app: "db" } },
                template: {
                    metadata: { labels: { app: "db" } },
                    spec: {
                        initContainers: [{ name: "chown", image: "busybox:1.36", resources: { requests: { cpu: "10m", memory: "16Mi" } } }],
                        containers: [
                            { name: "mongo", image: "mongo:6.0.2-focal", resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1" } } },
                            { name: "exporter", image: "exporter:1.0", resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } } },
                        ],
                    },
                },
            },
        };
        const run = await checkObjects([sts]);
        const found = violationsOf(run, "container-memory-limit");
        assert.deepStrictEqual(found.map(v => v.message.slice(v.description.length + 1)), [
            "StatefulSet lab/db: init container 'chown' has no memory limit; set resources.limits.memory (at least its memory request, e.g. 128Mi), or give namespace lab a LimitRange with a default memory limit for containers.",
            "StatefulSet lab/db: container 'mongo' has no memory limit; set resources.limits.memory (at least its memory request, e.g. 128Mi), or give namespace lab a LimitRange with a default memory limit for containers.",
        ]);
        assert.ok(found.every(v => v.enforcementLevel === "mandatory" && v.urn === "urn:pulumi:check::kubelab::kubernetes:apps/v1:StatefulSet::lab/db"));
    });

    it("ignores objects that run no pods", async () => {
        assert.deepStrictEqual(await messages("container-memory-limit", [configMap, service]), []);
    });

    /** A LimitRange in namespace `namespace` with one item. */
    const limitRange = (namespace: string, item: Record<string, unknown>): ManifestObject =>
        ({ apiVersion: "v1", kind: "LimitRange", metadata: { name: "limits", namespace }, spec: { limits: [item] } });
    const noLimit = withResources("web", { requests: { cpu: "50m", memory: "64Mi" } });

    it("counts the default limit a LimitRange of the stack gives containers in the namespace (default, else max, as the API server defaults it)", async () => {
        assert.deepStrictEqual(await messages("container-memory-limit", [noLimit, limitRange("lab", { type: "Container", default: { memory: "128Mi" } })]), []);
        assert.deepStrictEqual(await messages("container-memory-limit", [noLimit, limitRange("lab", { type: "Container", max: { memory: "1Gi" } })]), []);
    });

    it("still reports a container when the LimitRange is in another namespace, limits pods as a whole, or defaults only the request or another resource", async () => {
        for (const lr of [
            limitRange("other", { type: "Container", default: { memory: "128Mi" } }),
            limitRange("lab", { type: "Pod", max: { memory: "1Gi" } }),
            limitRange("lab", { type: "Container", defaultRequest: { memory: "64Mi" }, default: { cpu: "500m" } }),
        ]) {
            assert.deepStrictEqual(await messages("container-memory-limit", [noLimit, lr]), [
                "Deployment lab/web: container 'web' has no memory limit; set resources.limits.memory (at least its memory request, e.g. 128Mi), or give namespace lab a LimitRange with a default memory limit for containers.",
            ], JSON.stringify(lr.spec));
        }
    });

    it("leaves out the namespaces exemptNamespaces names, as container-requests does", async () => {
        const config: PolicyPackConfigFile = { "container-memory-limit": { exemptNamespaces: ["lab"] } };
        assert.deepStrictEqual(await messages("container-memory-limit", [noLimit], config), []);
        assert.strictEqual((await messages("container-memory-limit", [noLimit], { "container-memory-limit": { exemptNamespaces: ["kube-system"] } })).length, 1);
    });
});

describe("policy valid-quantities", () => {
    it("accepts every form Kubernetes accepts: strings, YAML numbers, exponents, SI and binary suffixes", async () => {
        const objects = [
            withResources("a", { requests: { cpu: 0.5, memory: "1e8" }, limits: { cpu: "1", memory: "128Mi" } }),
            withResources("b", { requests: { cpu: ".25", memory: "5.e7" }, limits: { cpu: "1E0", memory: "0.5Gi" } }),
            withResources("c", { requests: { cpu: "100m", memory: "64M", "ephemeral-storage": "1G" }, limits: { memory: "1G", "nvidia.com/gpu": 1 } }),
        ];
        assert.deepStrictEqual(await messages("valid-quantities", objects), []);
    });

    it("reports every unparsable value, in requests and in limits, with what to write instead", async () => {
        const found = await messages("valid-quantities", [withResources("web", {
            requests: { cpu: "1.5.2", memory: "500MB" },
            limits: { cpu: "abc", memory: "1 Mi", "ephemeral-storage": "Gi" },
        })]);
        assert.strictEqual(found.length, 5, found.join("\n"));
        assert.strictEqual(found[1], "Deployment lab/web: container 'web' has resources.requests.memory \"500MB\", which is not a Kubernetes quantity; " +
            "write it like 100m, 0.5, 128Mi or 1G (binary suffixes Ki, Mi, Gi; decimal k, M, G; no \"B\").");
        assert.match(found[0], /resources\.requests\.cpu "1\.5\.2", which is not/);
        assert.match(found[2], /resources\.limits\.cpu "abc", which is not/);
        // The engine hands policies objects with their keys sorted (a protobuf Struct): ephemeral-storage before memory.
        assert.match(found[3], /resources\.limits\.ephemeral-storage "Gi", which is not/);
        assert.match(found[4], /resources\.limits\.memory "1 Mi", which is not/);
    });

    it("reports negative amounts, which the API server rejects", async () => {
        assert.deepStrictEqual(await messages("valid-quantities", [withResources("web", { requests: { cpu: "-100m", memory: "64Mi" }, limits: { memory: "128Mi" } })]), [
            "Deployment lab/web: container 'web' has resources.requests.cpu -100m, which is negative; requests and limits must be 0 or more.",
        ]);
    });

    it("checks init containers of every workload kind, and nothing else", async () => {
        const cron: ManifestObject = {
            apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "backup", namespace: "lab" },
            spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", initContainers: [{ name: "wait", image: "busybox:1.36", resources: { requests: { memory: "16MB" } } }], containers: [] } } } } },
        };
        assert.deepStrictEqual((await messages("valid-quantities", [cron, configMap])).map(m => m.replace(/ which.*/, "")), [
            "CronJob lab/backup: init container 'wait' has resources.requests.memory \"16MB\",",
        ]);
    });

    it("turns a value unknown during preview into the engine's advisory", async () => {
        const run = await checkObjects([withResources("web", { requests: { cpu: "10m", memory: UNKNOWN_SENTINEL }, limits: { memory: "1Gi" } })]);
        const [v, ...rest] = violationsOf(run, "valid-quantities");
        assert.deepStrictEqual(rest, []);
        assert.strictEqual(v.enforcementLevel, "advisory");
        assert.match(v.message, /^can't run policy 'valid-quantities' .* during preview: string value at \.spec\.template\.spec\.containers\.0\.resources\.requests\.memory can't be known/);
    });
});

describe("policy requests-within-limits", () => {
    it("passes requests at or below their limits, compared exactly across units", async () => {
        const objects = [
            withResources("equal", { requests: { cpu: "500m", memory: "1G" }, limits: { cpu: "0.5", memory: "1000M" } }),
            withResources("below", { requests: { cpu: "300m", memory: "1G" }, limits: { cpu: 0.3, memory: "1Gi" } }),
            withResources("exp", { requests: { cpu: "1e-1", memory: "1e9" }, limits: { cpu: "100m", memory: "1G" } }),
            withResources("limit-only", { requests: { memory: "64Mi" }, limits: { cpu: "1", memory: "64Mi" } }),
            withResources("request-only", { requests: { cpu: "8", memory: "64Mi" }, limits: { memory: "64Mi" } }),
        ];
        assert.deepStrictEqual(await messages("requests-within-limits", objects), []);
    });

    it("reports each resource whose request exceeds its limit", async () => {
        const found = await messages("requests-within-limits", [withResources("web", { requests: { cpu: "2", memory: "1Gi", "ephemeral-storage": "2Gi" }, limits: { cpu: "1500m", memory: "1G", "ephemeral-storage": "2Gi" } })]);
        assert.deepStrictEqual(found, [
            "Deployment lab/web: container 'web' requests cpu 2, above its limit 1500m; lower the request or raise the limit.",
            "Deployment lab/web: container 'web' requests memory 1Gi, above its limit 1G; lower the request or raise the limit.",
        ]);
    });

    it("leaves unparsable values to valid-quantities", async () => {
        const run = await checkObjects([withResources("web", { requests: { cpu: "10m", memory: "2GB" }, limits: { memory: "1G" } })]);
        assert.deepStrictEqual(violationsOf(run, "requests-within-limits"), []);
        assert.strictEqual(violationsOf(run, "valid-quantities").length, 1);
    });
});

describe("policy resource-bounds", () => {
    it("passes containers at the default ceilings (cpu request 4, memory request and limit 16Gi)", async () => {
        assert.deepStrictEqual(await messages("resource-bounds", [withResources("big", { requests: { cpu: "4", memory: "16Gi" }, limits: { memory: "16Gi" } })]), []);
    });

    it("reports each value above its ceiling, naming the config key", async () => {
        const found = await messages("resource-bounds", [withResources("web", { requests: { cpu: "4001m", memory: "17Gi" }, limits: { memory: "16.5Gi" } })]);
        assert.deepStrictEqual(found, [
            "Deployment lab/web: container 'web' has resources.requests.cpu 4001m, above the ceiling 4 (policy config maxCpuRequest); lower it, or raise the ceiling if it is meant.",
            "Deployment lab/web: container 'web' has resources.requests.memory 17Gi, above the ceiling 16Gi (policy config maxMemoryRequest); lower it, or raise the ceiling if it is meant.",
            "Deployment lab/web: container 'web' has resources.limits.memory 16.5Gi, above the ceiling 16Gi (policy config maxMemoryLimit); lower it, or raise the ceiling if it is meant.",
        ]);
    });

    it("catches the classic slip: cpu 500 for 500m, in an init container too", async () => {
        const d = deployment("web", o => { template(o).spec.initContainers = [{ name: "warm", image: "busybox:1.36", resources: { requests: { cpu: 500, memory: "16Mi" }, limits: { memory: "16Mi" } } }]; });
        assert.deepStrictEqual((await messages("resource-bounds", [d])).map(m => m.replace(/, above.*/, "")), ["Deployment lab/web: init container 'warm' has resources.requests.cpu 500"]);
    });

    it("follows configured ceilings, given as quantities or numbers", async () => {
        const d = withResources("web", { requests: { cpu: "6", memory: "20Gi" }, limits: { memory: "24Gi" } });
        assert.deepStrictEqual(await messages("resource-bounds", [d], { "resource-bounds": { maxCpuRequest: 8, maxMemoryRequest: "20Gi", maxMemoryLimit: "32Gi" } }), []);
        assert.deepStrictEqual((await messages("resource-bounds", [d], { "resource-bounds": { maxCpuRequest: "5500m", maxMemoryRequest: "32Gi", maxMemoryLimit: "32Gi" } })).map(m => m.replace(/.*above the ceiling /, "")),
            ["5500m (policy config maxCpuRequest); lower it, or raise the ceiling if it is meant."]);
    });

    it("reports a ceiling in the policy config that is not a quantity, and still applies the others", async () => {
        const found = await messages("resource-bounds", [withResources("web", { requests: { cpu: "100", memory: "64Mi" }, limits: { memory: "128Mi" } })], { "resource-bounds": { maxMemoryLimit: "16GB" } });
        assert.deepStrictEqual(found.map(m => m.replace(/;.*/, "")), [
            "Deployment lab/web: container 'web' has resources.requests.cpu 100, above the ceiling 4 (policy config maxCpuRequest)",
            "policy config resource-bounds.maxMemoryLimit is \"16GB\", which is not a Kubernetes quantity",
        ]);
    });

    it("ignores objects that run no pods, even with a broken config", async () => {
        assert.deepStrictEqual(await messages("resource-bounds", [configMap], { "resource-bounds": { maxCpuRequest: "lots" } }), []);
    });
});

describe("policy resource-bounds: floors", () => {
    it("passes the smallest sane amounts, 0 (none), and amounts only valid-quantities should judge", async () => {
        const objects = [
            withResources("a", { requests: { cpu: "1m", memory: "4Mi" }, limits: { cpu: "0.001", memory: "4194304" } }),
            withResources("b", { requests: { cpu: 0, memory: "0" }, limits: { memory: "64Mi" } }),
            withResources("c", { requests: { cpu: "500MB", memory: "-1" }, limits: { memory: "64Mi" } }),
        ];
        assert.deepStrictEqual(await messages("resource-bounds", objects), []);
    });

    it("reports memory: 1 (one byte) as request and limit, naming container, value and the likely unit", async () => {
        const found = await messages("resource-bounds", [withResources("web", { requests: { cpu: "50m", memory: 1 }, limits: { memory: "1" } })]);
        assert.deepStrictEqual(found, [
            "Deployment lab/web: container 'web' has resources.requests.memory 1, below the floor 4Mi (policy config minMemory): memory is counted in bytes, so this is 1 byte; did you mean 1Mi?",
            "Deployment lab/web: container 'web' has resources.limits.memory 1, below the floor 4Mi (policy config minMemory): memory is counted in bytes, so this is 1 byte; did you mean 1Mi?",
        ]);
    });

    it("suggests Mi for a memory amount in kibibytes, and no unit at all for one already in Mi that is simply too small", async () => {
        const found = await messages("resource-bounds", [withResources("web", { requests: { cpu: "50m", memory: "1Mi" }, limits: { memory: "512Ki" } })]);
        assert.deepStrictEqual(found.map(m => m.replace(/.*\(policy config minMemory\): /, "")), [
            "that is too little memory for a container to run in; raise it, or lower minMemory in the policy config if it is deliberate.",
            "memory is counted in bytes, so this is only 512Ki; did you mean 512Mi?",
        ]);
    });

    it("reports the README's memory: 128 meant as 128Mi, and 128m (milli-bytes)", async () => {
        const found = await messages("resource-bounds", [withResources("web", { requests: { cpu: "50m", memory: "128" }, limits: { memory: "128m" } })]);
        assert.deepStrictEqual(found.map(m => m.replace(/.*\(policy config minMemory\): /, "")), [
            "memory is counted in bytes, so this is 128 bytes; did you mean 128Mi?",
            "memory is counted in bytes, so this is 128 thousandths of a byte; did you mean 128Mi?",
        ]);
    });

    it("reports absurdly small CPU: 0.0001 cores, and micro- or nano-cores meant as millicores, in init containers too", async () => {
        const d = withResources("web", { requests: { cpu: 0.0001, memory: "64Mi" }, limits: { cpu: "100u", memory: "64Mi" } });
        template(d).spec.initContainers = [{ name: "warm", image: "busybox:1.36", resources: { requests: { cpu: "250n", memory: "16Mi" }, limits: { memory: "16Mi" } } }];
        assert.deepStrictEqual(await messages("resource-bounds", [d]), [
            "Deployment lab/web: init container 'warm' has resources.requests.cpu 250n, below the floor 1m (policy config minCpu): CPU is counted in cores and n is a billionth of one; did you mean 250m?",
            "Deployment lab/web: container 'web' has resources.requests.cpu 0.0001, below the floor 1m (policy config minCpu): CPU is counted in cores (1 = one core, 100m or 0.1 = a tenth of one), and Kubernetes allows nothing finer than 1m; write it in millicores, e.g. 100m.",
            "Deployment lab/web: container 'web' has resources.limits.cpu 100u, below the floor 1m (policy config minCpu): CPU is counted in cores and u is a millionth of one; did you mean 100m?",
        ]);
    });

    it("follows configured floors", async () => {
        const d = withResources("web", { requests: { cpu: "5m", memory: "8Mi" }, limits: { memory: "8Mi" } });
        assert.deepStrictEqual(await messages("resource-bounds", [d]), []);
        assert.deepStrictEqual((await messages("resource-bounds", [d], { "resource-bounds": { minCpu: "10m", minMemory: "16Mi" } })).map(m => m.replace(/ \(policy config.*/, "")), [
            "Deployment lab/web: container 'web' has resources.requests.cpu 5m, below the floor 10m",
            "Deployment lab/web: container 'web' has resources.requests.memory 8Mi, below the floor 16Mi",
            "Deployment lab/web: container 'web' has resources.limits.memory 8Mi, below the floor 16Mi",
        ]);
    });

    it("holds a container with only a limit to the request ceilings: its limit becomes its request", async () => {
        const found = await messages("resource-bounds", [withResources("web", { limits: { cpu: "500", memory: "64Mi" } })]);
        assert.deepStrictEqual(found, [
            "Deployment lab/web: container 'web' has no cpu request, so it gets its limit 500 as one, above the ceiling 4 (policy config maxCpuRequest); lower it, or raise the ceiling if it is meant.",
        ]);
    });
});
