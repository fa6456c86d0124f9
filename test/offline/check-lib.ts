/**
 * `npm run check` as a library: read plain Kubernetes YAML (files or folders, multi-document,
 * `kind: List` expanded), validate each object against the Kubernetes schemas, and run the whole
 * policy pack over the objects as if Pulumi had created them.
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { ManifestObject, manifestResources } from "./manifests";
import { pack } from "./plan-lib";
import { PolicyDiagnostic, PolicyPackConfigFile, PolicyRun, resolvePolicyConfig, runPolicyPack } from "./policy-harness";
import { validateObject } from "./validate";

/** Where an object came from: file and 1-based document index (`3`, or `3.2` for the 2nd item of a List). */
export interface Source {
    file: string;
    document: string;
}

export interface CheckedObject extends Source {
    object: ManifestObject;
    kind: string;
    namespace?: string;
    name: string;
}

/** Something wrong with the input itself; `error` ones make the check exit 2. */
export interface InputProblem extends Partial<Source> {
    file: string;
    severity: "error" | "warning";
    message: string;
}

export interface CheckResult {
    objects: CheckedObject[];
    problems: InputProblem[];
    run: PolicyRun;
    /** Each diagnostic with the object it is about (when the policy named one). */
    results: { diagnostic: PolicyDiagnostic; object?: CheckedObject }[];
    exitCode: number;
}

/** The YAML files to read: files as given, folders searched for *.yaml / *.yml, sorted. */
export function collectFiles(paths: string[], problems: InputProblem[]): string[] {
    const files: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const p = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                walk(p);
            } else if (/\.ya?ml$/i.test(entry.name)) {
                files.push(p);
            }
        }
    };
    for (const p of paths) {
        const st = fs.statSync(p, { throwIfNoEntry: false });
        if (!st) {
            problems.push({ file: p, severity: "error", message: "no such file or folder" });
        } else if (st.isDirectory()) {
            const before = files.length;
            walk(p);
            if (files.length === before) {
                problems.push({ file: p, severity: "error", message: "folder holds no .yaml or .yml files" });
            }
        } else {
            files.push(p);
        }
    }
    return files;
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The objects of one file, with problems for what can't be read. */
export function readManifests(file: string, problems: InputProblem[]): CheckedObject[] {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        problems.push({ file, severity: "error", message: `can't read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
        return [];
    }
    text = text.replace(/^\uFEFF/, "");
    const objects: CheckedObject[] = [];
    let documents = 0;
    parseAllDocuments(text).forEach((doc, i) => {
        const document = String(i + 1);
        if (doc.errors.length) {
            for (const e of doc.errors) {
                const at = e.linePos?.[0];
                problems.push({ file, document, severity: "error", message: `YAML syntax error${at ? ` at line ${at.line}, column ${at.col}` : ""}: ${e.message.split("\n")[0]}` });
            }
            return;
        }
        const value: unknown = doc.toJS();
        if (value === null || value === undefined) {
            return; // an empty or comment-only document
        }
        documents++;
        const add = (v: unknown, where: string) => {
            if (!isObject(v) || typeof v.apiVersion !== "string" || typeof v.kind !== "string") {
                problems.push({ file, document: where, severity: "error", message: "not a Kubernetes object: it needs apiVersion and kind" });
                return;
            }
            if (v.kind === "List" || (v.kind.endsWith("List") && Array.isArray(v.items))) {
                (Array.isArray(v.items) ? v.items : []).forEach((item, j) => add(item, `${where}.${j + 1}`));
                return;
            }
            const object = v as unknown as ManifestObject;
            objects.push({ file, document: where, object, kind: object.kind, namespace: object.metadata?.namespace, name: object.metadata?.name ?? "(unnamed)" });
        };
        add(value, document);
    });
    if (documents === 0 && !problems.some(p => p.file === file)) {
        problems.push({ file, severity: "error", message: "file is empty: it holds no Kubernetes objects" });
    }
    return objects;
}

/** Reads `paths`, validates the objects and runs the pack with `policyConfig`. */
export async function checkPaths(paths: string[], policyConfig: PolicyPackConfigFile = {}): Promise<CheckResult> {
    const config = resolvePolicyConfig(pack.args, policyConfig);
    const problems: InputProblem[] = [];
    const objects = collectFiles(paths, problems).flatMap(f => readManifests(f, problems));
    for (const o of objects) {
        const errors = await validateObject({ apiVersion: o.object.apiVersion, kind: o.kind, object: o.object as never, unknownPaths: [] });
        if (errors.length === 1 && errors[0].startsWith("unknown kind")) {
            problems.push({ file: o.file, document: o.document, severity: "warning", message: `${errors[0]}: checked by the policies only, without schema validation` });
        } else {
            for (const e of errors) {
                problems.push({ file: o.file, document: o.document, severity: "error", message: `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name} fails schema validation: ${e}` });
            }
        }
    }
    const resources = manifestResources(objects.map(o => o.object));
    const byUrn = new Map(resources.map((r, i) => [r.urn, objects[i]]));
    const run = await runPolicyPack(pack, resources, config);
    const results = run.diagnostics.map(diagnostic => ({ diagnostic, object: diagnostic.urn ? byUrn.get(diagnostic.urn) : undefined }));
    const inputError = problems.some(p => p.severity === "error") || objects.length === 0;
    const mandatory = run.diagnostics.some(d => d.enforcementLevel === "mandatory");
    return { objects, problems, run, results, exitCode: inputError ? 2 : mandatory ? 1 : 0 };
}

/** A diagnostic's message without the policy description the engine puts in front of it. */
export function messageOf(d: PolicyDiagnostic): string {
    return d.message.startsWith(`${d.description}\n`) ? d.message.slice(d.description.length + 1) : d.message;
}
