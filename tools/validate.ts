/**
 * Validates Kubernetes objects the way the API server would take them with
 * `kubectl apply --validate=strict`, for both `npm run plan` (rendered objects) and
 * `npm run check` (plain YAML):
 *
 * - an apiVersion Kubernetes has removed (`extensions/v1beta1` Deployment, `policy/v1beta1`
 *   PodDisruptionBudget, …) is an error naming the release that removed it and the replacement;
 * - the object must pass the Kubernetes OpenAPI schema, through `kubernetes-models` (ESM-only,
 *   loaded with a dynamic import): types, required fields, formats such as quantities;
 * - no unknown fields: `kubernetes-models`' validators ignore fields the schema does not declare,
 *   so each object is validated through a proxy that records which fields the validator looks
 *   up. A field of an object the validator inspected but never looked up is unknown (a typo'd
 *   `spec.replicass`, `spec.metrics` in an `autoscaling/v1` autoscaler). Free-form maps (labels,
 *   annotations, ConfigMap data: the validator enumerates their keys) and free-form objects
 *   (`x-kubernetes-preserve-unknown-fields`, raw extensions: the validator looks up no field of
 *   them at all) accept any field, as the API server does;
 * - a workload's selector must match its own pod template's labels (the API server rejects a
 *   Deployment, StatefulSet, ReplicaSet, DaemonSet, ReplicationController or a Job with
 *   `manualSelector` whose selector does not);
 * - names, namespaces, label and annotation keys and label values must have the forms the API
 *   server accepts (object-meta.ts), custom resources' too.
 *
 * Values unknown until deployment are placeholders in a rendered object; problems at their paths
 * are not failures of the program.
 */
import { removedApi } from "../policy/hygiene";
import { apiGroupOf } from "../policy/lib/k8s";
import { LabelSelector, labelSelectorSelects, plainLabels, serviceSelectorSelects } from "../policy/lib/selectors";
import { escapePointer, isRecord, pointerKeys, valueAt } from "./json-pointer";
import { bundledModel } from "./model-bundle";
import { metadataIssues } from "./object-meta";
import type { RenderedObject } from "./render";

type Removal = NonNullable<ReturnType<typeof removedApi>>;

export interface SchemaFailure {
    /** `Deployment smilr/data-api` */
    object: string;
    urn?: string;
    /** What is wrong, with JSON paths. */
    errors: string[];
}

/** What kind of problem a validation issue is. */
export type IssueCode =
    /** No schema for this apiVersion/kind (a custom resource, or a typo). */
    | "unknown-kind"
    /** An apiVersion Kubernetes no longer serves. */
    | "removed-api"
    /** The object breaks the schema (type, required field, format). */
    | "schema"
    /** A field the schema does not have. */
    | "unknown-field"
    /** A workload's selector does not select its own pods. */
    | "selector"
    /** A name, namespace, label or annotation the API server refuses (object-meta.ts). */
    | "metadata";

export interface ValidationIssue {
    code: IssueCode;
    /** JSON pointer of the offending value (`/spec/replicass`), when there is one. */
    path?: string;
    /** One line: what is wrong (starting with the path when there is one). */
    message: string;
}

/** The part of a rendered object validation reads. */
export type ValidatedObject = Pick<RenderedObject, "apiVersion" | "kind" | "object" | "unknownPaths" | "secretPaths">;

interface AjvError { instancePath?: string; message?: string; keyword?: string; params?: Record<string, unknown> }
interface ModelClass { prototype: { validate(this: unknown): void } }

// --- API versions Kubernetes has removed ---------------------------------------------------------

/**
 * The removal of `kind` in `apiVersion`, if Kubernetes has removed it: the policy pack's own
 * table (policy `no-removed-apis`, which reports the same under `pulumi preview`), so that the
 * plan, check and the pack agree.
 */
export { removedApi };

function removedMessage(apiVersion: string, kind: string, r: Removal): string {
    const use = /^[a-z0-9.]+\/v[0-9a-z]+$/.test(r.replacement) ? `use apiVersion ${r.replacement}` : `use ${r.replacement}`;
    return `${kind} in apiVersion ${apiVersion} was removed in Kubernetes ${r.removedIn}: ${use}`;
}

// --- Schemas --------------------------------------------------------------------------------------

const KIND = /^[A-Z][A-Za-z0-9]*$/;
const API_VERSION = /^[a-z0-9.]+\/[a-z0-9]+$|^v[0-9a-z]+$/;

/** Loaded model classes by `apiVersion/kind` (undefined: none). Loaded once per kind and reused. */
const models = new Map<string, Promise<ModelClass | undefined>>();

// `import()` kept as written: TypeScript's CommonJS output would turn it into `require`, which can't load ESM.
const dynamicImport = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<Record<string, unknown>>;

