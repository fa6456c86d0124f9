/**
 * Shared test helpers: run the kubelab pack over plain objects, and find things in results.
 */
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { LAB_NAMES } from "../components/labs/registry";
import { Plan, ROOT, pack, plan } from "../tools/plan-lib";
import type { RecordedResource } from "../tools/recorder";
import { StackConfig, loadStackConfig } from "../tools/stack-config";
import { ManifestObject, ManifestResourceOptions, manifestResources } from "../tools/manifests";
import { PolicyDiagnostic, PolicyPackConfigFile, PolicyRun, resolvePolicyConfig, runPolicyPack } from "../tools/policy-harness";

/** Freezes `value` and everything reachable from it (plain data, arrays, class instances). */
function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
    if (value !== null && typeof value === "object" && !seen.has(value)) {
        seen.add(value);
        for (const key of Reflect.ownKeys(value)) {
            deepFreeze((value as Record<PropertyKey, unknown>)[key], seen);
        }
        Object.freeze(value);
    }
    return value;
}

const stackPlans = new Map<string, Promise<Plan>>();

/**
 * The plan of `stack` exactly as its stack file and policy config define it, made once per test
 * process and shared by every file that reads it (a plan is 0.3–1 s, and a dozen files read the
 * same ones). It is deeply frozen, so that a test that changed it would fail at once instead of
 * changing what the others see.
 */
export function stackPlan(stack: string): Promise<Plan> {
    let p = stackPlans.get(stack);
    if (!p) {
        p = plan(stack).then(result => deepFreeze(result));
        stackPlans.set(stack, p);
    }
    return p;
}

export type ObjectEntry = ManifestObject | { object: ManifestObject; options?: ManifestResourceOptions };

/** Runs the whole pack over `objects` (with the policy config file contents given, defaults otherwise). */
export async function checkObjects(objects: ObjectEntry[], config: PolicyPackConfigFile = {}): Promise<PolicyRun> {
    return runPolicyPack(pack, manifestResources(objects), resolvePolicyConfig(pack.args, config));
}

/** The diagnostics of one policy. */
export function violationsOf(run: PolicyRun, policyName: string): PolicyDiagnostic[] {
    return run.diagnostics.filter(d => d.policyName === policyName);
}

/** A minimal valid Deployment whose one container requests CPU and memory; override parts with `patch`. */
export function deployment(name: string, patch: (d: ManifestObject) => void = () => undefined, namespace = "lab"): ManifestObject {
    const d: ManifestObject = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace },
        spec: {
            replicas: 2,
            selector: { matchLabels: { app: name } },
            template: {
                metadata: { labels: { app: name } },
                spec: {
                    containers: [{
                        name,
                        image: "example/app:1.0.0",
                        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                        readinessProbe: { httpGet: { path: "/", port: 8080 } },
                    }],
                },
            },
        },
    };
    patch(d);
    return d;
}

/** The objects of a YAML fixture under test/fixtures/policy/ (shapes real charts ship). */
export function policyFixture(file: string): ManifestObject[] {
    const text = fs.readFileSync(path.join(__dirname, "fixtures", "policy", file), "utf8");
    return parseAllDocuments(text).map(doc => doc.toJS() as ManifestObject).filter(o => o !== null);
}

/**
 * A stack file's config with the JSON section `key` (e.g. `kubelab:aks`) merged with `patch`
 * and other keys set by `extra`.
 */
function withSection(stack: StackConfig, key: string, patch: Record<string, unknown>, extra: Record<string, string> = {}): StackConfig {
    const section = JSON.parse(stack.config[key] ?? "{}") as Record<string, unknown>;
    return { ...stack, config: { ...stack.config, [key]: JSON.stringify({ ...section, ...patch }), ...extra } };
}

/**
 * A platform's stack file with some of its `kubelab:<platform>` settings replaced and other keys
 * set. One lab (with volumes and an Ingress) unless `extra` asks for others: the platform is what
 * such plans are about, and each lab more costs the suite time.
 */
export function platformStack(platform: string, settings: Record<string, unknown> = {}, extra: Record<string, string> = {}): StackConfig {
    return withSection(loadStackConfig(ROOT, platform), `kubelab:${platform}`, settings, { "kubelab:labs": "[\"smilr\"]", ...extra });
}

/** A value as it crosses the wire. */
export type Wire = Record<string, unknown>;

/** The wire's signature key, and the signature of a secret (the SDK's public `specialSigKey`, `specialSecretSig`). */
export const SIG_KEY: string = pulumi.runtime.specialSigKey;
export const SECRET_SIG: string = pulumi.runtime.specialSecretSig;

/** How a secret `value` crosses the wire. */
export function secretWire(value: unknown): Wire {
    return { [SIG_KEY]: SECRET_SIG, value };
}

/** A catalog image the nodes could pull, as a user sets it before `pulumi up` (only a test's name: nothing pulls it offline). */
export const PULLABLE_CATALOG_IMAGE = "registry.workshop.internal/netflix_movie_catalog:0.0.1";

/**
 * A cloud stack file as a user deploys it: its movie-catalog image, a placeholder under
 * example.com that an update refuses, replaced by the one the user pushed.
 */
export function deployedStack(platform: string): StackConfig {
    return withSection(loadStackConfig(ROOT, platform), "kubelab:movie-catalog", { image: PULLABLE_CATALOG_IMAGE });
}

/** Asserts that `stack`'s stack file switches on every lab there is, and that its plan `p` gives each its own namespace. */
export function assertEveryLabOn(stack: string, p: Plan): void {
    const labs = (JSON.parse(loadStackConfig(ROOT, stack).config["kubelab:labs"]) as (string | { lab: string })[]).map(e => typeof e === "string" ? e : e.lab);
    assert.deepStrictEqual([...labs].sort(), [...LAB_NAMES].sort());
    for (const lab of LAB_NAMES) {
        assert.ok(p.objects.some(o => o.kind === "Namespace" && o.name === lab), lab);
    }
}

/** The one recorded resource of `type` in a plan; fails naming what it found otherwise. */
export function onlyResource(p: Plan, type: string): RecordedResource {
    const found = p.recording.resources.filter(r => r.type === type);
    assert.strictEqual(found.length, 1, `one ${type}, found ${found.map(r => r.name).join(", ") || "none"}`);
    return found[0];
}
