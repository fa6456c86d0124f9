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
import { PackUnderTest, PolicyDiagnostic, PolicyPackConfigFile, PolicyRun, ResolvedConfig, resolvePolicyConfig, runPolicyPack } from "./policy-harness";
import type { RenderedObject } from "./render";
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

/** Something wrong with the input itself; `error` ones make the check exit 2. `file` is unset for the input as a whole. */
export interface InputProblem extends Partial<Source> {
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
                const why = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
                const hint = /\btab/i.test(why) ? " (YAML indents with spaces only)" : "";
                problems.push({ file, document, severity: "error", message: `YAML syntax error${at ? ` at line ${at.line}, column ${at.col}` : ""}: ${why}${hint}` });
            }
            return;
        }
        let value: unknown;
        try {
            value = doc.toJS();
        } catch (err) {
            problems.push({ file, document, severity: "error", message: `YAML can't be read: ${(err as Error).message.split("\n")[0]}` });
            return;
        }
        if (value === null || value === undefined) {
            return; // an empty or comment-only document
        }
        documents++;
        const add = (v: unknown, where: string) => {
            const missing = isObject(v) ? ["apiVersion", "kind"].filter(key => typeof v[key] !== "string" || v[key] === "") : [];
            if (!isObject(v) || missing.length) {
                const what = isObject(v) ? `it needs ${missing.join(" and ")}` : `it is ${Array.isArray(v) ? "a list" : `a ${typeof v}`}, not a mapping with apiVersion and kind`;
                problems.push({ file, document: where, severity: "error", message: `not a Kubernetes object: ${what}` });
                return;
            }
            if (v.kind === "List" || (String(v.kind).endsWith("List") && Array.isArray(v.items))) {
                if (!Array.isArray(v.items)) {
                    problems.push({ file, document: where, severity: "error", message: "kind: List needs items, a list of objects" });
                }
                (Array.isArray(v.items) ? v.items : []).forEach((item, j) => add(item, `${where}.${j + 1}`));
                return;
            }
            const object = v as unknown as ManifestObject;
            const metadata: Record<string, unknown> = isObject(object.metadata) ? object.metadata : {};
            const namespace = metadata.namespace === undefined || metadata.namespace === null ? undefined : String(metadata.namespace);
            const name = metadata.name !== undefined && metadata.name !== null ? String(metadata.name)
                : typeof metadata.generateName === "string" ? `${metadata.generateName}*` : "(unnamed)";
            objects.push({ file, document: where, object, kind: object.kind, namespace, name });
        };
        add(value, document);
    });
    if (documents === 0 && !problems.some(p => p.file === file)) {
        problems.push({ file, severity: "warning", message: "file is empty: it holds no Kubernetes objects" });
    }
    return objects;
}

/** The API groups Kubernetes itself serves (as kubernetes-models knows them; `""` is the core group). */
let builtIn: { dir: string; groups: Set<string> } | undefined;

function builtInApi(): { dir: string; groups: Set<string> } {
    if (!builtIn) {
        const dir = module.paths.map(p => path.join(p, "kubernetes-models")).find(d => fs.existsSync(path.join(d, "package.json"))) ?? "";
        const groups = new Set(dir ? fs.readdirSync(dir, { withFileTypes: true }).filter(e => e.isDirectory() && !e.name.startsWith("_") && e.name !== "v1").map(e => e.name) : []);
        builtIn = { dir, groups: groups.add("") };
    }
    return builtIn;
}

function groupOf(apiVersion: string): string {
    return apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
}

/** The apiVersions in which Kubernetes serves `kind`, e.g. `Deployment` → apps/v1, apps/v1beta1, … */
function apiVersionsOf(kind: string): string[] {
    const { dir, groups } = builtInApi();
    if (!dir || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
        return [];
    }
    const found = fs.existsSync(path.join(dir, "v1", `${kind}.js`)) ? ["v1"] : [];
    for (const group of [...groups].filter(g => g).sort()) {
        for (const version of fs.readdirSync(path.join(dir, group), { withFileTypes: true }).filter(e => e.isDirectory()).map(e => e.name).sort()) {
            if (fs.existsSync(path.join(dir, group, version, `${kind}.js`))) {
                found.push(`${group}/${version}`);
            }
        }
    }
    return found;
}

