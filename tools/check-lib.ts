/**
 * `npm run check` as a library: read plain Kubernetes YAML (files, folders searched recursively,
 * standard input; multi-document, `kind: List` expanded), check each object once (a repeat of the
 * same object is an input error), validate it as `kubectl apply --validate=strict` would
 * (tools/validate.ts, shared with the plan), and run the whole policy pack over the objects as if
 * Pulumi had created them. Work grows linearly with the input: documents are parsed one at a
 * time, lookups are by key, and the schema validators are loaded once per kind.
 */
import * as fs from "fs";
import * as path from "path";
import { Composer, LineCounter, Parser, isMap, isScalar, isSeq, parse, parseDocument } from "yaml";
import { kubelabPack } from "./kubelab-pack";
import { pointerKeys } from "./json-pointer";
import { KUBECTL_READ } from "./kubectl-yaml";
import { ManifestObject, manifestResources } from "./manifests";
import { PackUnderTest, PolicyDiagnostic, PolicyPackConfigFile, PolicyRun, ResolvedConfig, resolvePolicyConfig, runPolicyPack } from "./policy-harness";
import { placeholderPaths } from "./placeholders";
import type { JsonObject } from "./render";
import { ValidationIssue, apiGroupOf, removedApi, validationIssues } from "./validate";
import { firstUnclosedQuote, reindentQuotedValues } from "./yaml-quotes";

/** The kubelab pack (the check loads nothing of the plan's program runtime, which costs some 30 MB). */
export const pack: PackUnderTest = kubelabPack;

/** Where an object came from: file and 1-based document index (`3`, or `3.2` for the 2nd item of a List). */
export interface Source {
    file: string;
    document: string;
}

export interface CheckedObject extends Source {
    /** 1-based line where the object starts in its file. */
    line: number;
    object: ManifestObject;
    kind: string;
    namespace?: string;
    /** `metadata.name`, else `<generateName>*`, else `(unnamed)`. */
    name: string;
    /** Whether it has a `metadata.name` (and so an identity another object can share). */
    named: boolean;
    /** Where its YAML is, to read a value's source again when a problem is reported on it ({@link plainScalarHint}). */
    yaml?: YamlPlace;
}

/** A document's text in its file, and the keys that lead to the object within it (`items`, 2 for a List's third item). */
interface YamlPlace {
    text: string;
    start: number;
    end: number;
    at: (string | number)[];
}

/** Something wrong with the input itself; `error` ones make the check exit 2. `file` is unset for the input as a whole. */
export interface InputProblem extends Partial<Source> {
    severity: "error" | "warning";
    message: string;
}

export interface CheckResult {
    /** The objects checked: every readable object, each duplicate once. */
    objects: CheckedObject[];
    problems: InputProblem[];
    run: PolicyRun;
    /** Each diagnostic with the object it is about (when the policy named one). */
    results: { diagnostic: PolicyDiagnostic; object?: CheckedObject }[];
    /** Namespaces of the input that policies leave alone by their `exemptNamespaces` setting, so that a quiet report there isn't read as a pass. */
    exempted: Exemption[];
    exitCode: number;
}

/** A namespace some policies don't judge (their `exemptNamespaces` setting), with how many objects of the input are in it. */
export interface Exemption {
    namespace: string;
    objects: number;
    policies: string[];
}

/** The namespaces `config` exempts from some policy that objects of the input are in (the policies not disabled). */
export function exemptionsOf(objects: CheckedObject[], config: ResolvedConfig): Exemption[] {
    const byNamespace = new Map<string, string[]>();
    for (const [policy, settings] of Object.entries(config)) {
        const exempt = settings.exemptNamespaces;
        if (settings.enforcementLevel === "disabled" || !Array.isArray(exempt)) {
            continue;
        }
        for (const ns of exempt) {
            if (typeof ns === "string") {
                byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), policy]);
            }
        }
    }
    const counts = new Map<string, number>();
    for (const o of objects) {
        if (o.namespace !== undefined && byNamespace.has(o.namespace)) {
            counts.set(o.namespace, (counts.get(o.namespace) ?? 0) + 1);
        }
    }
    return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([namespace, n]) => ({ namespace, objects: n, policies: (byNamespace.get(namespace) ?? []).sort() }));
}

