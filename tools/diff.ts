/**
 * What `pulumi up` would do to a stack planned before (a previous plan's report) to get to the
 * stack planned now, as `pulumi preview --diff` shows it: per resource create, update (with the
 * changed fields), replace (with the fields forcing it), delete or same.
 *
 * Kubernetes objects follow pulumi-kubernetes' own rules (replacement-rules.ts); resource options
 * (`ignoreChanges`, `replaceOnChanges`, `deleteBeforeReplace`) apply as the engine applies them;
 * other resources are compared input by input (`@pulumi/random` replaces on any change).
 *
 * A change that loses data (a claim or volume deleted or replaced, a StatefulSet replaced with its
 * pods deleted, claims deleted with their StatefulSet) is a risk: it names the resource and the
 * field that caused it, and makes the diff's exit code 1.
 */
import { compareQuantities } from "../policy/lib/quantity";
import {
    CLUSTER_SCOPED_KINDS, DELETION_PROPAGATION_ANNOTATION, PROVIDER_CLUSTER_KEYS, PROVIDER_REPLACING_KEYS, PathSegment,
    ProviderFlags, deletionPropagation, forceNewPaths, randomReplacesOnAnyChange, reaches,
} from "./replacement-rules";
import { Json, JsonObject, PlanReport, ReportObject, ReportResource, UNKNOWN_MARKER, markerOf } from "./report";

export type Operation = "create" | "update" | "replace" | "delete" | "same";

export interface FieldChange {
    /** As Pulumi prints property paths: `spec.template.spec.containers[0].image`, `metadata.labels["app.kubernetes.io/name"]`. */
    path: string;
    kind: "add" | "update" | "delete";
    /** Previous and new values (secrets are markers in reports; absent when added or deleted). */
    old?: Json;
    new?: Json;
    /** What makes this change replace the resource, if it does: the provider's rule or an option. */
    replacesBecause?: string;
}

export interface ResourceDiff {
    urn: string;
    type: string;
    /** The Pulumi resource name. */
    name: string;
    op: Operation;
    /** For Kubernetes objects: `StatefulSet smilr/mongodb`. */
    object?: string;
    /** Changed inputs (update and replace). */
    changes: FieldChange[];
    /** The paths forcing a replacement (replace only). */
    replaceFields: string[];
    /** Replace: the old object is deleted before the new one is created. */
    deleteBeforeReplace?: boolean;
    /** Further facts the reader needs (new auto-name, provider replaced, protected…). */
    notes: string[];
}

export interface DiffRisk {
    urn: string;
    /** `StatefulSet smilr/mongodb` or the resource name. */
    resource: string;
    op: Operation;
    /** The field that caused it, or why the resource goes. */
    field: string;
    /** What is lost or at risk, precisely. */
    message: string;
}

export interface PlanDiff {
    previous: { stack: string; project: string; preview: boolean };
    current: { stack: string; project: string; preview: boolean };
    /** Every resource of either plan: the current plan's order, then the deleted ones. */
    resources: ResourceDiff[];
    counts: Record<Operation, number>;
    /** Stack outputs that changed, with their new values (secrets as markers). */
    outputChanges: FieldChange[];
    risks: DiffRisk[];
    /** About the comparison itself (different stacks, values that can't be compared offline). */
    warnings: string[];
}

// ---------------------------------------------------------------------------------------------
// Structural comparison

interface RawChange {
    path: PathSegment[];
    kind: FieldChange["kind"];
    old?: Json;
    new?: Json;
}

function isPlainObject(v: Json | undefined): v is JsonObject {
    return v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v) && markerOf(v) === undefined;
}

function equal(a: Json | undefined, b: Json | undefined): boolean {
    if (a === b) {
        return true;
    }
    if (a === null || b === null || a === undefined || b === undefined || typeof a !== "object" || typeof b !== "object") {
        return false;
    }
    if (Array.isArray(a) || Array.isArray(b)) {
        return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => equal(v, b[i]));
    }
    const ka = Object.keys(a).filter(k => a[k] !== null);
    const kb = Object.keys(b).filter(k => b[k] !== null);
    return ka.length === kb.length && ka.every(k => equal(a[k], b[k]));
}

/** The changes from `old` to `neu`, down to the values that differ; nulls count as unset (the engine skips them). */
function compare(old: Json | undefined, neu: Json | undefined, path: PathSegment[], out: RawChange[]): void {
    const o = old === null ? undefined : old;
    const n = neu === null ? undefined : neu;
    if (equal(o, n)) {
        return;
    }
    if (o === undefined) {
        out.push({ path, kind: "add", new: n });
    } else if (n === undefined) {
        out.push({ path, kind: "delete", old: o });
    } else if (isPlainObject(o) && isPlainObject(n)) {
        for (const key of new Set([...Object.keys(o), ...Object.keys(n)])) {
            compare(o[key], n[key], [...path, key], out);
        }
    } else if (Array.isArray(o) && Array.isArray(n)) {
        for (let i = 0; i < Math.max(o.length, n.length); i++) {
            compare(o[i], n[i], [...path, i], out);
        }
    } else {
        out.push({ path, kind: "update", old: o, new: n });
    }
}

