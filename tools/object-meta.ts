/**
 * Names, namespaces, labels and annotations as the API server validates them (Kubernetes'
 * apimachinery validation: RFC 1123 and RFC 1035 names, qualified names, label values). The
 * OpenAPI schemas only say these are strings, so without this a `namespace: YOUR_NAMESPACE`
 * left in a copied manifest, a `Service` named `1web` or a label value `1.0+build` passed the
 * check and failed at `kubectl apply`.
 *
 * Which rule a kind's name follows is Kubernetes' own choice, per kind:
 * - most kinds, custom resources included: an RFC 1123 subdomain (at most 253 characters);
 * - Namespace and StatefulSet (its pods' host names are `<name>-<ordinal>`): an RFC 1123 label;
 * - Service (its name is a DNS label in the cluster domain): an RFC 1035 label (starts with a letter);
 * - CronJob: a subdomain of at most 52 characters (its Jobs get an 11-character suffix);
 * - the RBAC kinds: any path segment (`system:controller:foo` is fine), not `.` or `..`, no `/` or `%`;
 * - CustomResourceDefinition: exactly `<spec.names.plural>.<spec.group>`.
 */

import { apiGroupOf } from "../policy/lib/k8s";
import { escapePointer, isRecord, valueAt } from "./json-pointer";

/** One problem, with the JSON pointer of the offending value. */
export interface MetaIssue {
    path: string;
    message: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

interface NameRule {
    /** What the rule is called in messages. */
    what: string;
    /** Whether `name` follows it; `prefix`: a generateName, which may end in '-' (or '.'). */
    test(name: string, prefix: boolean): boolean;
}

/** A regex rule with a length limit. A generateName prefix may end in '-', as the API server checks it. */
function pattern(what: string, re: RegExp, max: number): NameRule {
    return {
        what: `${what} (at most ${max} characters)`,
        test: (name, prefix) => {
            const checked = prefix && name.endsWith("-") ? `${name.slice(0, -1)}a` : name;
            return checked.length <= max && re.test(checked);
        },
    };
}

const SUBDOMAIN = pattern("a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit", DNS1123_SUBDOMAIN, 253);
const LABEL = pattern("a lowercase RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit", DNS1123_LABEL, 63);
const SERVICE_LABEL = pattern("a lowercase RFC 1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit", DNS1035_LABEL, 63);
const CRONJOB = pattern("a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit; its Jobs get an 11-character suffix", DNS1123_SUBDOMAIN, 52);
const PATH_SEGMENT: NameRule = {
    what: "a path segment: not '.' or '..', and no '/' or '%'",
    test: (name, prefix) => (prefix || (name !== "." && name !== "..")) && !/[/%]/.test(name),
};

const RBAC_KINDS = new Set(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]);

/** The rule `kind`'s names follow (`group` is the API group of its apiVersion). */
function nameRule(group: string, kind: string): NameRule {
    if (group === "" && kind === "Namespace") {
        return LABEL;
    }
    if (group === "" && kind === "Service") {
        return SERVICE_LABEL;
    }
    if (group === "apps" && kind === "StatefulSet") {
        return LABEL;
    }
    if (group === "batch" && kind === "CronJob") {
        return CRONJOB;
    }
    if (group === "rbac.authorization.k8s.io" && RBAC_KINDS.has(kind)) {
        return PATH_SEGMENT;
    }
    return SUBDOMAIN;
}

/** A hint when a value looks like a template placeholder nobody filled in. */
function placeholderHint(value: string): string {
    return /^[A-Z][A-Z0-9_]*$/.test(value) || /[<>{}$]/.test(value) ? " (a placeholder left to fill in?)" : "";
}

/** A label or annotation key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
function keyProblem(key: string, lowercasePrefix: boolean): string | undefined {
    const slash = key.indexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (prefix !== undefined) {
        const p = lowercasePrefix ? prefix.toLowerCase() : prefix;
        if (!p || p.length > 253 || !DNS1123_SUBDOMAIN.test(p)) {
            return `its prefix "${prefix}" must be a lowercase RFC 1123 subdomain (at most 253 characters)`;
        }
    }
    if (!name || name.length > 63 || !QUALIFIED_NAME.test(name)) {
        return `its name part "${name}" must be at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit`;
    }
    return undefined;
}

/** The API server's limit on all of an object's annotations together (keys and values). */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** Labels and annotations of one metadata block at `at` (a JSON pointer). */
function labelsAndAnnotations(metadata: Record<string, unknown>, at: string, hidden: (path: string) => boolean): MetaIssue[] {
    const issues: MetaIssue[] = [];
    if (isRecord(metadata.labels) && !hidden(`${at}/labels`)) {
        for (const [key, value] of Object.entries(metadata.labels)) {
            const path = `${at}/labels/${escapePointer(key)}`;
            if (hidden(path)) {
                continue;
            }
            const bad = keyProblem(key, false);
            if (bad) {
                issues.push({ path, message: `${at}/labels: label key "${key}" is not valid: ${bad}` });
            }
            if (typeof value === "string" && value !== "" && (value.length > 63 || !QUALIFIED_NAME.test(value))) {
                issues.push({ path, message: `${at}/labels: label ${key} has the value "${value}", which is not valid: a label value must be empty or at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit${placeholderHint(value)}` });
            }
        }
    }
    if (isRecord(metadata.annotations) && !hidden(`${at}/annotations`)) {
        let bytes = 0;
        for (const [key, value] of Object.entries(metadata.annotations)) {
            const path = `${at}/annotations/${escapePointer(key)}`;
            // The API server lowercases an annotation key before checking it.
            const bad = keyProblem(key, true);
            if (bad && !hidden(path)) {
                issues.push({ path, message: `${at}/annotations: annotation key "${key}" is not valid: ${bad}` });
            }
            bytes += Buffer.byteLength(key) + (typeof value === "string" ? Buffer.byteLength(value) : 0);
        }
        if (bytes > ANNOTATIONS_MAX_BYTES) {
            issues.push({ path: `${at}/annotations`, message: `${at}/annotations: the annotations take ${bytes} bytes; the API server allows at most ${ANNOTATIONS_MAX_BYTES} (256 KiB) in all (kubectl apply's last-applied-configuration annotation counts too: use server-side apply for large objects)` });
        }
    }
    return issues;
}

