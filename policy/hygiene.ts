/**
 * Hygiene (advisory by default): probes behind Services, pinned images, no credentials in plain
 * env, and no API versions the cluster no longer serves.
 */
import { Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { KubeObject, containersOf, describeObject, isWorkloadKind, kindOf, parseType, podSpecOf } from "./lib/k8s";
import { indexStack, serviceSelects } from "./lib/stack";

/** Containers behind a Service need a readiness probe, or traffic reaches pods that aren't ready. */
export const readinessProbeBehindService: StackValidationPolicy = {
    name: "readiness-probe-behind-service",
    description: "Containers of pods that a Service selects have a readiness probe: without one, a pod gets traffic the moment it starts, before it can answer, and during every rollout.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const index = indexStack(args.resources);
        for (const w of index.workloads) {
            const services = index.all("Service").filter(s => s.namespace === w.namespace &&
                serviceSelects((s.obj.spec as { selector?: Record<string, string> } | undefined)?.selector, w.podLabels));
            if (!services.length) {
                continue;
            }
            for (const { container, role } of containersOf(w.pod)) {
                if (role === "container" && !container.readinessProbe) {
                    reportViolation(`${describeObject(w.kind, w.obj, w.name)}: container '${container.name ?? "(unnamed)"}' is behind Service ${services.map(s => s.name).join(", ")} but has no readinessProbe; add one (httpGet on a health path, or tcpSocket).`, w.resource.urn);
                }
            }
        }
    },
};

/** The tag of an image reference, "" when it has none; digests count as pinned. */
export function imageTag(image: string): string | "digest" {
    if (image.includes("@sha256:")) {
        return "digest";
    }
    const last = image.slice(image.lastIndexOf("/") + 1);
    const colon = last.lastIndexOf(":");
    return colon === -1 ? "" : last.slice(colon + 1);
}

/** Images are pinned to a tag other than latest, or a digest. */
export const pinnedImageTag: ResourceValidationPolicy = {
    name: "pinned-image-tag",
    description: "Every container image names a tag other than latest (or a digest): a moving tag makes rollouts unrepeatable and pods on different nodes run different code.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        const kind = kindOf(args.type);
        if (!isWorkloadKind(kind)) {
            return;
        }
        const obj = args.props as KubeObject;
        for (const { container, role } of containersOf(podSpecOf(kind, obj))) {
            const image = container.image ?? "";
            const tag = imageTag(image);
            if (tag === "" || tag === "latest") {
                reportViolation(`${describeObject(kind, obj, args.name)}: ${role} '${container.name ?? "(unnamed)"}' runs ${image || "(no image)"}${tag === "" ? " without a tag (latest)" : ""}; pin a release tag or a digest.`);
            }
        }
    },
};

const CREDENTIAL_WORDS = ["PASSWORD", "PASSWD", "SECRET", "KEY", "TOKEN"];

export interface CredentialsConfig {
    allowNames: string[];
}

/** Credentials come from Secrets, not literal env values. */
export const noLiteralCredentials: ResourceValidationPolicy = {
    name: "no-literal-credentials",
    description: "Environment variables whose names look like credentials (a PASSWORD, SECRET, KEY or TOKEN word) take their values from a Secret (valueFrom), not a literal: literals end up in the manifest, the Pulumi state and kubectl describe.",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            allowNames: { type: "array", items: { type: "string" }, default: [], description: "Variable names that look like credentials but are not (e.g. SORT_KEY)." },
        },
    },
    validateResource: (args, reportViolation) => {
        const kind = kindOf(args.type);
        if (!isWorkloadKind(kind)) {
            return;
        }
        const { allowNames } = args.getConfig<CredentialsConfig>();
        const obj = args.props as KubeObject;
        for (const { container, role } of containersOf(podSpecOf(kind, obj))) {
            for (const env of container.env ?? []) {
                const name = env.name ?? "";
                const words = name.toUpperCase().split(/[_\-.]/);
                if (env.value !== undefined && words.some(w => CREDENTIAL_WORDS.includes(w)) && !allowNames.includes(name)) {
                    reportViolation(`${describeObject(kind, obj, args.name)}: ${role} '${container.name ?? "(unnamed)"}' sets ${name} to a literal value; read it from a Secret (valueFrom.secretKeyRef).`);
                }
            }
        }
    },
};

/** API versions removed from Kubernetes: [apiVersion, kinds (empty: all), replacement, removed in]. */
const REMOVED: [string, string[], string, string][] = [
    ["extensions/v1beta1", ["Ingress"], "networking.k8s.io/v1", "1.22"],
    ["extensions/v1beta1", ["Deployment", "DaemonSet", "ReplicaSet"], "apps/v1", "1.16"],
    ["extensions/v1beta1", [], "a current API", "1.22"],
    ["networking.k8s.io/v1beta1", ["Ingress", "IngressClass"], "networking.k8s.io/v1", "1.22"],
    ["autoscaling/v2beta1", [], "autoscaling/v2", "1.25"],
    ["autoscaling/v2beta2", [], "autoscaling/v2", "1.26"],
    ["policy/v1beta1", ["PodDisruptionBudget"], "policy/v1", "1.25"],
    ["policy/v1beta1", ["PodSecurityPolicy"], "Pod Security Admission", "1.25"],
    ["batch/v1beta1", ["CronJob"], "batch/v1", "1.25"],
    ["apps/v1beta1", [], "apps/v1", "1.16"],
    ["apps/v1beta2", [], "apps/v1", "1.16"],
    ["storage.k8s.io/v1beta1", ["CSIStorageCapacity"], "storage.k8s.io/v1", "1.27"],
];

/** No API versions the cluster no longer serves. */
export const noRemovedApis: ResourceValidationPolicy = {
    name: "no-removed-apis",
    description: "No object uses an API version Kubernetes has removed (extensions/v1beta1 Ingress, autoscaling/v2beta*, policy/v1beta1 PodDisruptionBudget …): current clusters reject it.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        const parsed = parseType(args.type);
        if (!parsed) {
            return;
        }
        const hit = REMOVED.find(([version, kinds]) => version === parsed.apiVersion && (kinds.length === 0 || kinds.includes(parsed.kind)));
        if (hit) {
            const obj = args.props as KubeObject;
            reportViolation(`${describeObject(parsed.kind, obj, args.name)} uses ${parsed.apiVersion}, removed in Kubernetes ${hit[3]}; use ${hit[2]}.`);
        }
    },
};

export const hygienePolicies: Policies = [readinessProbeBehindService, pinnedImageTag, noLiteralCredentials, noRemovedApis];
