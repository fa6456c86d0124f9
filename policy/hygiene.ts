/**
 * Hygiene (advisory by default; the production profile makes them mandatory): probes behind
 * Services, pinned images, no credentials in plain env, and no API versions the cluster no
 * longer serves.
 */
import { Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { configSchema, readConfig } from "./lib/config";
import { KubeObject, containersOf, describeObject, objectsIn, parseType } from "./lib/k8s";
import { containerLabel, workloadContainers } from "./lib/pods";
import { scaledStack } from "./lib/scale";
import { routingServices, servingContainers } from "./lib/services";
import { Workload } from "./lib/stack";

/**
 * The containers that serve a Service need a readiness probe, or traffic reaches pods that aren't
 * ready. A pod is Ready only when all its containers are, so a helper container that serves none
 * of the Service's ports (a backup agent, a metrics exporter the Service doesn't expose) needs no
 * probe of its own: the serving container's probe already gates the pod.
 */
export const readinessProbeBehindService: StackValidationPolicy = {
    name: "readiness-probe-behind-service",
    description: "Containers that serve a Service's ports have a readiness probe: without one, a pod gets traffic the moment its process starts, before it can answer, on every scale-out and during every rollout. A container serves a port when it declares the port's targetPort (by number or name), a sidecar (an init container with restartPolicy Always) included, since its readiness counts toward the pod's; when no container declares it, every app container counts. Pods are matched by the labels they really carry, controller-added ones included (a Service pinned to one StatefulSet pod by statefulset.kubernetes.io/pod-name counts).",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const { index, inNamespace } = scaledStack(args.resources);
        // Workload → a serving container (`container#1`, `init container#2` for a sidecar) → the Services whose ports it serves.
        const behind = new Map<Workload, Map<string, string[]>>();
        for (const { svc, spec, selected } of routingServices(index, inNamespace)) {
            for (const { w } of selected) {
                const serving = behind.get(w) ?? new Map<string, string[]>();
                for (const { role, position } of servingContainers(spec, w.pod)) {
                    const key = `${role}#${position}`;
                    serving.set(key, [...(serving.get(key) ?? []), svc.name]);
                }
                behind.set(w, serving);
            }
        }
        for (const w of index.workloads) {
            const serving = behind.get(w);
            if (!serving) {
                continue;
            }
            // App containers, and sidecars (restartPolicy Always), whose readiness counts toward the pod's; other init containers finish before it serves.
            for (const { container, role, position } of containersOf(w.pod)) {
                const services = serving.get(`${role}#${position}`);
                const sidecar = role === "init container" ? " (a sidecar: restartPolicy Always)" : "";
                if (services && !container.readinessProbe) {
                    reportViolation(`${describeObject(w.kind, w.obj, w.name)}: ${containerLabel(container, role, position)}${sidecar} is behind ${services.length > 1 ? "Services" : "Service"} ${services.join(", ")} but has no readinessProbe; ` +
                        "add one (httpGet on a health path, or tcpSocket on the serving port).", w.resource.urn);
                }
            }
        }
    },
};

/**
 * The tag of an image reference: "digest" when it is pinned by digest (`name@sha256:…`, with or
 * without a tag), "" when it has no tag. Only the last path segment can carry the tag, so the
 * port of a registry (`registry:5000/app`) is not one.
 */
export function imageTag(image: string): string {
    if (typeof image !== "string") {
        return ""; // no reference at all (the API server refuses it)
    }
    if (image.includes("@")) {
        return "digest";
    }
    const last = image.slice(image.lastIndexOf("/") + 1);
    const colon = last.lastIndexOf(":");
    return colon === -1 ? "" : last.slice(colon + 1);
}

/** Images are pinned to a tag other than latest, or a digest. */
export const pinnedImageTag: ResourceValidationPolicy = {
    name: "pinned-image-tag",
    description: "Every container image names a tag other than latest, or a digest: a moving tag makes rollouts unrepeatable, a rollback may not go back, and pods on different nodes run different code.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        for (const { what, container, label } of workloadContainers(args.type, args.props, args.name)) {
            const image = container.image ?? "";
            const tag = imageTag(image);
            if (image === "") {
                reportViolation(`${what}: ${label} names no image; set image to a release tag or a digest.`);
            } else if (tag === "" || tag === "latest") {
                reportViolation(`${what}: ${label} runs ${image}${tag === "" ? " without a tag (latest)" : ""}; pin a release tag or a digest.`);
            }
        }
    },
};