function modelFor(apiVersion: string, kind: string): Promise<ModelClass | undefined> | undefined {
    if (!API_VERSION.test(apiVersion) || !KIND.test(kind)) {
        return undefined;
    }
    // One module per kind: loading a whole API group's validators costs three times as long.
    const specifier = `kubernetes-models/${apiVersion}/${kind}`;
    let loading = models.get(specifier);
    if (!loading) {
        // The common kinds come from one bundled file (model-bundle.ts), the rest from their own modules.
        const bundled = bundledModel(`${apiVersion}/${kind}`);
        loading = (bundled ? bundled() : dynamicImport(specifier)).then(mod => {
            const model: unknown = mod[kind];
            return typeof model === "function" && typeof (model as Partial<ModelClass>).prototype?.validate === "function" ? model as ModelClass : undefined;
        }, () => undefined);
        models.set(specifier, loading);
    }
    return loading;
}

/** Which fields of an object the schema validator looked up, and whether it enumerated its keys (a map). */
interface Access {
    read: Set<string>;
    enumerated: boolean;
}

/**
 * `value` behind proxies that record, per plain object, the fields read and whether its keys
 * were enumerated. Proxies are made lazily, as the validator walks down.
 */
function recording(value: unknown, accesses: Map<object, Access>, proxies: Map<object, object>): unknown {
    if (typeof value !== "object" || value === null) {
        return value;
    }
    const existing = proxies.get(value);
    if (existing) {
        return existing;
    }
    let access = accesses.get(value);
    if (!access) {
        access = { read: new Set(), enumerated: false };
        accesses.set(value, access);
    }
    const a = access;
    const p = new Proxy(value, {
        get(target, key, receiver) {
            if (typeof key === "string") {
                a.read.add(key);
            }
            return recording(Reflect.get(target, key, receiver), accesses, proxies);
        },
        ownKeys(target) {
            a.enumerated = true;
            return Reflect.ownKeys(target);
        },
    });
    proxies.set(value, p);
    return p;
}

/** `/spec/containers/0/env` → `spec.containers[0].env` (how kubectl names a field). */
function dotted(pointer: string): string {
    return pointerKeys(pointer)
        .reduce((out, s) => (/^\d+$/.test(s) ? `${out}[${s}]` : out ? `${out}.${s}` : s), "");
}

/** Edit distance, for "did you mean" (small strings only). */
function distance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}

/** The unknown fields under `value`, given what the validator looked up. */
function unknownFields(value: unknown, at: string, accesses: Map<object, Access>, found: { path: string; known: string[] }[]): void {
    if (typeof value !== "object" || value === null) {
        return;
    }
    if (Array.isArray(value)) {
        value.forEach((item, i) => unknownFields(item, `${at}/${i}`, accesses, found));
        return;
    }
    const access = accesses.get(value);
    // Not reached by the validator (under a wrongly typed value), or free-form: any field goes.
    if (!access || (!access.enumerated && access.read.size === 0)) {
        return;
    }
    for (const [key, child] of Object.entries(value)) {
        const path = `${at}/${escapePointer(key)}`;
        if (access.enumerated || access.read.has(key) || strippedField(key, access.read)) {
            unknownFields(child, path, accesses, found);
        } else {
            found.push({ path, known: [...access.read] });
        }
    }
}

/**
 * Fields the schemas declare but kubernetes-models' compiled validators never look up (its
 * generator drops properties named `description` and `x-kubernetes-*`): known when the object is
 * of a type that declares them, recognised by fields the validator did look up.
 */
function strippedField(key: string, read: Set<string>): boolean {
    if (key.startsWith("x-kubernetes-")) {
        return read.has("$schema"); // JSONSchemaProps (a CRD's schema)
    }
    // JSONSchemaProps, CustomResourceColumnDefinition, PriorityClass, ExternalDocumentation, ValidationRule, Validation
    return key === "description" && ["$schema", "jsonPath", "globalDefault", "url", "rule", "expression"].some(k => read.has(k));
}

function unknownFieldMessage(path: string, known: string[]): string {
    const field = path.slice(path.lastIndexOf("/") + 1);
    const near = known.filter(k => /^[A-Za-z$][\w$-]*$/.test(k) && k !== field)
        .map(k => ({ k, d: distance(field, k) }))
        .filter(x => x.d <= (field.length >= 5 ? 2 : 1))
        .sort((x, y) => x.d - y.d)[0];
    return `${path}: unknown field "${dotted(path)}"${near ? ` (did you mean "${near.k}"?)` : ""}: kubectl --validate=strict rejects it`;
}

/**
 * Enumerated fields the API server fills in when they are empty strings, as when they are absent
 * (their defaulting functions test `== ""`, not a nil pointer): `podManagementPolicy: ""` becomes
 * OrderedReady, as Bitnami charts render it. Paths are JSON pointers; other enums keep their check
 * (an empty pathType, volumeMode or NetworkPolicy protocol is refused).
 */