/** Pulumi's property path syntax. */
export function formatPath(path: readonly PathSegment[]): string {
    let s = "";
    for (const p of path) {
        if (typeof p === "number") {
            s += `[${p}]`;
        } else if (/[.\[\]"]/.test(p) || p === "") {
            s += `[${JSON.stringify(p)}]`;
        } else {
            s += s ? `.${p}` : p;
        }
    }
    return s;
}

/** Parses `a.b[0]["c.d"][*]` into segments ("*" for a wildcard), as `resource.ParsePropertyPath` does. */
export function parsePath(text: string): (PathSegment | "*")[] {
    const segs: (PathSegment | "*")[] = [];
    const re = /\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\[\*\]|\.?([^.[\]]+)/gy;
    let m: RegExpExecArray | null;
    while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
        if (m[1] !== undefined) {
            segs.push(Number(m[1]));
        } else if (m[2] !== undefined) {
            segs.push(JSON.parse(`"${m[2]}"`) as string);
        } else if (m[0] === "[*]") {
            segs.push("*");
        } else {
            segs.push(m[3] === "*" ? "*" : m[3]);
        }
    }
    if (re.lastIndex !== text.length && text.length > 0) {
        throw new Error(`cannot parse property path ${JSON.stringify(text)}`);
    }
    return segs;
}

/** `PropertyPath.Contains`: `outer` is a prefix of `inner`, "*" matching any key or index. */
function contains(outer: readonly (PathSegment | "*")[], inner: readonly PathSegment[]): boolean {
    return outer.length <= inner.length && outer.every((s, i) => s === "*" || s === inner[i]);
}