/** Name parts that mark a credential. */
const CREDENTIAL_WORDS = ["PASSWORD", "PASSWD", "SECRET", "KEY", "TOKEN"];
/** Compound words ending in one of these are credentials too (DBPASSWORD, CLIENTSECRET); KEY is left out (MONKEY, HOCKEY). */
const CREDENTIAL_SUFFIXES = ["PASSWORD", "PASSWD", "SECRET", "TOKEN"];
/**
 * A last part that makes the variable something about a credential, not the credential itself:
 * where it is (POSTGRES_PASSWORD_FILE=/run/secrets/pw, TLS_SECRET_NAME), or how it is made or
 * checked (POSTGRES_PASSWORD_ENCRYPTION=scram-sha-256, JWT_SECRET_ALGORITHM, TOKEN_TTL, KEY_SIZE).
 */
const REFERENCE_WORDS = ["FILE", "PATH", "DIR", "NAME", "URL", "URI", "ENDPOINT"];
const ATTRIBUTE_WORDS = ["METHOD", "MODE", "TYPE", "ALGORITHM", "ALG", "ENCRYPTION", "HASH", "HASHING", "LENGTH", "SIZE", "BITS",
    "TTL", "EXPIRY", "EXPIRATION", "EXPIRES", "TIMEOUT", "LIFETIME", "HEADER", "PREFIX", "POLICY"];
/**
 * A part that makes the variable a switch about credentials (MYSQL_ALLOW_EMPTY_PASSWORD,
 * MYSQL_RANDOM_ROOT_PASSWORD, DISABLE_TOKEN_AUTH): it turns behaviour on or off and holds none.
 */
const SWITCH_WORDS = ["ALLOW", "ALLOWED", "ENABLE", "ENABLED", "DISABLE", "DISABLED", "SKIP", "RANDOM", "GENERATE", "REQUIRE", "REQUIRED", "USE", "NO", "EMPTY"];

/** The parts of a variable name, upper-cased: `MINIO_ACCESS_KEY` → MINIO, ACCESS, KEY; `dbPassword` → DB, PASSWORD. */
export function nameParts(name: string): string[] {
    return String(name).split(/[^A-Za-z0-9]+/)
        .flatMap(part => part.split(/(?<=[a-z0-9])(?=[A-Z])/))
        .filter(part => part !== "")
        .map(part => part.toUpperCase());
}

/**
 * True when an environment variable's name says it holds a credential: a PASSWORD, PASSWD,
 * SECRET, KEY or TOKEN part (or a compound ending in one, KEY aside), unless its last part says it
 * is about a credential rather than one (…_FILE, …_NAME, …_METHOD, …_TTL) or some part makes it a
 * switch (…_ALLOW_…, …_RANDOM_…, ENABLE_…).
 */
export function looksLikeCredential(name: string): boolean {
    const parts = nameParts(name);
    const last = parts[parts.length - 1];
    if (!parts.length || REFERENCE_WORDS.includes(last) || ATTRIBUTE_WORDS.includes(last) || parts.some(p => SWITCH_WORDS.includes(p))) {
        return false;
    }
    return parts.some(p => CREDENTIAL_WORDS.includes(p) || CREDENTIAL_SUFFIXES.some(s => p.endsWith(s)));
}

/** Values that switch something on or off, and hold no secret: matched whole, case aside. */
const SWITCH_VALUES = ["true", "false", "yes", "no", "y", "n", "on", "off", "0", "1", "enabled", "disabled"];

/**
 * True when a literal env value can hold a secret: any string but the empty one, a switch value
 * (true/false, yes/no, y/n, on/off, 0/1, enabled/disabled) or nothing but references to other
 * variables (`$(DB_PASSWORD)`, which Kubernetes expands from a variable that may well come from a
 * Secret). A YAML boolean or number is a switch or a count, not a secret.
 */
export function couldBeSecret(value: unknown): boolean {
    if (typeof value !== "string") {
        return false;
    }
    const text = value.trim();
    return text !== "" && !SWITCH_VALUES.includes(text.toLowerCase()) && !/^(\$\([A-Za-z_][A-Za-z0-9_.-]*\))+$/.test(text);
}

