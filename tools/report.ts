/**
 * The plan report: everything an offline plan found, as plain JSON that a user can read and a
 * later plan can be compared against (`npm run plan -- --against REPORT`, see diff.ts).
 *
 * No secret value ever reaches a report: a secret input or output is replaced by the marker
 * `{"@kubelab": "secret"}`, a value unknown until deployment by `{"@kubelab": "unknown"}`. The
 * wire sentinels come from the SDK's public `pulumi.runtime`.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyRun, ResolvedConfig } from "./policy-harness";
import type { Plan } from "./plan-lib";
import { exitCodeOf } from "./plan-lib";
import type { RecordedResource, Recording, WireValue } from "./recorder";
import { fileNameOf } from "./render";
import type { SchemaFailure } from "./validate";

const {
    specialArchiveSig, specialAssetSig, specialOutputValueSig, specialResourceSig, specialSecretSig, specialSigKey, unknownValue,
} = pulumi.runtime;

/** What identifies a kubelab plan report, and the version of its shape. */
export const REPORT_FORMAT = "kubelab-plan-report";
export const REPORT_VERSION = 1;

/** The key of the markers that stand in for values a report can't or mustn't hold. */
export const MARKER_KEY = "@kubelab";
export type Marker =
    | { [MARKER_KEY]: "secret" }
    | { [MARKER_KEY]: "unknown" }
    | { [MARKER_KEY]: "asset" | "archive"; hash?: string }
    | { [MARKER_KEY]: "resource"; urn: string };
export const SECRET_MARKER: Marker = Object.freeze({ [MARKER_KEY]: "secret" });
export const UNKNOWN_MARKER: Marker = Object.freeze({ [MARKER_KEY]: "unknown" });

export type JsonObject = { [key: string]: Json };
export type Json = null | boolean | number | string | Json[] | JsonObject;

/** The kind of marker `v` is, if it is one. */
export function markerOf(v: Json | undefined): Marker[typeof MARKER_KEY] | undefined {
    if (v && typeof v === "object" && !Array.isArray(v) && typeof v[MARKER_KEY] === "string") {
        return v[MARKER_KEY] as Marker[typeof MARKER_KEY];
    }
    return undefined;
}

export interface ReportResource {
    type: string;
    name: string;
    urn: string;
    parent?: string;
    /** True for provider-managed resources, false for components and the stack. */
    custom: boolean;
    dependencies: string[];
    /** URN of the provider resource that manages it. */
    provider?: string;
    protect: boolean;
    retainOnDelete: boolean;
    /** Set only when the program set the option. */
    deleteBeforeReplace?: boolean;
    ignoreChanges: string[];
    replaceOnChanges: string[];
    /** URNs this resource had before (the `aliases` option), when it has any. */
    aliases?: string[];
    /** The inputs the program gave, as plain JSON with secret and unknown markers. */
    inputs: JsonObject;
}

export interface ReportObject {
    /** The YAML file the plan wrote it to. */
    file: string;
    apiVersion: string;
    kind: string;
    namespace?: string;
    name: string;
    urn: string;
    /** JSON pointers of values unknown until deployed. */
    unknownPaths: string[];
}

/** A resource the offline plan can't expand (a remote component, a Helm release). */
export interface NotRenderedOffline {
    urn: string;
    type: string;
    /** The Pulumi resource name. */
    name?: string;
    reason: string;
}

export interface PlanReport {
    format: typeof REPORT_FORMAT;
    version: typeof REPORT_VERSION;
    stack: string;
    project: string;
    /** A preview (values computed at deployment unknown) or an update. */
    preview: boolean;
    /** Config keys whose `secure:` values were replaced by placeholders. */
    placeholders: string[];
    resources: ReportResource[];
    objects: ReportObject[];
    schemaFailures: SchemaFailure[];
    /** The policy config the pack ran with, and the file it came from (if any). */
    policyConfig: ResolvedConfig;
    policyConfigFile?: string;
    policies: PolicyRun;
    /** The stack outputs, secrets as markers. */
    outputs: JsonObject;
    notRenderedOffline?: NotRenderedOffline[];
    /** What the program logged as warnings (`pulumi.log.warn`); absent when none. */
    warnings?: string[];
    /** The plan's exit code: 0 clean or advisory, 1 mandatory violation, 2 invalid objects. */
    exitCode: number;
}

/**
 * Plain JSON from wire values: unknowns and secrets become markers (a secret's value is never
 * looked at), assets and archives a marker with their hash, resource references their URN.
 */
export function plainOf(value: WireValue | undefined): Json {
    if (value === undefined) {
        return null;
    }
    if (value === unknownValue) {
        return { ...UNKNOWN_MARKER };
    }
    if (Array.isArray(value)) {
        return value.map(plainOf);
    }
    if (value !== null && typeof value === "object") {
        switch (value[specialSigKey]) {
            case specialSecretSig:
                return { ...SECRET_MARKER };
            case specialOutputValueSig:
                if (value.secret === true) {
                    return { ...SECRET_MARKER };
                }
                return "value" in value ? plainOf(value.value) : { ...UNKNOWN_MARKER };
            case specialResourceSig:
                return { [MARKER_KEY]: "resource", urn: String(value.urn ?? "") };
            case specialAssetSig:
            case specialArchiveSig: {
                const marker: JsonObject = { [MARKER_KEY]: value[specialSigKey] === specialAssetSig ? "asset" : "archive" };
                if (typeof value.hash === "string") {
                    marker.hash = value.hash;
                }
                return marker;
            }
            default: {
                const out: JsonObject = {};
                for (const [k, v] of Object.entries(value)) {
                    out[k] = plainOf(v);
                }
                return out;
            }
        }
    }
    return value;
}