function safeParse(paths: string[], what: string, r: ReportResource, warnings: string[]): (PathSegment | "*")[][] {
    const out: (PathSegment | "*")[][] = [];
    for (const p of paths) {
        try {
            out.push(parsePath(p));
        } catch {
            warnings.push(`${r.name}: ${what} path ${JSON.stringify(p)} cannot be parsed; ignored`);
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes objects

interface K8sIdentity { apiVersion: string; kind: string }

/** A Kubernetes object type: `kubernetes:apps/v1:StatefulSet`; not Helm releases, YAML or Chart components. */
function k8sIdentity(r: ReportResource): K8sIdentity | undefined {
    const m = /^kubernetes:([^:]+):([A-Za-z0-9]+)$/.exec(r.type);
    if (!r.custom || !m || m[1] === "helm.sh/v3" || m[1] === "helm.sh/v4") {
        return undefined;
    }
    return { apiVersion: m[1].startsWith("core/") ? m[1].slice(5) : m[1], kind: m[2] };
}

function objAt(o: Json | undefined, ...keys: string[]): Json | undefined {
    let v = o;
    for (const k of keys) {
        if (!isPlainObject(v)) {
            return undefined;
        }
        v = v[k];
    }
    return v;
}

function str(v: Json | undefined): string | undefined {
    return typeof v === "string" ? v : undefined;
}

function truthy(v: Json | undefined): boolean {
    return v === true || v === "true";
}

/** Where the provider puts an object without a namespace: its `namespace` setting, else `default`. */
function defaultNamespaceOf(providers: Map<string, ReportResource>, r: ReportResource): string {
    const p = r.provider ? providers.get(r.provider) : undefined;
    return str(p?.inputs.namespace) || "default";
}

function providerFlags(providers: Map<string, ReportResource>, r: ReportResource): ProviderFlags {
    const p = r.provider ? providers.get(r.provider) : undefined;
    return {
        enableSecretMutable: truthy(p?.inputs.enableSecretMutable),
        enableConfigMapMutable: truthy(p?.inputs.enableConfigMapMutable),
    };
}

/** Inputs as the provider compares them: the namespace canonical, an auto-name adopted when the new inputs name the object. */
function canonical(inputs: JsonObject, kind: string, defaultNamespace: string, liveName?: string, adoptName = false): JsonObject {
    const metadata: JsonObject = isPlainObject(inputs.metadata) ? { ...inputs.metadata } : {};
    if (CLUSTER_SCOPED_KINDS.has(kind)) {
        delete metadata.namespace;
    } else if (metadata.namespace === undefined || metadata.namespace === null || metadata.namespace === "") {
        metadata.namespace = defaultNamespace;
    }
    if (adoptName && metadata.name === undefined && liveName !== undefined) {
        metadata.name = liveName;
    }
    return { ...inputs, metadata };
}

function describeObject(id: K8sIdentity, obj: ReportObject | undefined, inputs: JsonObject): string {
    const ns = obj?.namespace ?? str(objAt(inputs, "metadata", "namespace"));
    const name = obj?.name ?? str(objAt(inputs, "metadata", "name")) ?? "(auto-named)";
    return `${id.kind} ${ns ? `${ns}/` : ""}${name}`;
}

// ---------------------------------------------------------------------------------------------
// The diff

/** The part of a URN after stack and project: matches resources across two plans of differently named stacks. */
function urnKey(urn: string): string {
    const parts = urn.split("::");
    return parts.length >= 4 ? parts.slice(2).join("::") : urn;
}

function emptyDiff(r: ReportResource, op: Operation): ResourceDiff {
    return { urn: r.urn, type: r.type, name: r.name, op, changes: [], replaceFields: [], notes: [] };
}

export function diffReports(previous: PlanReport, current: PlanReport): PlanDiff {
    const warnings: string[] = [];
    if (previous.stack !== current.stack || previous.project !== current.project) {
        warnings.push(`comparing stack ${current.project}/${current.stack} with a plan of ${previous.project}/${previous.stack}: resources are matched by type and name`);
    }
    const oldByKey = new Map(previous.resources.map(r => [urnKey(r.urn), r]));
    const newKeys = new Set(current.resources.map(r => urnKey(r.urn)));
    const oldObjects = new Map(previous.objects.map(o => [urnKey(o.urn), o]));
    const newObjects = new Map(current.objects.map(o => [urnKey(o.urn), o]));
    const oldProviders = new Map(previous.resources.filter(r => r.type.startsWith("pulumi:providers:")).map(r => [r.urn, r]));
    const newProviders = new Map(current.resources.filter(r => r.type.startsWith("pulumi:providers:")).map(r => [r.urn, r]));

    // A resource whose `aliases` name a previous URN is the same resource under a new URN.
    for (const r of current.resources) {
        const key = urnKey(r.urn);
        const alias = oldByKey.has(key) ? undefined : (r.aliases ?? []).map(urnKey).find(a => oldByKey.has(a) && !newKeys.has(a));
        if (alias) {
            oldByKey.set(key, oldByKey.get(alias)!);
            oldByKey.delete(alias);
            newKeys.add(alias);
            const obj = oldObjects.get(alias);
            if (obj) {
                oldObjects.set(key, obj);
            }
        }
    }
    const diffs: ResourceDiff[] = [];
    const byKey = new Map<string, ResourceDiff>();
    for (const r of current.resources) {
        const key = urnKey(r.urn);
        const old = oldByKey.get(key);
        const d = old ? diffResource(old, r, { oldObjects, newObjects, oldProviders, newProviders, warnings }) : emptyDiff(r, "create");
        if (!old) {
            const id = k8sIdentity(r);
            if (id) {
                d.object = describeObject(id, newObjects.get(key), r.inputs);
            }
        }
        diffs.push(d);
        byKey.set(key, d);
    }
    for (const r of previous.resources) {
        const key = urnKey(r.urn);
        if (!newKeys.has(key)) {
            const d = emptyDiff(r, "delete");
            const id = k8sIdentity(r);
            if (id) {
                d.object = describeObject(id, oldObjects.get(key), r.inputs);
            }
            if (r.protect) {
                d.notes.push("protected: `pulumi up` will refuse to delete it until `protect` is removed");
            }
            if (r.retainOnDelete) {
                d.notes.push("retainOnDelete: Pulumi forgets it but leaves it in the cluster");
            }
            diffs.push(d);
            byKey.set(key, d);
        }
    }

    // A replaced provider replaces everything it manages (again after the dependents are re-diffed below).
    cascadeProviders(diffs, current, oldByKey, byKey);

    // A replaced resource gets new outputs, which its dependents' inputs carry: an auto-named
    // object's new name, a random value's new result. Those inputs change (to values known only at
    // deployment, as a preview shows them) and the rules apply to them again.
    const ctx: Context = { oldObjects, newObjects, oldProviders, newProviders, warnings };
    const propagated = new Set<string>();
    const effective = new Map(current.resources.map(r => [urnKey(r.urn), r]));
    for (let round = 0; round < 10; round++) {
        const replaced = diffs.filter(d => d.op === "replace" && !propagated.has(urnKey(d.urn)));
        if (!replaced.length) {
            break;
        }
        for (const d of replaced) {
            propagated.add(urnKey(d.urn));
            const old = oldByKey.get(urnKey(d.urn));
            const carrier = old ? carrierOf(old, oldObjects.get(urnKey(d.urn))) : undefined;
            if (!carrier) {
                continue;
            }
            for (const r of effective.values()) {
                const key = urnKey(r.urn);
                const prev = oldByKey.get(key);
                if (!prev || !r.dependencies.some(u => urnKey(u) === urnKey(d.urn))) {
                    continue;
                }
                const inputs = substitute(r.inputs, carrier) as JsonObject;
                if (equal(inputs, r.inputs)) {
                    continue;
                }
                const next = { ...r, inputs };
                effective.set(key, next);
                const redone = diffResource(prev, next, ctx);
                redone.notes.unshift(`${d.object ?? d.name} is replaced: ${carrier.what} changes`);
                const i = diffs.indexOf(byKey.get(key)!);
                diffs[i] = redone;
                byKey.set(key, redone);
            }
        }
    }

    cascadeProviders(diffs, current, oldByKey, byKey);

    const risks = findRisks(diffs, previous, current, oldByKey, newProviders, byKey);
    const counts: Record<Operation, number> = { create: 0, update: 0, replace: 0, delete: 0, same: 0 };
    for (const d of diffs) {
        counts[d.op]++;
    }
    const raw: RawChange[] = [];
    compare(previous.outputs, current.outputs, [], raw);
    const outputChanges = raw.map(c => fieldChange(c));
    return {
        previous: { stack: previous.stack, project: previous.project, preview: previous.preview },
        current: { stack: current.stack, project: current.project, preview: current.preview },
        resources: diffs, counts, outputChanges, risks, warnings,
    };
}

/** A replaced provider replaces every resource it manages. */
function cascadeProviders(diffs: ResourceDiff[], current: PlanReport, oldByKey: Map<string, ReportResource>, byKey: Map<string, ResourceDiff>): void {
    for (const d of diffs) {
        if (d.op !== "replace" || !d.type.startsWith("pulumi:providers:")) {
            continue;
        }
        for (const r of current.resources) {
            const dependent = byKey.get(urnKey(r.urn));
            if (r.provider && urnKey(r.provider) === urnKey(d.urn) && dependent && (dependent.op === "same" || dependent.op === "update")) {
                dependent.op = "replace";
                dependent.replaceFields.push(`provider ${d.name}`);
                dependent.notes.push(`its provider ${d.name} is replaced (${d.replaceFields.join(", ")})`);
                const old = oldByKey.get(urnKey(r.urn));
                // The engine replaces it for its provider's sake: only the option makes it delete first.
                dependent.deleteBeforeReplace = old?.deleteBeforeReplace === true || r.deleteBeforeReplace === true;
            }
        }
    }
}

/** Which input values of a dependent carry a replaced resource's changing outputs. */
interface Carrier {
    what: string;
    /** Does this value come from the replaced resource's changing output? */
    carries(v: Json): boolean;
}

function carrierOf(old: ReportResource, oldObj: ReportObject | undefined): Carrier | undefined {
    const id = k8sIdentity(old);
    if (id && objAt(old.inputs, "metadata", "name") === undefined && oldObj) {
        const name = oldObj.name;
        return { what: `its auto-name ${name} becomes a new one`, carries: v => typeof v === "string" && v.includes(name) };
    }
    if (randomReplacesOnAnyChange(old.type)) {
        return { what: "its generated value is new", carries: v => markerOf(v) === "secret" || markerOf(v) === "unknown" };
    }
    return undefined;
}

/** `v` with every value a carrier carries replaced by the unknown marker. */
function substitute(v: Json, carrier: Carrier): Json {
    if (markerOf(v) !== "unknown" && carrier.carries(v)) {
        return { ...UNKNOWN_MARKER };
    }
    if (Array.isArray(v)) {
        return v.map(x => substitute(x, carrier));
    }
    if (isPlainObject(v)) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, carrier)]));
    }
    return v;
}