/** What to say about an object whose apiVersion/kind has no schema: an error for Kubernetes' own API groups, a warning for others (custom resources). */
function unknownKind(o: CheckedObject): InputProblem {
    const { apiVersion, kind } = o.object;
    if (!builtInApi().groups.has(groupOf(apiVersion))) {
        return { file: o.file, document: o.document, severity: "warning", message: `unknown kind ${kind} in apiVersion ${apiVersion} (a custom resource?): checked by the policies only, without schema validation` };
    }
    const served = apiVersionsOf(kind);
    const hint = served.length ? `the apiVersions Kubernetes has for ${kind} are ${served.join(", ")}` : `Kubernetes has no kind ${kind} (misspelled?)`;
    return { file: o.file, document: o.document, severity: "error", message: `unknown kind ${kind} in apiVersion ${apiVersion}: ${hint}` };
}

function describe(o: CheckedObject): string {
    return `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
}

function errorMessage(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

interface PackResult {
    run: PolicyRun;
    byUrn: Map<string, CheckedObject>;
}

async function runPack(packUnderTest: PackUnderTest, objects: CheckedObject[], config: ResolvedConfig): Promise<PackResult> {
    const resources = manifestResources(objects.map(o => o.object));
    const run = await runPolicyPack(packUnderTest, resources, config);
    return { run, byUrn: new Map(resources.map((r, i) => [r.urn, objects[i]])) };
}

/**
 * Runs the pack over the objects. A policy that throws fails the whole run, as it fails the
 * real engine's; then each object is tried alone, those the pack fails on are reported and left
 * out, and the rest run again, so one malformed object can't hide the results for the others.
 */
async function runPackAround(packUnderTest: PackUnderTest, objects: CheckedObject[], config: ResolvedConfig, problems: InputProblem[]): Promise<PackResult> {
    try {
        return await runPack(packUnderTest, objects, config);
    } catch (first) {
        const failing = new Set<CheckedObject>();
        for (const o of objects) {
            try {
                await runPack(packUnderTest, [o], config);
            } catch (err) {
                failing.add(o);
                problems.push({ file: o.file, document: o.document, severity: "error", message: `${describe(o)}: the policy pack fails on this object, so it was left out of the policy run: ${errorMessage(err)}` });
            }
        }
        try {
            return await runPack(packUnderTest, objects.filter(o => !failing.has(o)), config);
        } catch (err) {
            problems.push({ severity: "error", message: `the policy pack failed, no policy results: ${errorMessage(failing.size ? err : first)}` });
            return { run: { diagnostics: [], notApplicable: [] }, byUrn: new Map() };
        }
    }
}

/** In reading order: by file (missing paths first, the input as a whole last), then document; stable otherwise. */
function sortProblems(problems: InputProblem[], files: string[]): void {
    const fileRank = (p: InputProblem) => (p.file === undefined ? files.length : files.indexOf(p.file));
    const parts = (document?: string) => (document ?? "0").split(".").map(Number);
    const byDocument = (a: InputProblem, b: InputProblem) => {
        const [x, y] = [parts(a.document), parts(b.document)];
        for (let i = 0; i < Math.max(x.length, y.length); i++) {
            if ((x[i] ?? 0) !== (y[i] ?? 0)) {
                return (x[i] ?? 0) - (y[i] ?? 0);
            }
        }
        return 0;
    };
    problems.sort((a, b) => fileRank(a) - fileRank(b) || byDocument(a, b));
}

/**
 * Reads `paths`, validates the objects and runs the pack (kubelab's, unless a test gives another)
 * with `policyConfig`, a `--policy-pack-config` file's contents (a bad one throws
 * `PolicyConfigError`).
 */
export async function checkPaths(paths: string[], policyConfig: PolicyPackConfigFile = {}, packUnderTest: PackUnderTest = pack): Promise<CheckResult> {
    const config = resolvePolicyConfig(packUnderTest.args, policyConfig);
    const problems: InputProblem[] = [];
    const files = collectFiles(paths, problems);
    const objects = files.flatMap(f => readManifests(f, problems));
    for (const o of objects) {
        const errors = await validateObject({ apiVersion: o.object.apiVersion, kind: o.kind, object: o.object as unknown as RenderedObject["object"], unknownPaths: [] });
        if (errors.length === 1 && errors[0].startsWith("unknown kind")) {
            problems.push(unknownKind(o));
        } else {
            for (const e of new Set(errors)) {
                problems.push({ file: o.file, document: o.document, severity: "error", message: `${describe(o)} fails schema validation: ${e}` });
            }
        }
    }
    if (objects.length === 0) {
        problems.push({ severity: "error", message: "no Kubernetes objects to check" });
    }
    const { run, byUrn } = objects.length ? await runPackAround(packUnderTest, objects, config, problems) : await runPack(packUnderTest, [], config);
    sortProblems(problems, files);
    const results = run.diagnostics.map(diagnostic => ({ diagnostic, object: diagnostic.urn ? byUrn.get(diagnostic.urn) : undefined }));
    const inputError = problems.some(p => p.severity === "error");
    const mandatory = run.diagnostics.some(d => d.enforcementLevel === "mandatory");
    return { objects, problems, run, results, exitCode: inputError ? 2 : mandatory ? 1 : 0 };
}

/**
 * The policy config to use and where it came from: none (the schemas' defaults), the stack's
 * `policy/config/<stack>.json` under `root`, or a file in `--policy-pack-config` format. Throws
 * a one-line error when the file is missing or not a JSON object.
 */
export function readPolicyConfig(root: string, { stack, file }: { stack?: string; file?: string }): { file: string; config: PolicyPackConfigFile } {
    if (stack !== undefined && file !== undefined) {
        throw new Error("give --stack or --policy-config, not both");
    }
    // A fully qualified stack (`org/project/aks`) uses its last part, as the config files are named.
    const name = stack?.split("/").pop();
    if (stack !== undefined && (!name || !/^[A-Za-z0-9_.-]+$/.test(name) || /^\.+$/.test(name))) {
        throw new Error(`--stack ${JSON.stringify(stack)} is not a stack name`);
    }
    const configFile = file !== undefined ? path.resolve(file) : name !== undefined ? path.join(root, "policy", "config", `${name}.json`) : undefined;
    if (!configFile) {
        return { file: "(no policy config)", config: {} };
    }
    if (!fs.statSync(configFile, { throwIfNoEntry: false })?.isFile()) {
        throw new Error(stack !== undefined
            ? `no policy config for stack '${stack}': ${path.relative(process.cwd(), configFile)} does not exist`
            : `policy config ${file} does not exist`);
    }
    let value: unknown;
    try {
        value = JSON.parse(fs.readFileSync(configFile, "utf8").replace(/^\uFEFF/, ""));
    } catch (err) {
        throw new Error(`policy config ${path.relative(process.cwd(), configFile)} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new Error(`policy config ${path.relative(process.cwd(), configFile)} must be a JSON object of policy names`);
    }
    return { file: path.relative(process.cwd(), configFile), config: value as PolicyPackConfigFile };
}

