/**
 * Plain Kubernetes objects (from YAML, or built in a test) as the policy engine would receive
 * them had Pulumi created them: each object becomes one resource of its Pulumi type
 * (`apps/v1` `Deployment` → `kubernetes:apps/v1:Deployment`) with the object as its props.
 */
import { typeToken } from "../policy/lib/k8s";
import type { AnalyzerResource } from "./policy-harness";
import type { WireProps } from "./recorder";

export interface ManifestObject {
    apiVersion: string;
    kind: string;
    metadata?: { name?: string; namespace?: string; [key: string]: unknown };
    [key: string]: unknown;
}

/** Options a test may set on the resource made from an object (e.g. `ignoreChanges`). */
export interface ManifestResourceOptions {
    protect?: boolean;
    ignoreChanges?: string[];
    deleteBeforeReplace?: boolean;
}

/** The URN a manifest object gets: `urn:pulumi:<stack>::kubelab::<type>::<namespace>/<name>`. */
export function manifestUrn(obj: ManifestObject, stack = "check", suffix = ""): string {
    const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : "";
    return `urn:pulumi:${stack}::kubelab::${typeToken(obj.apiVersion, obj.kind)}::${ns}${obj.metadata?.name ?? "(unnamed)"}${suffix}`;
}

/** One analyzer resource per object, with default options unless given. URNs are made unique. */
export function manifestResources(objects: (ManifestObject | { object: ManifestObject; options?: ManifestResourceOptions })[], stack = "check"): AnalyzerResource[] {
    const seen = new Map<string, number>();
    return objects.map(entry => {
        const { object, options } = "object" in entry && typeof entry.object === "object" && !("apiVersion" in entry && "kind" in entry)
            ? entry as { object: ManifestObject; options?: ManifestResourceOptions }
            : { object: entry as ManifestObject, options: undefined };
        let urn = manifestUrn(object, stack);
        const n = seen.get(urn) ?? 0;
        seen.set(urn, n + 1);
        if (n > 0) {
            urn = manifestUrn(object, stack, `#${n + 1}`);
        }
        return {
            urn,
            type: typeToken(object.apiVersion, object.kind),
            name: urn.split("::").pop()!,
            properties: object as unknown as WireProps,
            options: {
                protect: options?.protect ?? false,
                ignoreChanges: options?.ignoreChanges ?? [],
                deleteBeforeReplace: options?.deleteBeforeReplace,
                aliases: [],
                customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
                additionalSecretOutputs: [],
            },
            dependencies: [],
            propertyDependencies: {},
        };
    });
}