function fieldChange(c: RawChange, replacesBecause?: string): FieldChange {
    const f: FieldChange = { path: formatPath(c.path), kind: c.kind };
    if (c.old !== undefined) {
        f.old = c.old;
    }
    if (c.new !== undefined) {
        f.new = c.new;
    }
    if (replacesBecause) {
        f.replacesBecause = replacesBecause;
    }
    return f;
}

interface Context {
    oldObjects: Map<string, ReportObject>;
    newObjects: Map<string, ReportObject>;
    oldProviders: Map<string, ReportResource>;
    newProviders: Map<string, ReportResource>;
    warnings: string[];
}

function diffResource(old: ReportResource, r: ReportResource, ctx: Context): ResourceDiff {
    const d = emptyDiff(r, "same");
    const key = urnKey(r.urn);
    const id = k8sIdentity(r);
    const oldObj = ctx.oldObjects.get(key);
    const newObj = ctx.newObjects.get(key);

    // Compare the inputs (for Kubernetes objects, as the provider canonicalizes them).
    let oldInputs = old.inputs;
    let newInputs = r.inputs;
    if (id) {
        const named = objAt(r.inputs, "metadata", "name") !== undefined;
        oldInputs = canonical(old.inputs, id.kind, defaultNamespaceOf(ctx.oldProviders, old), oldObj?.name, named);
        newInputs = canonical(r.inputs, id.kind, defaultNamespaceOf(ctx.newProviders, r));
        d.object = describeObject(id, newObj, r.inputs);
    }
    let raw: RawChange[] = [];
    compare(oldInputs, newInputs, [], raw);

    // ignoreChanges (engine and provider): drop the paths it covers.
    const ignore = safeParse(r.ignoreChanges, "ignoreChanges", r, ctx.warnings);
    raw = raw.filter(c => !ignore.some(p => contains(p, c.path)));
    const movedProvider = (old.provider ? urnKey(old.provider) : undefined) !== (r.provider ? urnKey(r.provider) : undefined);
    if (movedProvider) {
        d.notes.push(`its provider changes from ${old.provider?.split("::").pop() ?? "(none)"} to ${r.provider?.split("::").pop() ?? "(none)"}: Pulumi diffs it with the new provider; if that one points at another cluster, the object is created there and deleted from the old one`);
    }
    if (raw.length === 0) {
        if (movedProvider) {
            d.op = "update";
        }
        return d;
    }

    // What replaces: the provider's rules, then the engine's replaceOnChanges.
    const because = new Map<RawChange, string>();
    let providerReplaces = false;
    if (id) {
        const immutable = r.inputs.immutable === true;
        const patterns = forceNewPaths(id.apiVersion, id.kind, providerFlags(ctx.newProviders, r), immutable);
        for (const c of raw) {
            const hit = patterns.find(p => reaches(p, c.path, c.new));
            if (hit) {
                because.set(c, `pulumi-kubernetes replaces a ${id.kind} when ${hit.slice(1)} changes`);
                providerReplaces = true;
            }
        }
    } else if (randomReplacesOnAnyChange(r.type)) {
        for (const c of raw) {
            because.set(c, "every input of a random resource forces a new value");
        }
    } else if (r.type === "pulumi:providers:kubernetes") {
        providerReplacement(old, r, raw, because, d);
    }
    const replaceOn = safeParse(r.replaceOnChanges, "replaceOnChanges", r, ctx.warnings);
    for (const c of raw) {
        const p = replaceOn.find(p => contains(p, c.path));
        if (p && !because.has(c)) {
            because.set(c, `replaceOnChanges: ${r.replaceOnChanges[replaceOn.indexOf(p)]}`);
        }
    }
    d.changes = raw.map(c => fieldChange(c, because.get(c)));
    d.replaceFields = raw.filter(c => because.has(c)).map(c => formatPath(c.path));
    if (id?.kind === "PersistentVolumeClaim") {
        const storage = raw.find(c => formatPath(c.path) === "spec.resources.requests.storage" && c.kind === "update");
        const order = storage ? compareQuantities(storage.new, storage.old) : undefined;
        if (order !== undefined && order < 0) {
            d.notes.push("the storage request shrinks: the API server rejects that, `pulumi up` will fail on this claim");
        } else if (order !== undefined && order > 0) {
            d.notes.push("the claim grows in place if its StorageClass allows volume expansion (allowVolumeExpansion: true); the API server rejects it otherwise");
        }
    }
    if (!d.replaceFields.length) {
        d.op = "update";
        return d;
    }
    d.op = "replace";

    // Delete before replace: the option, or (provider) an explicitly named object keeping its name and namespace.
    // The provider asks for it only when its own rules replace; a replacement from replaceOnChanges alone is created first.
    let dbr = r.deleteBeforeReplace === true;
    if (id) {
        const nameValue = objAt(newInputs, "metadata", "name");
        const newName = str(nameValue);
        const oldName = str(objAt(oldInputs, "metadata", "name")) ?? oldObj?.name;
        const sameIdentity = newName !== undefined && newName === oldName
            && objAt(newInputs, "metadata", "namespace") === objAt(oldInputs, "metadata", "namespace");
        if (sameIdentity && providerReplaces) {
            dbr = true;
            d.notes.push(`explicitly named ${newName}: the old object is deleted before the new one is created`);
        } else if (sameIdentity && !dbr) {
            d.notes.push(`explicitly named ${newName} and replaced only because of replaceOnChanges: Pulumi creates the new object first, while the old one still holds the name, then deletes the old one; set deleteBeforeReplace so that the name is free first`);
        } else if (nameValue !== undefined && newName === undefined) {
            d.notes.push("its new name is known only at deployment: the new object is created first, then the old one is deleted");
        } else if (newName === undefined) {
            d.notes.push(`auto-named: the replacement gets a new name (${r.name}-<random>), is created first, then the old ${oldObj?.name ?? "object"} is deleted; resources using its name are updated`);
        } else {
            d.notes.push(`new identity ${describeObject(id, newObj, r.inputs)}: created first, then the old ${oldObj ? `${oldObj.namespace ? `${oldObj.namespace}/` : ""}${oldObj.name}` : "object"} is deleted`);
        }
    }
    if (r.deleteBeforeReplace === true && !d.notes.some(n => n.includes("deleted before"))) {
        d.notes.push("deleteBeforeReplace: the old resource is deleted before the new one is created");
    }
    d.deleteBeforeReplace = dbr;
    if (id?.kind === "StatefulSet" && deletionPropagation(objAt(old.inputs, "metadata", "annotations")) === "orphan") {
        d.notes.push(`the deployed StatefulSet carries ${DELETION_PROPAGATION_ANNOTATION}: orphan, so its pods and claims stay through the delete and the new StatefulSet adopts them`);
    }
    if (old.protect) {
        d.notes.push("protected: `pulumi up` will refuse to replace it until `protect` is removed");
    }
    if (old.retainOnDelete) {
        d.notes.push("retainOnDelete: the old object is left in the cluster, not deleted");
    }
    return d;
}