/** A diagnostic's message without the policy description the engine puts in front of it. */
export function messageOf(d: PolicyDiagnostic): string {
    return d.message.startsWith(`${d.description}\n`) ? d.message.slice(d.description.length + 1) : d.message;
}

function where(file: string, document?: string): string {
    return `${path.relative(process.cwd(), file) || file}${document ? `#${document}` : ""}`;
}

function subject(o?: CheckedObject): string {
    return o ? `${where(o.file, o.document)} ${describe(o)}` : "(stack)";
}

/** The report as text: input problems, then one line per policy result, then a summary line. */
export function textReport(result: CheckResult): string[] {
    const lines = result.problems.map(p => `${p.file ? `${where(p.file, p.document)}: ` : ""}${p.severity}: ${p.message}`);
    for (const { diagnostic: d, object: o } of result.results) {
        lines.push(`${subject(o)}: [${d.enforcementLevel}] ${d.policyName}: ${messageOf(d)}`);
    }
    const count = (level: string) => result.run.diagnostics.filter(d => d.enforcementLevel === level).length;
    const inputs = (severity: InputProblem["severity"]) => result.problems.filter(p => p.severity === severity).length;
    lines.push("", `${result.objects.length} object(s) checked: ${count("mandatory")} mandatory violation(s), ${count("advisory")} advisory, ${inputs("error")} input error(s), ${inputs("warning")} input warning(s) (exit ${result.exitCode})`);
    return lines;
}

/** The machine-readable report (`--json`). */
export function jsonReport(result: CheckResult): object {
    const place = (o?: CheckedObject) => ({ file: o?.file, document: o?.document, kind: o?.kind, namespace: o?.namespace, name: o?.name });
    return {
        objects: result.objects.map(o => place(o)),
        problems: result.problems,
        results: result.results.map(({ diagnostic: d, object: o }) => ({
            ...place(o), policyName: d.policyName, enforcementLevel: d.enforcementLevel, severity: d.severity,
            message: messageOf(d), description: d.description, urn: d.urn,
        })),
        notApplicable: result.run.notApplicable.length,
        exitCode: result.exitCode,
    };
}