const DEFAULTED_WHEN_EMPTY: RegExp[] = [
    /^\/spec\/podManagementPolicy$/,
    /^\/spec\/(strategy|updateStrategy)\/type$/,
    /\/(containers|initContainers|ephemeralContainers)\/\d+\/(imagePullPolicy|terminationMessagePolicy)$/,
    /\/(containers|initContainers|ephemeralContainers)\/\d+\/ports\/\d+\/protocol$/,
    /(^|\/template)\/spec\/(restartPolicy|dnsPolicy)$/,
    /^\/spec\/concurrencyPolicy$/,
    /^\/spec\/persistentVolumeReclaimPolicy$/,
    // Validation itself takes these empty: a toleration's effect "" matches every effect, operator "" means Equal.
    /\/tolerations\/\d+\/(effect|operator)$/,
    /\/httpGet\/scheme$/,
    /^\/subsets\/\d+\/ports\/\d+\/protocol$/,
];

/** Service fields defaulted the same way (spec.type, spec.sessionAffinity, each port's protocol). */
const SERVICE_DEFAULTED_WHEN_EMPTY = /^\/spec\/(type|sessionAffinity|ports\/\d+\/protocol)$/;

/** Whether an enum error is about an empty string the API server would default. */
function defaultedWhenEmpty(e: AjvError, o: ValidatedObject): boolean {
    const path = e.instancePath ?? "";
    if (e.keyword !== "enum" || valueAt(o.object, path) !== "") {
        return false;
    }
    return DEFAULTED_WHEN_EMPTY.some(re => re.test(path)) || (o.kind === "Service" && SERVICE_DEFAULTED_WHEN_EMPTY.test(path));
}

function schemaMessage(e: AjvError): string {
    const extra = e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : "";
    return `${e.instancePath || "/"} ${e.message ?? "is invalid"}${extra}`;
}

/**
 * The object as the API server decodes it: a field set to null (`key:` with nothing after it in
 * YAML) is left unset, as Go's JSON decoding leaves a null, so the schema judges it as absent (a
 * required one is missing) rather than of the wrong type. Values in lists are left as they are.
 * Returns the object itself when it has no null field.
 */
export function withoutNullFields<T>(value: T): T {
    if (Array.isArray(value)) {
        let changed = false;
        const items = value.map(v => {
            const d = withoutNullFields(v);
            changed ||= d !== v;
            return d;
        });
        return (changed ? items : value) as T;
    }
    if (typeof value !== "object" || value === null) {
        return value;
    }
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
        if (v === null) {
            changed = true;
            continue;
        }
        const d = withoutNullFields(v);
        changed ||= d !== v;
        out[k] = d;
    }
    return (changed ? out : value) as T;
}

// --- Selectors ------------------------------------------------------------------------------------

/** The API group of an apiVersion (the policy pack's own definition, so the two can't differ). */
export { apiGroupOf };

/** `{"app":"web"}` as `{app: web}`, for messages. */
function shown(v: unknown): string {
    return JSON.stringify(v).replace(/"([^"\\]*)"/g, "$1").replace(/([:,])/g, "$1 ");
}

const WORKLOADS = new Set(["Deployment", "StatefulSet", "ReplicaSet", "DaemonSet"]);

/** A workload whose selector would not select its own pods (the API server rejects it). */
function selectorIssues(o: ValidatedObject): ValidationIssue[] {
    const spec = isRecord(o.object.spec) ? o.object.spec : undefined;
    if (!spec) {
        return [];
    }
    const group = apiGroupOf(o.apiVersion);
    const applies = (WORKLOADS.has(o.kind) && (group === "apps" || group === "extensions"))
        || (o.kind === "ReplicationController" && group === "")
        || (o.kind === "Job" && group === "batch" && spec.manualSelector === true);
    if (!applies || spec.selector === undefined || spec.selector === null) {
        return []; // a missing selector is the schema's to report (or defaulted, where the API defaults it)
    }
    const template = isRecord(spec.template) ? spec.template : {};
    const metadata = isRecord(template.metadata) ? template.metadata : {};
    const labels = (isRecord(metadata.labels) ? metadata.labels : {}) as Record<string, string>;
    if ([...o.unknownPaths, ...(o.secretPaths ?? [])].some(p => p === "" || p === "/spec" || p.startsWith("/spec/selector") || p === "/spec/template" || p === "/spec/template/metadata" || p.startsWith("/spec/template/metadata/labels"))) {
        return []; // not known until deployment
    }
    if (!isRecord(spec.selector)) {
        return []; // the schema check reports its type
    }
    const pods = plainLabels(labels);
    if (o.kind === "ReplicationController") {
        // A plain map of labels; an empty one defaults to the template's labels.
        const selector = spec.selector as Record<string, string>;
        return !Object.keys(selector).length || serviceSelectorSelects(selector, pods) ? [] : [{
            code: "selector", path: "/spec/selector",
            message: `/spec/selector: selector does not match template labels: ${shown(selector)} does not select the pod template's labels ${shown(labels)}, so the API server rejects this ${o.kind}`,
        }];
    }
    const { matchLabels, matchExpressions } = spec.selector;
    if ((matchLabels !== undefined && !isRecord(matchLabels)) || (matchExpressions !== undefined && !(Array.isArray(matchExpressions) && matchExpressions.every(isRecord)))) {
        return []; // malformed: the schema check reports it
    }
    const selector = spec.selector as LabelSelector;
    if (!labelSelectorSelects(selector, pods, "nothing")) {
        const empty = !Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length;
        return [{
            code: "selector", path: "/spec/selector",
            message: empty
                ? `/spec/selector: selector is empty, which would select every pod in the namespace: the API server rejects it for a ${o.kind}; set matchLabels to (a subset of) the pod template's labels ${shown(labels)}`
                : `/spec/selector: selector does not match template labels: ${shown(selector)} does not select the pod template's labels ${shown(labels)}, so the API server rejects this ${o.kind}`,
        }];
    }
    return [];
}