/** The Kubernetes provider's `DiffConfig`, as far as it can be decided offline. */
function providerReplacement(old: ReportResource, r: ReportResource, raw: RawChange[], because: Map<RawChange, string>, d: ResourceDiff): void {
    const top = (c: RawChange) => String(c.path[0]);
    const identifier = raw.find(c => top(c) === "clusterIdentifier");
    for (const c of raw) {
        if (PROVIDER_REPLACING_KEYS.includes(top(c))) {
            because.set(c, `the Kubernetes provider is replaced when ${top(c)} changes`);
        }
        if (c === identifier && identifier.kind === "update") {
            because.set(c, "the Kubernetes provider is replaced when a set clusterIdentifier changes");
        }
    }
    const pinned = old.inputs.clusterIdentifier !== undefined && !identifier;
    const clusterKeys = raw.filter(c => PROVIDER_CLUSTER_KEYS.includes(top(c)));
    for (const c of clusterKeys) {
        if (markerOf(c.new) === "unknown" && !pinned) {
            because.set(c, `the Kubernetes provider is replaced when ${top(c)} is unknown until deployment`);
        }
    }
    if (clusterKeys.length && !pinned && !clusterKeys.some(c => because.has(c))) {
        d.notes.push(`${clusterKeys.map(top).join(", ")} changed: if that points the provider at another cluster, Pulumi replaces the provider and every object it manages (set clusterIdentifier to decide it explicitly)`);
    }
}