function plainObject(value: WireValue | undefined): JsonObject {
    const plain = plainOf(value ?? {});
    return plain && typeof plain === "object" && !Array.isArray(plain) ? plain : {};
}

function resourceOf(r: RecordedResource): ReportResource {
    const out: ReportResource = {
        type: r.type,
        name: r.name,
        urn: r.urn,
        custom: r.custom,
        dependencies: r.dependencies,
        protect: r.options.protect,
        retainOnDelete: r.options.retainOnDelete,
        ignoreChanges: r.options.ignoreChanges,
        replaceOnChanges: r.options.replaceOnChanges,
        inputs: plainObject(r.inputs),
    };
    if (r.parent) {
        out.parent = r.parent;
    }
    if (r.provider) {
        out.provider = r.provider;
    }
    if (r.options.aliases.length) {
        out.aliases = r.options.aliases;
    }
    if (r.options.deleteBeforeReplace !== undefined) {
        out.deleteBeforeReplace = r.options.deleteBeforeReplace;
    }
    return out;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** Read optionally: older recordings lack it. */

export interface BuildReportOptions {
    /** The folder the plan writes the objects' YAML to. */
    outDir: string;
    /** The policy config file the plan used, if any. */
    policyConfigFile?: string;
}

/** The report of a plan. The stack outputs come from the root stack's registered outputs, where secrets are still marked. */
export function buildReport(plan: Plan, opts: BuildReportOptions): PlanReport {
    const recording: Recording = plan.recording;
    const root = recording.resources.find(r => r.type === STACK_TYPE && !r.parent);
    const report: PlanReport = {
        format: REPORT_FORMAT,
        version: REPORT_VERSION,
        stack: plan.stack.stack,
        project: plan.stack.project,
        preview: recording.preview,
        placeholders: plan.stack.placeholders,
        resources: recording.resources.map(resourceOf),
        objects: plan.objects.map((o, i) => {
            const obj: ReportObject = {
                file: path.join(opts.outDir, fileNameOf(o, i)),
                apiVersion: o.apiVersion, kind: o.kind, name: o.name, urn: o.urn, unknownPaths: o.unknownPaths,
            };
            if (o.namespace !== undefined) {
                obj.namespace = o.namespace;
            }
            return obj;
        }),
        schemaFailures: plan.schemaFailures,
        policyConfig: plan.policyConfig,
        policies: plan.policies,
        outputs: plainObject(root?.outputs),
        exitCode: exitCodeOf(plan),
    };
    if (opts.policyConfigFile !== undefined) {
        report.policyConfigFile = opts.policyConfigFile;
    }
    if (recording.notRenderedOffline) {
        report.notRenderedOffline = recording.notRenderedOffline.map(n => ({ urn: n.urn, type: n.type, ...(n.name !== undefined ? { name: n.name } : {}), reason: n.reason }));
    }
    if (recording.warnings.length) {
        report.warnings = [...recording.warnings];
    }
    return report;
}

export class ReportError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ReportError";
    }
}

function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Reads a report a plan wrote. Throws a {@link ReportError} naming the file and what is wrong:
 * missing, not JSON, not a kubelab plan report, another version, or a malformed resource list.
 */
export function readReport(file: string): PlanReport {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new ReportError(`${file}: cannot read the previous plan's report (${code === "ENOENT" ? "no such file" : (err as Error).message}); write one with \`npm run plan -- --stack <name> --report ${file}\``);
    }
    let data: unknown;
    try {
        data = JSON.parse(text);
    } catch (err) {
        throw new ReportError(`${file}: not a kubelab plan report: not valid JSON (${(err as Error).message})`);
    }
    if (!isObject(data) || data.format !== REPORT_FORMAT) {
        const hint = isObject(data) && Array.isArray(data.resources) && data.format === undefined
            ? " (it looks like a report from before reports had a format version; plan again to write a new one)"
            : "";
        throw new ReportError(`${file}: not a kubelab plan report: "format" must be "${REPORT_FORMAT}"${hint}`);
    }
    if (data.version !== REPORT_VERSION) {
        throw new ReportError(`${file}: kubelab plan report version ${JSON.stringify(data.version)}, this kubelab reads version ${REPORT_VERSION}; plan the previous state again with this version`);
    }
    for (const key of ["stack", "project"] as const) {
        if (typeof data[key] !== "string") {
            throw new ReportError(`${file}: malformed kubelab plan report: "${key}" must be a string`);
        }
    }
    if (!Array.isArray(data.resources)) {
        throw new ReportError(`${file}: malformed kubelab plan report: "resources" must be a list`);
    }
    data.resources.forEach((r: unknown, i: number) => {
        if (!isObject(r) || typeof r.urn !== "string" || typeof r.type !== "string" || typeof r.name !== "string" || !isObject(r.inputs)) {
            throw new ReportError(`${file}: malformed kubelab plan report: resources[${i}] needs "urn", "type", "name" and "inputs"`);
        }
    });
    if (!Array.isArray(data.objects)) {
        throw new ReportError(`${file}: malformed kubelab plan report: "objects" must be a list`);
    }
    data.objects.forEach((o: unknown, i: number) => {
        if (!isObject(o) || typeof o.urn !== "string" || typeof o.kind !== "string" || typeof o.name !== "string") {
            throw new ReportError(`${file}: malformed kubelab plan report: objects[${i}] needs "urn", "kind" and "name"`);
        }
    });
    if (!isObject(data.outputs)) {
        throw new ReportError(`${file}: malformed kubelab plan report: "outputs" must be an object`);
    }
    return data as unknown as PlanReport;
}

/** Writes a report as indented JSON. */
export function writeReport(file: string, report: PlanReport): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