// --- The checks together --------------------------------------------------------------------------

/** Every issue of one object, [] when the API server would accept it. */
export async function validationIssues(o: ValidatedObject): Promise<ValidationIssue[]> {
    const removal = removedApi(o.apiVersion, o.kind);
    if (removal) {
        return [{ code: "removed-api", path: "/apiVersion", message: removedMessage(o.apiVersion, o.kind, removal) }];
    }
    // Unknown until deployed, or a secret rendered as placeholders: not the values the schema expects.
    const hidden = [...o.unknownPaths, ...(o.secretPaths ?? [])];
    const isUnknown = (p?: string) => p !== undefined && hidden.some(u => p === u || u === "" || p.startsWith(`${u}/`));
    const Model = await modelFor(o.apiVersion, o.kind);
    if (!Model) {
        return [
            { code: "unknown-kind", message: `unknown kind ${o.kind} in apiVersion ${o.apiVersion} (not in the Kubernetes API this project validates against)` },
            ...metadataIssues(o.apiVersion, o.kind, o.object, { hidden: isUnknown, requireName: false }).map(i => ({ code: "metadata" as const, ...i })),
        ];
    }
    const issues: ValidationIssue[] = [];
    const accesses = new Map<object, Access>();
    const decoded = withoutNullFields(o.object);
    try {
        // The model's validate() with the object (behind recording proxies) as `this`: it runs the
        // kind's compiled schema validator and throws with ajv's errors. Calling it this way skips
        // the model's constructor, which deep-copies the object.
        Model.prototype.validate.call(recording(decoded, accesses, new Map()));
    } catch (err) {
        const errors: AjvError[] = (err as { errors?: AjvError[] }).errors ?? [{ message: (err as Error).message }];
        const seen = new Set<string>();
        for (const e of errors) {
            const message = schemaMessage(e);
            if (!isUnknown(e.instancePath) && !seen.has(message) && !defaultedWhenEmpty(e, o)) {
                seen.add(message);
                issues.push({ code: "schema", path: e.instancePath || "/", message });
            }
        }
    }
    const found: { path: string; known: string[] }[] = [];
    unknownFields(decoded, "", accesses, found);
    for (const f of found) {
        if (!isUnknown(f.path)) {
            issues.push({ code: "unknown-field", path: f.path, message: unknownFieldMessage(f.path, f.known) });
        }
    }
    issues.push(...selectorIssues(o));
    issues.push(...metadataIssues(o.apiVersion, o.kind, o.object, { hidden: isUnknown }).map(i => ({ code: "metadata" as const, ...i })));
    return issues;
}

/** The errors of one object ([] when valid); an unknown or removed apiVersion/kind is an error too. */
export async function validateObject(o: ValidatedObject): Promise<string[]> {
    return (await validationIssues(o)).map(i => i.message);
}

/** Every object's failures; objects that pass are left out. */
export async function validateObjects(objects: RenderedObject[]): Promise<SchemaFailure[]> {
    // Every kind's validator module at once: loading them one after the other waits on each
    // module graph's file reads in turn (an eks plan's 14 kinds: ~190 ms, against ~8 ms validating).
    await Promise.all(objects.map(o => modelFor(o.apiVersion, o.kind)));
    const failures: SchemaFailure[] = [];
    for (const o of objects) {
        const errors = await validateObject(o);
        if (errors.length) {
            failures.push({ object: `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`, urn: o.urn, errors: [...new Set(errors)] });
        }
    }
    return failures;
}