// ---------------------------------------------------------------------------------------------
// Risks

function findRisks(
    diffs: ResourceDiff[], previous: PlanReport, current: PlanReport, oldByKey: Map<string, ReportResource>,
    newProviders: Map<string, ReportResource>, byKey: Map<string, ResourceDiff>,
): DiffRisk[] {
    const risks: DiffRisk[] = [];
    const deletedNamespaces = new Set<string>();
    for (const d of diffs) {
        const old = oldByKey.get(urnKey(d.urn));
        if (old && (d.op === "delete" || d.op === "replace") && k8sIdentity(old)?.kind === "Namespace") {
            const name = str(objAt(old.inputs, "metadata", "name")) ?? previous.objects.find(o => o.urn === old.urn)?.name;
            if (name) {
                deletedNamespaces.add(name);
            }
        }
    }
    for (const d of diffs) {
        const old = oldByKey.get(urnKey(d.urn));
        if (!old || (d.op !== "delete" && d.op !== "replace")) {
            continue;
        }
        const id = k8sIdentity(old);
        const what = d.object ?? d.name;
        const field = d.op === "replace" ? d.replaceFields.join(", ") : "removed from the program";
        const verb = d.op === "replace" ? `replaced because ${field} changed` : "deleted (no longer in the program)";
        const caveats = [old.retainOnDelete ? "retainOnDelete is set: Pulumi leaves the old object in the cluster" : "", old.protect ? "it is protected: `pulumi up` will stop instead" : ""]
            .filter(Boolean).join("; ");
        const suffix = caveats ? ` (${caveats})` : "";
        if (old.protect && !["PersistentVolumeClaim", "PersistentVolume", "StatefulSet"].includes(id?.kind ?? "")) {
            // Not a data risk, but `pulumi up` stops at it: the engine refuses to replace or delete a protected resource.
            const oldName = str(objAt(old.inputs, "metadata", "name"));
            const oldNamespace = str(objAt(old.inputs, "metadata", "namespace"));
            const oldWhat = id && oldName ? `${id.kind} ${oldNamespace ? `${oldNamespace}/` : ""}${oldName}` : what;
            risks.push({
                urn: d.urn, resource: oldWhat, op: d.op, field,
                message: `${oldWhat} is ${verb}, but it is protected: \`pulumi up\` stops with an error here (unprotect it first, or keep the change from replacing it)`,
            });
            continue;
        }
        if (id?.kind === "PersistentVolumeClaim") {
            risks.push({
                urn: d.urn, resource: what, op: d.op, field,
                message: `${what} is ${verb}: the volume bound to it is released${d.op === "replace" ? " and the new claim starts empty" : ""}; its data is gone unless the volume's reclaim policy is Retain${suffix}`,
            });
        } else if (id?.kind === "PersistentVolume") {
            const reclaim = str(objAt(old.inputs, "spec", "persistentVolumeReclaimPolicy"));
            risks.push({
                urn: d.urn, resource: what, op: d.op, field,
                message: `${what} is ${verb}: what happens to its storage follows its reclaim policy (${reclaim ?? "unset: Delete for dynamically provisioned volumes, Retain for manually created ones"})${suffix}`,
            });
        } else if (id?.kind === "StatefulSet") {
            const now = current.resources.find(r => urnKey(r.urn) === urnKey(d.urn));
            const oldName = previous.objects.find(o => urnKey(o.urn) === urnKey(old.urn))?.name;
            const risk = statefulSetRisk(d, old, oldName, now, verb, deletedNamespaces, suffix);
            if (risk) {
                risks.push(risk);
            }
        }
        // A replaced provider needs no entry of its own: the objects it manages are replaced with it and judged above.
    }
    // Providers that may point at another cluster: objects holding data would all be replaced.
    for (const d of diffs) {
        const p = newProviders.get(d.urn);
        if (!p || d.op !== "update" || !d.notes.some(n => n.includes("every object it manages"))) {
            continue;
        }
        const holding = current.resources.filter(r => r.provider && urnKey(r.provider) === urnKey(p.urn) && ["PersistentVolumeClaim", "PersistentVolume", "StatefulSet"].includes(k8sIdentity(r)?.kind ?? ""));
        if (holding.length) {
            const field = d.changes.map(c => c.path).join(", ");
            risks.push({
                urn: d.urn, resource: d.name, op: d.op, field,
                message: `provider ${d.name}: ${field} changed; if the active cluster changes, Pulumi replaces the provider and with it ${holding.map(r => byKey.get(urnKey(r.urn))?.object ?? r.name).join(", ")}`,
            });
        }
    }
    return risks;
}