export interface CredentialsConfig {
    /** Variable names that look like credentials but are not. */
    allowNames: string[];
}

const credentialsSchema = configSchema<CredentialsConfig>({
    allowNames: { type: "array", items: { type: "string" }, default: [], description: "Variable names that look like credentials but are not (e.g. SORT_KEY); matched exactly." },
});

/** Credentials come from Secrets, not literal env values. */
export const noLiteralCredentials: ResourceValidationPolicy = {
    name: "no-literal-credentials",
    description: "Environment variables whose names look like credentials (a PASSWORD, SECRET, KEY or TOKEN part, e.g. DB_PASSWORD, MINIO_ACCESS_KEY) take their values from a Secret (valueFrom), not a literal: literals end up in the manifest, the Pulumi state, the CI log and kubectl describe. Not credentials: names about one (…_FILE, …_PATH, …_NAME, …_URL, …_METHOD, …_ALGORITHM, …_TTL, …), switches (a part ALLOW, ENABLE, DISABLE, SKIP, RANDOM, GENERATE, REQUIRE, USE, NO or EMPTY, as in MYSQL_ALLOW_EMPTY_PASSWORD), and values that hold no secret (empty, true/false, yes/no, y/n, on/off, 0/1, enabled/disabled, or only $(VAR) references).",
    enforcementLevel: "advisory",
    configSchema: credentialsSchema,
    validateResource: (args, reportViolation) => {
        const containers = workloadContainers(args.type, args.props, args.name);
        if (!containers.length) {
            return;
        }
        const { allowNames } = readConfig(credentialsSchema, args);
        for (const { what, container, label } of containers) {
            for (const env of objectsIn<{ name?: string; value?: unknown }>(container.env)) {
                const name = env.name ?? "";
                if (couldBeSecret(env.value) && looksLikeCredential(name) && !allowNames.includes(name)) {
                    reportViolation(`${what}: ${label} sets ${name} to a literal value; keep it in a Secret and read it with valueFrom.secretKeyRef ` +
                        "(or list the name in policy config allowNames if it is not a credential).");
                }
            }
        }
    },
};

/** An API version Kubernetes no longer serves. */
interface Removal {
    apiVersion: string;
    /** Kinds this entry is about; empty: every kind of the version not listed before. */
    kinds: string[];
    replacement: string;
    /** The Kubernetes release that stopped serving it. */
    removedIn: string;
}