/** A Go template action (`{{ .Values.x }}`, `{{- include … }}`), as in a Helm chart's templates. */
const TEMPLATE_MARKER = /\{\{-?\s*[^}]*\}\}/;

/** The name `-` (standard input) gets in reports. */
export const STDIN = "(stdin)";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { yamlFilesUnder } = require("./yaml-files.js") as { yamlFilesUnder(dir: string): string[] };

/**
 * The YAML files to read: files as given (`-` is standard input), folders searched recursively
 * for `*.yaml` / `*.yml`, in sorted order, skipping hidden files and folders (a name starting
 * with `.`, such as `.git` or the plan's own `.kubelab-plan`).
 */
export function collectFiles(paths: string[], problems: InputProblem[]): string[] {
    const files: string[] = [];
    for (const p of paths) {
        if (p === "-") {
            files.push(STDIN);
            continue;
        }
        const st = fs.statSync(p, { throwIfNoEntry: false });
        if (!st) {
            problems.push({ file: p, severity: "error", message: "no such file or folder" });
        } else if (st.isDirectory()) {
            const found = yamlFilesUnder(p);
            // A Helm chart's files are Go templates and values, not Kubernetes YAML: one error per chart, not one per template.
            const charts = [...new Set(found.filter(f => path.basename(f) === "Chart.yaml").map(f => path.dirname(f)))];
            const inChart = (f: string) => charts.some(c => f.startsWith(`${c}${path.sep}`));
            for (const chart of charts.filter(c => !charts.some(outer => outer !== c && c.startsWith(`${outer}${path.sep}`)))) {
                problems.push({
                    file: path.join(chart, "Chart.yaml"), severity: "error",
                    message: `${displayFile(chart)} is a Helm chart: its templates are not Kubernetes YAML until Helm renders them, so none of its files were read; check what it renders: helm template RELEASE ${displayFile(chart)} [-f VALUES] | npm run check -- -`,
                });
            }
            files.push(...found.filter(f => !inChart(f)));
            if (!found.length) {
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

function readText(file: string): string {
    return file === STDIN ? fs.readFileSync(0, "utf8") : fs.readFileSync(file, "utf8");
}

/**
 * The objects of one file, with problems for what can't be read. Documents are parsed one at a
 * time and dropped once converted, so that a large file never holds every document's syntax tree.
 */
export function readManifests(file: string, problems: InputProblem[], text?: string): CheckedObject[] {
    if (text === undefined) {
        try {
            text = readText(file);
        } catch (err) {
            problems.push({ file, severity: "error", message: `can't read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
            return [];
        }
    }
    text = text.replace(/^\uFEFF/, "");
    const found: InputProblem[] = [];
    const { objects, quoteCut } = readDocuments(file, text, found);
    if (quoteCut) {
        // A quoted value YAML 1.2 ends early may be one kubectl reads on to its closing quote (yaml-quotes.ts).
        const repaired = reindentQuotedValues(text);
        if (repaired.repairs.length) {
            for (const r of repaired.repairs) {
                const span = r.from === r.to ? `line ${r.from}` : `lines ${r.from}–${r.to}`;
                problems.push({
                    file, severity: "warning",
                    message: `line ${r.line}: a quoted value continues on ${span} indented no further than its key, which ends it early under YAML 1.2; ` +
                        `kubectl's YAML parser reads on to the closing quote, and so does this check: indent ${r.from === r.to ? "that line" : "those lines"} past the key`,
                });
            }
            const again: InputProblem[] = [];
            const read = readDocuments(file, repaired.text, again).objects;
            problems.push(...again);
            return read;
        }
    }
    problems.push(...found);
    return objects;
}

/** Where the quote a document never closes was opened, for its syntax error. */
function unclosedQuoteHint(text: string, documentStart: number, lines: LineCounter): string {
    const open = firstUnclosedQuote(text, documentStart);
    return open === undefined ? "" : ` (the quote opened at line ${lines.linePos(open).line}, column ${lines.linePos(open).col} is never closed before the document ends)`;
}

/** The parser's message for a quoted value it ended before its closing quote. */
const MISSING_QUOTE = /^Missing closing .?quote/;

/**
 * The objects of `text`, one document at a time, with problems for what can't be read
 * ({@link readManifests}), and whether a document failed on a quoted value the parser cut short.
 */
function readDocuments(file: string, text: string, problems: InputProblem[]): { objects: CheckedObject[]; quoteCut: boolean } {
    let quoteCut = false;
    const objects: CheckedObject[] = [];
    const lines = new LineCounter();
    const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : lines.linePos(offset).line);
    let documents = 0;
    let i = 0;
    let templateHinted = false;
    for (const doc of new Composer(KUBECTL_READ).compose(new Parser(lines.addNewLine).parse(text))) {
        const document = String(++i);
        if (doc.errors.length) {
            // The first error is the one to fix: the parser reads on from it and reports most of
            // what follows as errors too (an unclosed quote gives one per token up to the end),
            // so the others are counted, not listed.
            const [e, ...more] = doc.errors;
            const at = lines.linePos(e.pos[0]);
            const why = e.message.split("\n")[0];
            const hint = /\btab/i.test(why) ? " (YAML indents with spaces only)"
                : MISSING_QUOTE.test(why) ? unclosedQuoteHint(text, doc.range?.[0] ?? 0, lines)
                : "";
            quoteCut ||= MISSING_QUOTE.test(why);
            const rest = more.length ? `; ${more.length} more error${more.length > 1 ? "s" : ""} in this document after it, which may follow from this one` : "";
            problems.push({ file, document, severity: "error", message: `YAML syntax error at line ${at.line}, column ${at.col}: ${why}${hint}${rest}` });
            if (!templateHinted && TEMPLATE_MARKER.test(text)) {
                templateHinted = true;
                problems.push({ file, document, severity: "error", message: "the file holds {{ … }} template markers: a template (a Helm chart's?) is not Kubernetes YAML until it is rendered; check what it renders, e.g. helm template RELEASE CHART | npm run check -- -" });
            }
            continue;
        }
        let value: unknown;
        try {
            value = doc.toJS();
        } catch (err) {
            problems.push({ file, document, severity: "error", message: `YAML can't be read: ${(err as Error).message.split("\n")[0]}` });
            continue;
        }
        if (value === null || value === undefined) {
            continue; // an empty or comment-only document
        }
        documents++;
        const contents = doc.contents;
        const range = doc.range;
        const add = (v: unknown, where: string, line: number | undefined, node: unknown, at: (string | number)[] = []) => {
            if (at.length === 0 && isKustomization(file, v)) {
                problems.push({ file, document: where, severity: "warning", message: kustomizationNote(file) });
                return;
            }
            const missing = isObject(v) ? ["apiVersion", "kind"].filter(key => typeof v[key] !== "string" || v[key] === "") : [];
            if (!isObject(v) || missing.length) {
                const what = isObject(v) ? `it needs ${missing.join(" and ")}` : `it is ${Array.isArray(v) ? "a list" : `a ${typeof v}`}, not a mapping with apiVersion and kind`;
                problems.push({ file, document: where, severity: "error", message: `not a Kubernetes object: ${what}` });
                return;
            }
            if (v.kind === "List" || (String(v.kind).endsWith("List") && Array.isArray(v.items))) {
                if (!Array.isArray(v.items)) {
                    problems.push({ file, document: where, severity: "error", message: "kind: List needs items, a list of objects" });
                    return;
                }
                const itemsNode: unknown = isMap(node) ? node.get("items", true) : undefined;
                const itemNodes: unknown[] = isSeq(itemsNode) ? itemsNode.items : [];
                v.items.forEach((item: unknown, j: number) => {
                    const itemNode = itemNodes[j] as { range?: [number, number, number] } | undefined;
                    add(item, `${where}.${j + 1}`, lineOf(itemNode?.range?.[0]) ?? line, itemNode, [...at, "items", j]);
                });
                return;
            }
            const object = v as unknown as ManifestObject;
            const metadata: Record<string, unknown> = isObject(object.metadata) ? object.metadata : {};
            const namespace = metadata.namespace === undefined || metadata.namespace === null ? undefined : String(metadata.namespace);
            const named = metadata.name !== undefined && metadata.name !== null && metadata.name !== "";
            const name = named ? String(metadata.name) : typeof metadata.generateName === "string" ? `${metadata.generateName}*` : "(unnamed)";
            objects.push({ file, document: where, line: line ?? 1, object, kind: object.kind, namespace, name, named, yaml: { text, start: range[0], end: range[2], at } });
        };
        add(value, document, lineOf((contents as { range?: [number, number, number] } | null)?.range?.[0]), contents);
    }
    if (documents === 0 && !problems.some(p => p.file === file)) {
        problems.push({ file, severity: "warning", message: "file is empty: it holds no Kubernetes objects" });
    }
    return { objects, quoteCut };
}

/** The file names kustomize looks for in a folder. */
const KUSTOMIZATION_FILES = new Set(["kustomization.yaml", "kustomization.yml", "Kustomization"]);

/** Whether a document is a kustomization (by its file's name, or its kustomize apiVersion): kustomize's build file, not an object to apply. */
function isKustomization(file: string, v: unknown): boolean {
    const apiVersion = isObject(v) ? v.apiVersion : undefined;
    return typeof apiVersion === "string" ? apiVersion.startsWith("kustomize.config.k8s.io/") : KUSTOMIZATION_FILES.has(path.basename(file));
}

function kustomizationNote(file: string): string {
    const dir = file === STDIN ? "DIR" : displayFile(path.dirname(file)) || ".";
    return "a kustomization: kustomize's build file, not a Kubernetes object (kubectl apply -k reads it, apply -f refuses it), so it is left out; " +
        "the files it lists are checked as they are, but a patch is only a fragment until kustomize applies it: to check what it builds, " +
        `kubectl kustomize ${dir} | npm run check -- -`;
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

/** The apiVersions in which Kubernetes serves `kind`, e.g. `Deployment` → apps/v1, apps/v1beta1, … */
function apiVersionsOf(kind: string): string[] {
    const { dir, groups } = builtInApi();
    if (!dir || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
        return [];
    }
    const found = fs.existsSync(path.join(dir, "v1", `${kind}.js`)) ? ["v1"] : [];
    for (const group of [...groups].filter(g => g).sort()) {
        for (const version of fs.readdirSync(path.join(dir, group), { withFileTypes: true }).filter(e => e.isDirectory()).map(e => e.name).sort()) {
            if (fs.existsSync(path.join(dir, group, version, `${kind}.js`)) && !removedApi(`${group}/${version}`, kind)) {
                found.push(`${group}/${version}`);
            }
        }
    }
    return found;
}

/** What to say about an object whose apiVersion/kind has no schema: an error for Kubernetes' own API groups, a warning for others (custom resources). */
function unknownKind(o: CheckedObject): InputProblem {
    const { apiVersion, kind } = o.object;
    if (!builtInApi().groups.has(apiGroupOf(apiVersion))) {
        return { file: o.file, document: o.document, severity: "warning", message: `unknown kind ${kind} in apiVersion ${apiVersion} (a custom resource?): checked by the policies only, without schema validation` };
    }
    const served = apiVersionsOf(kind);
    const hint = served.length ? `the apiVersions Kubernetes has for ${kind} are ${served.join(", ")}` : `Kubernetes has no kind ${kind} (misspelled?)`;
    return { file: o.file, document: o.document, severity: "error", message: `unknown kind ${kind} in apiVersion ${apiVersion}: ${hint}` };
}

function describe(o: CheckedObject): string {
    return `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
}

/** An error as one line: without the stack trace the policy server puts into its message. */
function errorMessage(err: unknown): string {
    const text = err instanceof Error ? err.message : String(err);
    return text.split("\n").filter(l => !/^\s+at /.test(l)).map(l => l.trim()).filter(Boolean).join(" ")
        .replace(/: Error: /g, ": ");
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
 * A stack policy may still fail on the objects together and on none alone: then that policy is
 * switched off (reported, naming it) and the rest run, so one policy can't hide the others' results.
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
        const rest = objects.filter(o => !failing.has(o));
        let running = config;
        for (;;) {
            try {
                return await runPack(packUnderTest, rest, running);
            } catch (err) {
                const policy = failingPolicy(err);
                if (policy === undefined || running[policy]?.enforcementLevel === "disabled") {
                    problems.push({ severity: "error", message: `the policy pack failed, no policy results: ${errorMessage(failing.size ? err : first)}` });
                    return { run: { diagnostics: [], notApplicable: [] }, byUrn: new Map() };
                }
                problems.push({ severity: "error", message: `policy ${policy} fails on these objects together (on none alone), so it was switched off and its results are missing; the other policies ran: ${errorMessage(err)}` });
                running = { ...running, [policy]: { ...running[policy], enforcementLevel: "disabled" } };
            }
        }
    }
}

/** The policy a failed run names (`Error validating resource with policy 'NAME' from policy pack …`), if it names one. */
function failingPolicy(err: unknown): string | undefined {
    return /with policy '([^']+)' from policy pack/.exec(err instanceof Error ? err.message : String(err))?.[1];
}

/** In reading order: by file (missing paths first, the input as a whole last), then document; stable otherwise. */
function sortProblems(problems: InputProblem[], files: string[]): void {
    const ranks = new Map<string, number>();
    files.forEach((f, i) => { if (!ranks.has(f)) { ranks.set(f, i); } });
    const fileRank = (p: InputProblem) => (p.file === undefined ? files.length : ranks.get(p.file) ?? -1);
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

/** What makes two objects the same object to the API server: API group, kind, namespace and name. */
function identity(o: CheckedObject): string {
    return `${apiGroupOf(o.object.apiVersion)}\u0000${o.kind}\u0000${o.namespace ?? ""}\u0000${o.name}`;
}

function at(o: CheckedObject): string {
    return `${displayFile(o.file)}:${o.line}`;
}

/**
 * Leaves out every repeat of an object given more than once (same API group, kind, namespace
 * and name), keeping the first, and reports each repeated object once as an input error.
 */
export function dropDuplicates(objects: CheckedObject[], problems: InputProblem[]): CheckedObject[] {
    const groups = new Map<string, CheckedObject[]>();
    for (const o of objects) {
        if (!o.named) {
            continue; // generateName: the API server names each one anew
        }
        const key = identity(o);
        const same = groups.get(key);
        if (same) {
            same.push(o);
        } else {
            groups.set(key, [o]);
        }
    }
    const repeats = new Set<CheckedObject>();
    for (const same of groups.values()) {
        if (same.length > 1) {
            const first = same[0];
            const times = same.length === 2 ? "twice" : `${same.length} times`;
            const places = same.map(at);
            const list = `${places.slice(0, -1).join(", ")} and ${places[places.length - 1]}`;
            problems.push({
                file: first.file, document: first.document, severity: "error",
                message: `${describe(first)} (${first.object.apiVersion}) given ${times}: ${list}; checked once, as given first (kubectl apply would apply the last over the first)`,
            });
            same.slice(1).forEach(o => repeats.add(o));
        }
    }
    return repeats.size ? objects.filter(o => !repeats.has(o)) : objects;
}

/**
 * For a problem at `pointer` of `o`: when the value there is an unquoted scalar that kubectl reads
 * as a boolean or a number (a label `enabled: yes`, an env value `on`), what to write instead,
 * since a schema's "must be string" alone doesn't say why. The object's YAML is parsed again, once
 * a problem is reported, so that the check keeps no syntax tree for the objects without one.
 */
function plainScalarHint(o: CheckedObject, pointer: string | undefined): string {
    if (!o.yaml || pointer === undefined) {
        return "";
    }
    const { text, start, end, at } = o.yaml;
    const doc = parseDocument(text.slice(start, end), KUBECTL_READ);
    const node = doc.getIn([...at, ...pointerKeys(pointer)], true);
    if (!isScalar(node) || node.type !== "PLAIN" || typeof node.source !== "string" || (typeof node.value !== "boolean" && typeof node.value !== "number")) {
        return "";
    }
    // Whether YAML 1.2 (the yaml package's default schema) would have read a string: then only YAML 1.1's rules make it one.
    const read = typeof parse(node.source) === "string"
        ? `kubectl reads the unquoted ${node.source} as the ${typeof node.value} ${String(node.value)}, as YAML 1.1 does`
        : `the unquoted ${node.source} is the ${typeof node.value} ${String(node.value)}`;
    return ` (${read}; quote it: "${node.source}")`;
}

/** Validates one object and records what the API server would reject as input problems; returns the kinds of issue found. */
async function validateInto(o: CheckedObject, problems: InputProblem[]): Promise<Set<ValidationIssue["code"]>> {
    // The offline plan's placeholders (a secret, a value unknown until deployed) are not judged, as the plan doesn't judge them.
    const hidden = placeholderPaths(o.object);
    const issues = await validationIssues({ apiVersion: o.object.apiVersion, kind: o.kind, object: o.object as unknown as JsonObject, ...hidden });
    for (const issue of issues) {
        const place = { file: o.file, document: o.document };
        if (issue.code === "unknown-kind") {
            problems.push(unknownKind(o));
        } else if (issue.code === "removed-api") {
            problems.push({ ...place, severity: "error", message: `${describe(o)}: ${issue.message}` });
        } else if (issue.code === "selector" || issue.code === "metadata") {
            problems.push({ ...place, severity: "error", message: `${describe(o)}: ${issue.message}` });
        } else {
            // A string the YAML made a boolean or a number: say why, and that quotes fix it.
            const hint = /\bmust be string\b/.test(issue.message) ? plainScalarHint(o, issue.path) : "";
            problems.push({ ...place, severity: "error", message: `${describe(o)} fails schema validation: ${issue.message}${hint}` });
        }
    }
    return new Set(issues.map(i => i.code));
}

/** The policy whose finding repeats the removed-API input error (the same table, see validate.ts). */
const REMOVED_APIS_POLICY = "no-removed-apis";

/**
 * Reads `paths` (files, folders, `-` for standard input), validates the objects and runs the
 * pack (kubelab's, unless a test gives another) with `policyConfig`, a `--policy-pack-config`
 * file's contents (a bad one throws `PolicyConfigError`).
 */
export async function checkPaths(paths: string[], policyConfig: PolicyPackConfigFile = {}, packUnderTest: PackUnderTest = pack): Promise<CheckResult> {
    const config = resolvePolicyConfig(packUnderTest.args, policyConfig);
    const problems: InputProblem[] = [];
    const files = collectFiles(paths, problems);
    const read: CheckedObject[] = [];
    for (const f of files) {
        for (const o of readManifests(f, problems)) {
            read.push(o);
        }
    }
    const objects = dropDuplicates(read, problems);
    const removedApis = new Set<CheckedObject>();
    for (const o of objects) {
        if ((await validateInto(o, problems)).has("removed-api")) {
            removedApis.add(o);
        }
    }
    if (objects.length === 0) {
        problems.push({ severity: "error", message: "no Kubernetes objects to check" });
    }
    const packed = objects.length ? await runPackAround(packUnderTest, objects, config, problems) : await runPack(packUnderTest, [], config);
    const { byUrn } = packed;
    // An object on a removed API version is an input error already; no-removed-apis would say it again.
    const repeatsInputError = (d: PolicyDiagnostic) => {
        const o = d.urn === undefined ? undefined : byUrn.get(d.urn);
        return d.policyName === REMOVED_APIS_POLICY && o !== undefined && removedApis.has(o);
    };
    const run = removedApis.size ? { ...packed.run, diagnostics: packed.run.diagnostics.filter(d => !repeatsInputError(d)) } : packed.run;
    sortProblems(problems, files);
    const results = run.diagnostics.map(diagnostic => ({ diagnostic, object: diagnostic.urn ? byUrn.get(diagnostic.urn) : undefined }));
    const inputError = problems.some(p => p.severity === "error");
    const mandatory = run.diagnostics.some(d => d.enforcementLevel === "mandatory");
    return { objects, problems, run, results, exempted: exemptionsOf(objects, config), exitCode: inputError ? 2 : mandatory ? 1 : 0 };
}

/** A diagnostic's message without the policy description the engine puts in front of it. */
export function messageOf(d: PolicyDiagnostic): string {
    return d.message.startsWith(`${d.description}\n`) ? d.message.slice(d.description.length + 1) : d.message;
}

/** A file as reports name it: relative to the working folder (standard input as `(stdin)`). */
function displayFile(file: string): string {
    return file === STDIN ? file : path.relative(process.cwd(), file) || file;
}

function where(file: string, document?: string): string {
    return `${displayFile(file)}${document ? `#${document}` : ""}`;
}

function subject(o?: CheckedObject): string {
    return o ? `${where(o.file, o.document)} ${describe(o)}` : "(stack)";
}

/** Findings that something the input refers to is not in it (the policies speak of "the stack", as under pulumi preview). */
const MISSING_OBJECT = /\bthe stack (does not create|creates no)\b|\(it has no workloads\)/;

/** The report as text: input problems, then one line per policy result, then notes and a summary line. */
export function textReport(result: CheckResult): string[] {
    const lines = result.problems.map(p => `${p.file ? `${where(p.file, p.document)}: ` : ""}${p.severity}: ${p.message}`);
    for (const { diagnostic: d, object: o } of result.results) {
        lines.push(`${subject(o)}: [${d.enforcementLevel}] ${d.policyName}: ${messageOf(d)}`);
    }
    if (result.results.some(({ diagnostic: d }) => MISSING_OBJECT.test(d.message))) {
        lines.push("note: \"the stack\" is everything given to this check together: when what a finding says is missing is in a file not given, check the app's files at once (its folder, or several paths)");
    }
    for (const e of result.exempted) {
        const names = e.policies.length > 4 ? `${e.policies.slice(0, 4).join(", ")} and ${e.policies.length - 4} more` : e.policies.join(", ");
        lines.push(`note: namespace ${e.namespace} (${e.objects} object(s)) is not judged by ${e.policies.length} polic${e.policies.length === 1 ? "y" : "ies"} (${names}): the policy config's exemptNamespaces leaves it out`);
    }
    const count = (level: string) => result.run.diagnostics.filter(d => d.enforcementLevel === level).length;
    const inputs = (severity: InputProblem["severity"]) => result.problems.filter(p => p.severity === severity).length;
    lines.push("", `${result.objects.length} object(s) checked: ${count("mandatory")} mandatory violation(s), ${count("advisory")} advisory, ${inputs("error")} input error(s), ${inputs("warning")} input warning(s) (exit ${result.exitCode})`);
    return lines;
}

/** The machine-readable report (`--json`). */
export function jsonReport(result: CheckResult): object {
    const place = (o?: CheckedObject) => ({ file: o?.file, document: o?.document, line: o?.line, kind: o?.kind, namespace: o?.namespace, name: o?.name });
    return {
        objects: result.objects.map(o => place(o)),
        problems: result.problems,
        results: result.results.map(({ diagnostic: d, object: o }) => ({
            ...place(o), policyName: d.policyName, enforcementLevel: d.enforcementLevel, severity: d.severity,
            message: messageOf(d), description: d.description, urn: d.urn,
        })),
        notApplicable: result.run.notApplicable.length,
        exempted: result.exempted,
        exitCode: result.exitCode,
    };
}