function statefulSetRisk(
    d: ResourceDiff, old: ReportResource, oldName: string | undefined, now: ReportResource | undefined, verb: string, deletedNamespaces: Set<string>, suffix: string,
): DiffRisk | undefined {
    const name = str(objAt(old.inputs, "metadata", "name")) ?? oldName ?? d.name;
    const namespace = str(objAt(old.inputs, "metadata", "namespace")) ?? "default";
    const replicas = typeof objAt(old.inputs, "spec", "replicas") === "number" ? objAt(old.inputs, "spec", "replicas") as number : 1;
    const pods = replicas > 0 ? (replicas === 1 ? `${namespace}/${name}-0` : `${namespace}/${name}-0 … ${name}-${replicas - 1}`) : "";
    const templates = objAt(old.inputs, "spec", "volumeClaimTemplates");
    const templateNames = Array.isArray(templates) ? templates.map(t => str(objAt(t, "metadata", "name"))).filter((n): n is string => !!n) : [];
    const claims = templateNames.map(t => replicas > 1 ? `${t}-${name}-0 … ${t}-${name}-${replicas - 1}` : `${t}-${name}-0`).join(", ");
    const whenDeleted = str(objAt(old.inputs, "spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted")) ?? "Retain";
    const policy = deletionPropagation(objAt(old.inputs, "metadata", "annotations"));
    const field = d.op === "replace" ? d.replaceFields.join(", ") : "removed from the program";
    const namespaceGoes = deletedNamespaces.has(namespace);

    const claimsLost = claims && (whenDeleted === "Delete" && policy !== "orphan" || namespaceGoes);
    if (d.op === "delete") {
        if (!claimsLost) {
            return undefined;
        }
        const why = namespaceGoes ? `its namespace ${namespace} is deleted too, and with it every claim in it` : "its persistentVolumeClaimRetentionPolicy.whenDeleted is Delete";
        return { urn: d.urn, resource: d.object ?? name, op: d.op, field, message: `StatefulSet ${namespace}/${name} is ${verb} and ${why}: claims ${claims} are deleted with their data${suffix}` };
    }
    if (policy === "orphan") {
        return undefined;
    }
    const parts = [
        `StatefulSet ${namespace}/${name} is ${verb}: the old StatefulSet is deleted with ${policy} propagation, so its pods${pods ? ` ${pods}` : ""} are deleted (the database is down until the new StatefulSet's pods are ready)`,
    ];
    // The new pods find the old claims only under the same StatefulSet name, namespace and template names.
    const newName = now ? str(objAt(now.inputs, "metadata", "name")) : undefined;
    const newNamespace = now ? str(objAt(now.inputs, "metadata", "namespace")) ?? "default" : namespace;
    const newTemplates = now ? objAt(now.inputs, "spec", "volumeClaimTemplates") : undefined;
    const newTemplateNames = Array.isArray(newTemplates) ? newTemplates.map(t => str(objAt(t, "metadata", "name"))) : [];
    const lostTemplates = templateNames.filter(t => !newTemplateNames.includes(t));
    const reattached = newName === name && newNamespace === namespace && lostTemplates.length === 0;
    if (claims && !claimsLost && !reattached) {
        const why = newName === undefined ? "the new StatefulSet gets a new auto-name"
            : newName !== name || newNamespace !== namespace ? `the new StatefulSet is ${newNamespace}/${newName}`
                : `claim template(s) ${lostTemplates.join(", ")} are renamed`;
        parts.push(`claims ${claims} stay (whenDeleted: ${whenDeleted}) but ${why}, so its pods start on new, empty claims: the data is left behind on the old claims`);
    } else if (claims) {
        parts.push(claimsLost
            ? `claims ${claims} are deleted with it (${namespaceGoes ? `namespace ${namespace} is deleted` : "whenDeleted: Delete"}): their data is lost`
            : `claims ${claims} survive (whenDeleted: ${whenDeleted}) and are re-attached by the new pods while the StatefulSet and template names stay the same${d.replaceFields.some(f => f.startsWith("spec.volumeClaimTemplates")) ? "; the changed claim template does not change existing claims (a larger storage request does not resize them: expand the claims themselves)" : ""}`);
    }
    parts.push(`annotate the OLD StatefulSet with ${DELETION_PROPAGATION_ANNOTATION}: orphan (and apply that first) to keep the pods running through the replacement`);
    return { urn: d.urn, resource: d.object ?? name, op: d.op, field, message: `${parts.join("; ")}${suffix}` };
}