/** Kubernetes' own kinds whose spec.template is a pod template the API server validates. */
const POD_TEMPLATE_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"]);
/** The API groups those kinds are served in (extensions: removed versions, still recognised). */
const WORKLOAD_GROUPS = new Set(["", "apps", "batch", "extensions"]);

/**
 * Where a built-in kind keeps the metadata of the pods (or Jobs) it makes, as JSON pointers. A
 * custom resource's `spec.template` is the operator's own type (an ApplicationSet's holds
 * `{{…}}` values), which the API server doesn't validate as metadata.
 */
function templateMetadataPaths(group: string, kind: string, object: Record<string, unknown>): string[] {
    if (!WORKLOAD_GROUPS.has(group)) {
        return [];
    }
    if (kind === "PodTemplate") {
        return isRecord(object.template) ? ["/template/metadata"] : [];
    }
    const spec = isRecord(object.spec) ? object.spec : undefined;
    if (!spec) {
        return [];
    }
    if (kind === "CronJob") {
        const jobSpec = isRecord(spec.jobTemplate) && isRecord(spec.jobTemplate.spec) ? spec.jobTemplate.spec : undefined;
        return ["/spec/jobTemplate/metadata", ...(jobSpec && isRecord(jobSpec.template) ? ["/spec/jobTemplate/spec/template/metadata"] : [])];
    }
    return POD_TEMPLATE_KINDS.has(kind) && isRecord(spec.template) ? ["/spec/template/metadata"] : [];
}

/**
 * What the API server would refuse in an object's names, namespace, labels and annotations (and
 * those of its pod or Job templates). `hidden(path)` says whether a value is a placeholder (unknown
 * until deployment, a secret): those are not judged. `requireName: false` (custom resources,
 * which may be tool configuration) doesn't ask for a name. Values of the wrong type are the schema's.
 */
export function metadataIssues(
    apiVersion: string, kind: string, object: Record<string, unknown>,
    opts: { hidden?: (path: string) => boolean; requireName?: boolean } = {},
): MetaIssue[] {
    const hidden = opts.hidden ?? (() => false);
    const requireName = opts.requireName ?? true;
    if (hidden("/metadata")) {
        return [];
    }
    if (!isRecord(object.metadata)) {
        // Mistyped: the schema's to report. Missing: a built-in kind has no name then; a file
        // that only looks like an object (a kustomization.yaml) is left alone.
        return object.metadata === undefined && requireName
            ? [{ path: "/metadata/name", message: `/metadata/name: a ${kind} needs a name (the API server refuses an object without metadata.name or generateName)` }]
            : [];
    }
    const metadata = object.metadata;
    const group = apiGroupOf(apiVersion);
    const issues: MetaIssue[] = [];
    const rule = nameRule(group, kind);
    const { name, generateName, namespace } = metadata;
    if (typeof name === "string" && name !== "") {
        if (!hidden("/metadata/name") && !rule.test(name, false)) {
            issues.push({ path: "/metadata/name", message: `/metadata/name: "${name}" is not a valid ${kind} name: it must be ${rule.what}${placeholderHint(name)}` });
        }
        if (group === "apiextensions.k8s.io" && kind === "CustomResourceDefinition" && !hidden("/spec")) {
            const spec = isRecord(object.spec) ? object.spec : {};
            const plural = isRecord(spec.names) ? spec.names.plural : undefined;
            if (typeof plural === "string" && typeof spec.group === "string" && name !== `${plural}.${spec.group}`) {
                issues.push({ path: "/metadata/name", message: `/metadata/name: "${name}" must be spec.names.plural and spec.group joined by a '.': "${plural}.${spec.group}"` });
            }
        }
    } else if (typeof generateName === "string" && generateName !== "") {
        if (!hidden("/metadata/generateName") && !rule.test(generateName, true)) {
            issues.push({ path: "/metadata/generateName", message: `/metadata/generateName: "${generateName}" is not a valid ${kind} name prefix: with the API server's suffix it must be ${rule.what}` });
        }
    } else if (requireName && (name === undefined || name === null || name === "") && !hidden("/metadata/name")) {
        issues.push({ path: "/metadata/name", message: `/metadata/name: a ${kind} needs a name (the API server refuses an object without metadata.name or generateName)` });
    }
    if (typeof namespace === "string" && namespace !== "" && !hidden("/metadata/namespace") && !LABEL.test(namespace, false)) {
        issues.push({ path: "/metadata/namespace", message: `/metadata/namespace: "${namespace}" is not a valid namespace name: it must be ${LABEL.what}${placeholderHint(namespace)}` });
    }
    issues.push(...labelsAndAnnotations(metadata, "/metadata", hidden));
    for (const pointer of templateMetadataPaths(group, kind, object)) {
        const m = valueAt(object, pointer);
        if (isRecord(m) && !hidden(pointer)) {
            issues.push(...labelsAndAnnotations(m, pointer, hidden));
        }
    }
    return issues;
}
