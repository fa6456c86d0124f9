/**
 * Policy config as the policy server hands it over: `getConfig()` returns only what the stack's
 * policy config gives (`{}` when it names the policy not at all), unlike the CLI, which fills in
 * the schema's defaults first. Every policy with settings must behave exactly as with its
 * defaults when any of them is missing.
 */
import * as assert from "assert";
import { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { configSchema, readConfig } from "../policy/lib/config";
import { typeToken } from "../policy/lib/k8s";
import { packArgs } from "../policy/pack";
import { ManifestObject, manifestUrn } from "../tools/manifests";
import { deployment, policyFixture } from "./helpers";

type Policy = ResourceValidationPolicy | StackValidationPolicy;

/** Calls a policy the way the server does, with `getConfig()` returning exactly `config`; returns `urn: message` lines. */
function runDirect(policy: Policy, objects: ManifestObject[], config: Record<string, unknown>): string[] {
    const found: string[] = [];
    const report = (message: string, urn?: string) => { found.push(`${urn ?? ""} | ${message}`); };
    const resources = objects.map(o => ({
        type: typeToken(o.apiVersion, o.kind),
        props: JSON.parse(JSON.stringify(o)) as Record<string, unknown>,
        urn: manifestUrn(o),
        name: o.metadata?.name ?? "",
        opts: { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } },
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    })) as unknown as PolicyResource[];
    const common = {
        getConfig: <T>() => JSON.parse(JSON.stringify(config)) as T,
        notApplicable: (reason?: string): never => { throw new Error(`not applicable: ${reason}`); },
        stackTags: new Map<string, string>(),
    };
    if ("validateResource" in policy) {
        const given = (policy as ResourceValidationPolicy).validateResource;
        const validations = given === undefined ? [] : Array.isArray(given) ? given : [given];
        for (const r of resources) {
            for (const validate of validations) {
                void validate({ ...r, ...common } as unknown as ResourceValidationArgs, (m, urn) => report(m, urn ?? r.urn));
            }
        }
    } else {
        void (policy as StackValidationPolicy).validateStack({ resources, ...common } as unknown as StackValidationArgs, report);
    }
    return found;
}

/** A stack that gives every configurable policy something to say. */
function sampleObjects(): ManifestObject[] {
    return [
        ...policyFixture("helm-limits-only.yaml"),
        ...policyFixture("bitnami-statefulset.yaml"),
        ...policyFixture("ephemeral-volume.yaml"),
        deployment("tiny", d => {
            const c = (d.spec as { template: { spec: { containers: { resources: unknown; env?: unknown }[] } } }).template.spec.containers[0];
            c.resources = { requests: { cpu: "100u", memory: "128" }, limits: { memory: "1" } };
            c.env = [{ name: "DB_PASSWORD", value: "hunter2" }];
        }),
        { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "big", namespace: "lab" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "gold", resources: { requests: { storage: "5Ti" } } } },
        { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "gold" }, provisioner: "x", allowVolumeExpansion: true, reclaimPolicy: "Delete" },
        { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "tiny", namespace: "lab" }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "tiny" }, maxReplicas: 3 } },
    ];
}

/** The schema defaults of a policy, as the CLI would send them. */
function defaultsOf(policy: Policy): Record<string, unknown> {
    return Object.fromEntries(Object.entries(policy.configSchema?.properties ?? {}).map(([k, s]) => [k, s.default]));
}

describe("policy config with missing properties", () => {
    const configurable = packArgs.policies.filter(p => Object.keys(p.configSchema?.properties ?? {}).length > 0);

    const CONFIGURABLE = ["claim-storage-class-expandable", "container-requests", "hpa-sane-range", "no-literal-credentials", "resource-bounds", "storage-class-reclaim-retain", "storage-request-bounds"];

    it("covers the policies that have settings", () => {
        assert.deepStrictEqual(CONFIGURABLE.filter(n => !configurable.some(p => p.name === n)), []);
    });

    it("every setting has a schema default", () => {
        for (const policy of configurable) {
            for (const [key, schema] of Object.entries(policy.configSchema!.properties)) {
                assert.notStrictEqual(schema.default, undefined, `${policy.name}.${key} has no default`);
            }
        }
    });

    for (const name of CONFIGURABLE) {
        it(`${name}: an empty config, and each setting left out in turn, behave as the schema defaults`, () => {
            const policy = packArgs.policies.find(p => p.name === name)!;
            const objects = sampleObjects();
            const defaults = defaultsOf(policy);
            const expected = runDirect(policy, objects, defaults);
            assert.deepStrictEqual(runDirect(policy, objects, {}), expected, "empty config");
            for (const key of Object.keys(defaults)) {
                const without = { ...defaults };
                delete without[key];
                assert.deepStrictEqual(runDirect(policy, objects, without), expected, `${key} missing`);
                assert.deepStrictEqual(runDirect(policy, objects, { ...defaults, [key]: null }), expected, `${key} null`);
            }
        });
    }

    it("no-literal-credentials with no allowNames (the server's crash) still reports the literal password", () => {
        const policy = packArgs.policies.find(p => p.name === "no-literal-credentials")!;
        const found = runDirect(policy, sampleObjects(), {});
        assert.deepStrictEqual(found.map(f => f.replace(/^.* \| /, "").replace(/;.*/, "")), ["Deployment lab/tiny: container 'tiny' sets DB_PASSWORD to a literal value"]);
    });

    it("resource-bounds with no settings uses its default ceilings and floors, not an error about its config", () => {
        const policy = packArgs.policies.find(p => p.name === "resource-bounds")!;
        const found = runDirect(policy, sampleObjects(), {});
        assert.ok(!found.some(f => f.includes("policy config resource-bounds.")), found.join("\n"));
        assert.ok(found.some(f => f.includes("resources.limits.memory 1, below the floor 4Mi")), found.join("\n"));
    });
});

describe("readConfig", () => {
    interface Settings { names: string[]; floor: number; strict: boolean }
    const schema = configSchema<Settings>({
        names: { type: "array", items: { type: "string" }, default: ["a"] },
        floor: { type: "integer", default: 2 },
        strict: { type: "boolean", default: false },
    });
    const source = (given: unknown) => ({ getConfig: <T>() => given as T });

    it("takes what the config gives, falsy values included", () => {
        assert.deepStrictEqual(readConfig(schema, source({ names: [], floor: 0, strict: true })), { names: [], floor: 0, strict: true });
    });

    it("fills each missing or null setting with its default, and drops settings the schema doesn't know", () => {
        assert.deepStrictEqual(readConfig(schema, source({ floor: null, other: 1 })), { names: ["a"], floor: 2, strict: false });
        assert.deepStrictEqual(readConfig(schema, source({})), { names: ["a"], floor: 2, strict: false });
        assert.deepStrictEqual(readConfig(schema, source(undefined)), { names: ["a"], floor: 2, strict: false });
    });
});