// ---------------------------------------------------------------------------------------------
// Output

const SYMBOL: Record<Operation, string> = { create: "+", update: "~", replace: "+-", delete: "-", same: " " };

function show(v: Json | undefined): string {
    const m = markerOf(v);
    if (m === "secret") {
        return "[secret]";
    }
    if (m === "unknown") {
        return "(known after deployment)";
    }
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function describeChange(c: FieldChange): string {
    const value = c.kind === "add" ? `added ${show(c.new)}` : c.kind === "delete" ? `removed (was ${show(c.old)})` : `${show(c.old)} => ${show(c.new)}`;
    return `${c.path}: ${value}${c.replacesBecause ? `  [forces replacement: ${c.replacesBecause}]` : ""}`;
}

/** Human-readable lines, like `pulumi preview --diff`: changed resources with their fields, risks, then a summary. */
export function formatDiff(d: PlanDiff): string[] {
    const lines: string[] = [];
    for (const w of d.warnings) {
        lines.push(`warning: ${w}`);
    }
    const changed = d.resources.filter(r => r.op !== "same");
    if (!changed.length) {
        lines.push("No changes: every resource is the same as in the previous plan.");
    }
    for (const r of changed) {
        const label = r.op === "replace" && r.deleteBeforeReplace ? "replace (delete first)" : r.op;
        lines.push(`${SYMBOL[r.op].padEnd(2)} ${label.padEnd(8)} ${r.object ? `${r.object}  (${r.type}::${r.name})` : `${r.type}::${r.name}`}`);
        const limit = 12;
        for (const c of r.changes.slice(0, limit)) {
            lines.push(`       ${describeChange(c)}`);
        }
        if (r.changes.length > limit) {
            lines.push(`       … and ${r.changes.length - limit} more changed field(s)`);
        }
        for (const n of r.notes) {
            lines.push(`       note: ${n}`);
        }
    }
    if (d.outputChanges.length) {
        lines.push("Stack outputs:");
        for (const c of d.outputChanges) {
            lines.push(`   ~ ${describeChange(c)}`);
        }
    }
    if (d.risks.length) {
        lines.push(`Data at risk (${d.risks.length}):`);
        for (const k of d.risks) {
            lines.push(`  ✗ ${k.message}`);
        }
    }
    const c = d.counts;
    lines.push(`${c.create} to create, ${c.update} to update, ${c.replace} to replace, ${c.delete} to delete, ${c.same} unchanged`);
    return lines;
}

/** 1 when the changes lose data or take a stateful workload's pods down, 0 otherwise. */
export function diffExitCode(d: PlanDiff): number {
    return d.risks.length ? 1 : 0;
}
