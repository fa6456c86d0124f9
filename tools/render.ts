/**
 * Turns a recording into what it means for the cluster: the Kubernetes objects (in the order
 * they would be applied), the resource tree, and the resources as the policy engine sees them.
 */
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { KUBECTL_WRITE } from "./kubectl-yaml";
import { parseType } from "../policy/lib/k8s";
import type { AnalyzerResource } from "./policy-harness";
import type { RecordedResource, Recording, WireValue } from "./recorder";

/** The wire sentinel for a value unknown during a preview (the SDK's public `pulumi.runtime.unknownValue`). */
export const UNKNOWN_SENTINEL: string = pulumi.runtime.unknownValue;
/** The wire signature key and the secret signature (`pulumi.runtime.specialSigKey`, `specialSecretSig`). */
const SIG_KEY: string = pulumi.runtime.specialSigKey;
const SECRET_SIG: string = pulumi.runtime.specialSecretSig;

/** How unknown and secret values appear in rendered YAML (./placeholders.ts). */
import { SECRET_PLACEHOLDER, UNKNOWN_PLACEHOLDER } from "./placeholders";
export { SECRET_PLACEHOLDER, UNKNOWN_PLACEHOLDER };

export type JsonObject = { [key: string]: Json };
export type Json = null | boolean | number | string | Json[] | JsonObject;

export interface RenderedObject {
    /** The Pulumi resource it comes from. */
    urn: string;
    /** `apps/v1`, `Deployment`, … */
    apiVersion: string;
    kind: string;
    namespace?: string;
    name: string;
    /** The object with unknowns and secrets replaced by placeholders. */
    object: JsonObject;
    /** JSON paths (`/spec/replicas`) whose value is unknown until deployed. */
    unknownPaths: string[];
    /**
     * JSON paths whose value is a secret, rendered as `(secret)` leaf by leaf: its shape is kept,
     * its values are not, so a schema check must not judge them (as it doesn't judge unknowns).
     */
    secretPaths?: string[];
}

/**
 * Plain JSON from wire values: unknowns and secrets replaced by placeholders, paths of unknowns
 * collected. Inside a secret every leaf becomes the secret placeholder, keeping the shape; the
 * path of each secret goes to `secretPaths` (when given), since its leaves are no longer the
 * values the schema expects (a port number, an enum).
 */
export function toPlain(value: WireValue, unknownPaths: string[], at = "", secret = false, secretPaths?: string[]): Json {
    if (value === UNKNOWN_SENTINEL) {
        unknownPaths.push(at);
        return secret ? SECRET_PLACEHOLDER : UNKNOWN_PLACEHOLDER;
    }
    if (Array.isArray(value)) {
        return value.map((v, i) => toPlain(v, unknownPaths, `${at}/${i}`, secret, secretPaths));
    }
    if (value && typeof value === "object") {
        if (value[SIG_KEY] === SECRET_SIG) {
            if (!secret) {
                secretPaths?.push(at);
            }
            return toPlain(value.value, unknownPaths, at, true, secretPaths);
        }
        const out: JsonObject = {};
        for (const [k, v] of Object.entries(value)) {
            out[k] = toPlain(v, unknownPaths, `${at}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`, secret, secretPaths);
        }
        return out;
    }
    return secret ? SECRET_PLACEHOLDER : value;
}

/** Apply order for kinds, as Helm and kubectl order them: what others need comes first. */
const KIND_ORDER = [
    "Namespace", "ResourceQuota", "LimitRange", "StorageClass", "PersistentVolume", "ServiceAccount",
    "Secret", "ConfigMap", "PersistentVolumeClaim", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
    "Service", "DaemonSet", "Pod", "ReplicaSet", "Deployment", "StatefulSet", "Job", "CronJob",
    "HorizontalPodAutoscaler", "PodDisruptionBudget", "IngressClass", "Ingress",
];

function kindRank(kind: string): number {
    const i = KIND_ORDER.indexOf(kind);
    return i === -1 ? KIND_ORDER.length : i;
}

/**
 * True for a recorded resource that is a Kubernetes object (not a provider, component or Patch,
 * nor a Helm release, whose objects the provider makes at deploy time).
 */
export function isKubernetesObject(r: RecordedResource): boolean {
    return r.custom && !r.notRenderedOffline && r.type.startsWith("kubernetes:") && parseType(r.type) !== undefined && !isPatchResource(r);
}

/**
 * A `<Kind>Patch` resource (server-side apply of some fields of an existing object), as
 * pulumi-kubernetes tells one apart: the type ends in `Patch` and the object's kind does not (a
 * custom resource may have a kind ending in Patch). It is no object of its own to apply.
 */
export function isPatchResource(r: Pick<RecordedResource, "type" | "inputs">): boolean {
    const kind = (r.inputs as { kind?: unknown }).kind;
    return /Patch$/.test(r.type) && !(typeof kind === "string" && kind.endsWith("Patch"));
}

/**
 * Every Kubernetes object of the recording in apply order: a resource only after the resources
 * it depends on (Pulumi's order), and among those free to go, by kind as kubectl would order them.
 */