/** Removed API versions, most specific first (the Kubernetes deprecated-API migration guide). */
const REMOVED: Removal[] = [
    { apiVersion: "extensions/v1beta1", kinds: ["Ingress"], replacement: "networking.k8s.io/v1", removedIn: "1.22" },
    { apiVersion: "extensions/v1beta1", kinds: ["Deployment", "DaemonSet", "ReplicaSet"], replacement: "apps/v1", removedIn: "1.16" },
    { apiVersion: "extensions/v1beta1", kinds: ["NetworkPolicy"], replacement: "networking.k8s.io/v1", removedIn: "1.16" },
    { apiVersion: "extensions/v1beta1", kinds: ["PodSecurityPolicy"], replacement: "Pod Security Admission (PodSecurityPolicy itself is gone since 1.25)", removedIn: "1.16" },
    { apiVersion: "extensions/v1beta1", kinds: [], replacement: "the kind's current API group", removedIn: "1.22" },
    { apiVersion: "apps/v1beta1", kinds: [], replacement: "apps/v1", removedIn: "1.16" },
    { apiVersion: "apps/v1beta2", kinds: [], replacement: "apps/v1", removedIn: "1.16" },
    { apiVersion: "networking.k8s.io/v1beta1", kinds: ["Ingress", "IngressClass"], replacement: "networking.k8s.io/v1", removedIn: "1.22" },
    { apiVersion: "autoscaling/v2beta1", kinds: [], replacement: "autoscaling/v2", removedIn: "1.25" },
    { apiVersion: "autoscaling/v2beta2", kinds: [], replacement: "autoscaling/v2", removedIn: "1.26" },
    { apiVersion: "policy/v1beta1", kinds: ["PodSecurityPolicy"], replacement: "Pod Security Admission (no PodSecurityPolicy API remains)", removedIn: "1.25" },
    { apiVersion: "policy/v1beta1", kinds: [], replacement: "policy/v1", removedIn: "1.25" },
    { apiVersion: "batch/v1beta1", kinds: [], replacement: "batch/v1", removedIn: "1.25" },
    { apiVersion: "storage.k8s.io/v1beta1", kinds: ["CSIStorageCapacity"], replacement: "storage.k8s.io/v1", removedIn: "1.27" },
    { apiVersion: "storage.k8s.io/v1beta1", kinds: ["StorageClass", "VolumeAttachment", "CSIDriver", "CSINode"], replacement: "storage.k8s.io/v1", removedIn: "1.22" },
    { apiVersion: "rbac.authorization.k8s.io/v1beta1", kinds: [], replacement: "rbac.authorization.k8s.io/v1", removedIn: "1.22" },
    { apiVersion: "scheduling.k8s.io/v1beta1", kinds: [], replacement: "scheduling.k8s.io/v1", removedIn: "1.22" },
    { apiVersion: "admissionregistration.k8s.io/v1beta1", kinds: ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"], replacement: "admissionregistration.k8s.io/v1", removedIn: "1.22" },
    { apiVersion: "apiextensions.k8s.io/v1beta1", kinds: [], replacement: "apiextensions.k8s.io/v1", removedIn: "1.22" },
    { apiVersion: "apiregistration.k8s.io/v1beta1", kinds: [], replacement: "apiregistration.k8s.io/v1", removedIn: "1.22" },
    { apiVersion: "certificates.k8s.io/v1beta1", kinds: ["CertificateSigningRequest"], replacement: "certificates.k8s.io/v1", removedIn: "1.22" },
    { apiVersion: "coordination.k8s.io/v1beta1", kinds: ["Lease"], replacement: "coordination.k8s.io/v1", removedIn: "1.22" },
    { apiVersion: "discovery.k8s.io/v1beta1", kinds: [], replacement: "discovery.k8s.io/v1", removedIn: "1.25" },
    { apiVersion: "events.k8s.io/v1beta1", kinds: [], replacement: "events.k8s.io/v1", removedIn: "1.25" },
    { apiVersion: "node.k8s.io/v1beta1", kinds: [], replacement: "node.k8s.io/v1", removedIn: "1.25" },
    { apiVersion: "flowcontrol.apiserver.k8s.io/v1beta1", kinds: [], replacement: "flowcontrol.apiserver.k8s.io/v1", removedIn: "1.26" },
    { apiVersion: "flowcontrol.apiserver.k8s.io/v1beta2", kinds: [], replacement: "flowcontrol.apiserver.k8s.io/v1", removedIn: "1.29" },
    { apiVersion: "flowcontrol.apiserver.k8s.io/v1beta3", kinds: [], replacement: "flowcontrol.apiserver.k8s.io/v1", removedIn: "1.32" },
];

/** Where an apiVersion and kind were removed, if they were. */
export function removedApi(apiVersion: string, kind: string): Removal | undefined {
    return REMOVED.find(r => r.apiVersion === apiVersion && (r.kinds.length === 0 || r.kinds.includes(kind)));
}

/** No API versions the cluster no longer serves. The Pulumi type token carries the version. */
export const noRemovedApis: ResourceValidationPolicy = {
    name: "no-removed-apis",
    description: "No object uses an API version Kubernetes has removed (extensions/v1beta1 and networking.k8s.io/v1beta1 Ingress, autoscaling/v2beta1 and v2beta2, policy/v1beta1 PodDisruptionBudget, batch/v1beta1 CronJob, apps/v1beta1 and v1beta2 …): current clusters reject it, so the deployment fails.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        const parsed = parseType(args.type);
        const removal = parsed && removedApi(parsed.apiVersion, parsed.kind);
        if (parsed && removal) {
            const obj = args.props as KubeObject;
            reportViolation(`${describeObject(parsed.kind, obj, args.name)} uses ${parsed.apiVersion}, removed in Kubernetes ${removal.removedIn}; use ${removal.replacement}.`);
        }
    },
};

export const hygienePolicies: Policies = [readinessProbeBehindService, pinnedImageTag, noLiteralCredentials, noRemovedApis];