export function renderObjects(recording: Recording): RenderedObject[] {
    const objects = recording.resources.filter(isKubernetesObject);
    const urns = new Set(objects.map(o => o.urn));
    // Dependencies between objects, through components: a dependency on a component means on its children.
    const childrenOf = new Map<string, string[]>();
    for (const r of recording.resources) {
        if (r.parent) {
            childrenOf.set(r.parent, [...(childrenOf.get(r.parent) ?? []), r.urn]);
        }
    }
    const expand = (urn: string, seen = new Set<string>()): string[] => {
        if (seen.has(urn)) {
            return [];
        }
        seen.add(urn);
        return urns.has(urn) ? [urn] : (childrenOf.get(urn) ?? []).flatMap(c => expand(c, seen));
    };
    const deps = new Map(objects.map(o => [o.urn, new Set(o.dependencies.flatMap(d => expand(d)).filter(d => d !== o.urn))]));
    const done = new Set<string>();
    const ordered: RecordedResource[] = [];
    const index = new Map(objects.map((o, i) => [o.urn, i]));
    while (ordered.length < objects.length) {
        const ready = objects.filter(o => !done.has(o.urn) && [...(deps.get(o.urn) ?? [])].every(d => done.has(d)));
        const pool = ready.length ? ready : objects.filter(o => !done.has(o.urn)); // a cycle can't happen in Pulumi; be safe
        pool.sort((a, b) => kindRank(parseType(a.type)!.kind) - kindRank(parseType(b.type)!.kind) || index.get(a.urn)! - index.get(b.urn)!);
        const next = pool[0];
        done.add(next.urn);
        ordered.push(next);
    }
    return ordered.map(r => {
        const unknownPaths: string[] = [];
        const secretPaths: string[] = [];
        const object = toPlain(r.state, unknownPaths, "", false, secretPaths) as JsonObject;
        const { apiVersion, kind } = parseType(r.type)!;
        const metadata = (object.metadata ?? {}) as JsonObject;
        return {
            urn: r.urn,
            apiVersion,
            kind,
            namespace: typeof metadata.namespace === "string" ? metadata.namespace : undefined,
            name: typeof metadata.name === "string" ? metadata.name : r.name,
            object: { apiVersion, kind, ...object },
            unknownPaths,
            ...(secretPaths.length ? { secretPaths } : {}),
        };
    });
}

/** One YAML document per object, in apply order. */
export function toYaml(objects: RenderedObject[]): string {
    return objects.map(o => stringify(o.object, KUBECTL_WRITE)).join("---\n");
}

/** File name of an object: `03-deployment-smilr-data-api.yaml`. */
export function fileNameOf(o: RenderedObject, i: number): string {
    const ns = o.namespace ? `${o.namespace}-` : "";
    return `${String(i + 1).padStart(2, "0")}-${o.kind.toLowerCase()}-${ns}${o.name}.yaml`.replace(/[^A-Za-z0-9._-]/g, "_");
}

/**
 * The resources as the policy engine receives them. `Analyze` sees a resource's checked inputs
 * (for Kubernetes objects, the provider's Check has filled in auto-names); `AnalyzeStack` sees
 * outputs, which in a preview are the same for custom resources, and for components are what
 * they registered with `registerOutputs`.
 */
export function analyzerResources(recording: Recording): AnalyzerResource[] {
    const byUrn = new Map(recording.resources.map(r => [r.urn, r]));
    return recording.resources.map((r): AnalyzerResource => {
        const provider = r.provider ? byUrn.get(r.provider) : undefined;
        return {
            urn: r.urn,
            type: r.type,
            name: r.name,
            properties: r.custom ? r.state : r.inputs,
            stackProperties: r.custom ? undefined : (r.outputs ?? {}),
            options: {
                protect: r.options.protect,
                ignoreChanges: r.options.ignoreChanges,
                deleteBeforeReplace: r.options.deleteBeforeReplace,
                aliases: r.options.aliases,
                customTimeouts: r.options.customTimeouts,
                additionalSecretOutputs: r.options.additionalSecretOutputs,
                parent: r.parent,
            },
            provider: provider ? { urn: provider.urn, type: provider.type, name: provider.name, properties: provider.state } : undefined,
            parent: r.parent,
            dependencies: r.dependencies,
            // The engine leaves out properties without dependencies.
            propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).filter(([, urns]) => urns.length > 0)),
        };
    });
}

/** The resource tree, stack → components → resources, as indented lines. */
/** `@pulumi/command`'s local command (the minikube platform's cluster). */
const LOCAL_COMMAND_TYPE = "command:local:Command";

export function resourceTree(recording: Recording): string[] {
    const children = new Map<string | undefined, RecordedResource[]>();
    for (const r of recording.resources) {
        children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    }
    const lines: string[] = [];
    const walk = (parent: string | undefined, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            const flags = [r.options.protect ? "protect" : "", r.options.retainOnDelete ? "retainOnDelete" : ""].filter(Boolean);
            const skipped = r.notRenderedOffline ? "  (not rendered offline)" : "";
            lines.push(`${"  ".repeat(depth)}${r.type}  ${r.name}${flags.length ? `  [${flags.join(", ")}]` : ""}${skipped}`);
            if (r.type === LOCAL_COMMAND_TYPE) {
                // What the command runs is the point of the resource: show it, as `pulumi preview --diff` would.
                for (const phase of ["create", "delete"]) {
                    const line = r.inputs[phase];
                    if (typeof line === "string") {
                        lines.push(`${"  ".repeat(depth + 1)}${phase}: ${line}`);
                    }
                }
            }
            walk(r.urn, depth + 1);
        }
    };
    walk(undefined, 0);
    return lines;
}
