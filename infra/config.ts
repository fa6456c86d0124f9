/**
 * The config layer: reading the stack's `kubelab:*` keys and validating them with zod, with
 * errors a user can act on.
 *
 * Every error names the full key (`kubelab:smilr.replicas`, `kubelab:labs[1]`), the value it got
 * and what is allowed, and is thrown before any resource is registered. {@link ConfigError}
 * extends `pulumi.RunError`, so the Pulumi CLI prints the message without a stack trace.
 *
 * Schemas are built from three helpers, so that every module reads the same way:
 * - {@link setting}: one value, with a zod schema and the sentence saying what is allowed;
 * - {@link section}: an object of settings that rejects unknown keys (a typo would otherwise be
 *   ignored) and names keys that moved elsewhere;
 * - {@link parseConfig}: runs a schema over the raw config and turns the first issue into an error.
 *
 * Defaults live in the schemas (`.default(…)`) and nowhere else; TypeScript types are inferred
 * from them (`z.output<typeof schema>`).
 *
 * This module imports nothing else of kubelab's: it is the bottom layer
 * (config → platform → components → labs).
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseQuantity } from "../policy/lib/quantity";

/** A bad stack setting: names the key, the value and what is allowed. */
export class ConfigError extends pulumi.RunError {
    constructor(readonly key: string, readonly value: unknown, readonly allowed: string) {
        super(`invalid config ${key}: ${describe(value)} is not allowed; expected ${allowed}`);
        this.name = "ConfigError";
    }
}

/** A missing required stack setting. */
export class MissingConfigError extends pulumi.RunError {
    constructor(readonly key: string, readonly allowed: string) {
        super(`missing required config ${key}: set it to ${allowed} (pulumi config set ${key.replace(/[.[].*$/, "")} …)`);
        this.name = "MissingConfigError";
    }
}

/** A key that kubelab no longer reads because its setting lives elsewhere now. */
export class MovedConfigError extends pulumi.RunError {
    constructor(readonly key: string, readonly value: unknown, readonly movedTo: string) {
        super(`config ${key} has moved: ${movedTo} (found ${describe(value)}; remove ${key} from the stack file)`);
        this.name = "MovedConfigError";
    }
}

function describe(value: unknown): string {
    return value === undefined ? "(unset)" : JSON.stringify(value);
}

/**
 * How the offline plan (`npm run plan`) hands over a `secure:` value it cannot decrypt. The
 * Pulumi CLI always decrypts them, so a real run never sees this.
 */
const OFFLINE_SECRET_PLACEHOLDER = /^\[secure value of [^\]]+\]$/;

/**
 * One setting: `schema` checks (and may convert) the value; when it fails, the error says
 * `allowed`. With `secure: true` a string setting also accepts the offline plan's placeholder for
 * a `secure:` value it cannot decrypt (see {@link OFFLINE_SECRET_PLACEHOLDER}); under the CLI the
 * decrypted value is checked like any other.
 */
export function setting<T>(schema: z.ZodType<T>, allowed: string, opts: { secure?: boolean } = {}) {
    return z.unknown().transform((value, ctx): T => {
        if (typeof value === "string" && OFFLINE_SECRET_PLACEHOLDER.test(value)) {
            if (opts.secure) {
                return value as T;
            }
            ctx.addIssue({ code: "custom", message: `${allowed}; the offline plan cannot read this secure: value (pulumi preview can), so keep it plain or check it there`, input: value });
            return z.NEVER;
        }
        const result = schema.safeParse(value);
        if (!result.success) {
            ctx.addIssue({ code: "custom", message: allowed, input: value });
            return z.NEVER;
        }
        return result.data;
    });
}

/** Marks an issue as "this key moved"; {@link parseConfig} turns it into a {@link MovedConfigError}. */
const MOVED = "kubelab:moved";

/**
 * An object of settings. Keys not in `shape` are errors listing the known ones; keys in `moved`
 * are errors saying where the setting went (`moved: {context: "set kubelab:minikube.context"}`);
 * `unknown` replaces the message for an unknown key.
 * An unset section is `{}`, so its settings' defaults apply.
 */
export function section<S extends z.ZodRawShape>(shape: S, opts: { moved?: Record<string, string>; unknown?: string } = {}) {
    const known = Object.keys(shape);
    const object = z.object(shape);
    return z.preprocess((value, ctx) => {
        if (value === undefined || value === null || value === "") {
            return {};
        }
        if (typeof value !== "object" || Array.isArray(value)) {
            ctx.addIssue({ code: "custom", message: `an object of settings (${known.join(", ")})`, input: value });
            return z.NEVER;
        }
        for (const key of Object.keys(value)) {
            if (opts.moved?.[key] !== undefined) {
                ctx.addIssue({ code: "custom", path: [key], message: opts.moved[key], params: { [MOVED]: true }, input: value });
            } else if (!known.includes(key)) {
                ctx.addIssue({ code: "custom", path: [key], message: opts.unknown ?? `no such setting; known settings here: ${known.join(", ")}`, input: value });
            }
        }
        return value;
    }, object);
}

/** Runs `schema` over `input` (the raw settings under `prefix`, e.g. `kubelab:`), throwing the first issue as a config error. */
export function parseConfig<T>(schema: z.ZodType<T>, input: Record<string, unknown>, prefix: string): T {
    const result = schema.safeParse(input);
    if (result.success) {
        return result.data;
    }
    throw toConfigError(result.error.issues[0], input, prefix);
}

function toConfigError(issue: z.core.$ZodIssue, input: unknown, prefix: string): Error {
    // The key is the deepest part of the path the user actually wrote: `labs: [nanomon]` is
    // reported as kubelab:labs[0], not as kubelab:labs[0].lab.
    let value: unknown = input;
    const written: PropertyKey[] = [];
    for (const segment of issue.path) {
        if (value === null || typeof value !== "object") {
            break;
        }
        value = (value as Record<PropertyKey, unknown>)[segment];
        written.push(segment);
    }
    const key = prefix + written.map((s, i) => typeof s === "number" ? `[${s}]` : `${i ? "." : ""}${String(s)}`).join("");
    if (issue.code === "custom" && issue.params?.[MOVED]) {
        return new MovedConfigError(key, value, issue.message);
    }
    if (value === undefined && written.length === issue.path.length) {
        return new MissingConfigError(key, issue.message);
    }
    return new ConfigError(key, value, issue.message);
}

/** The project's own keys (`kubelab:*`) as the engine passes them, structured values parsed from JSON. */
export interface RawConfig {
    /** Project name, the keys' namespace (`kubelab`). */
    project: string;
    /** Values by key without the namespace (`smilr`, `platform`). */
    values: Record<string, unknown>;
    /** Keys (without the namespace) whose values are `secure:` in the stack file. */
    secretKeys: Set<string>;
    /**
     * Whether the engine runs a preview (`pulumi preview`, the offline plan's default) rather
     * than an update. Checks that only matter for what gets deployed (a placeholder image the
     * nodes could never pull) refuse in updates only. Unset counts as a preview.
     */
    preview?: boolean;
}

/** Reads the project's config from the Pulumi runtime. */
export function readConfig(): RawConfig {
    const project = pulumi.getProject();
    const values: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    for (const [fullKey, raw] of Object.entries(pulumi.runtime.allConfig())) {
        const [ns, ...rest] = fullKey.split(":");
        if (ns !== project || rest.length === 0) {
            continue;
        }
        const key = rest.join(":");
        values[key] = parseJson(raw);
        if (isConfigSecret(fullKey)) {
            secretKeys.add(key);
        }
    }
    return { project, values, secretKeys, preview: pulumi.runtime.isDryRun() };
}

/**
 * Whether the engine marked `fullKey` secret. `@pulumi/pulumi` has no public API for this (its
 * `Config.getSecret` only wraps the value): `runtime.isConfigSecret` is exported at run time but
 * left out of the type declarations. This is the one place that reads it; a test fails if the
 * SDK drops it.
 */
export function isConfigSecret(fullKey: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    if (typeof runtime.isConfigSecret !== "function") {
        throw new Error("@pulumi/pulumi no longer exports runtime.isConfigSecret: kubelab cannot tell secret config apart (see infra/config.ts)");
    }
    return runtime.isConfigSecret(fullKey);
}

/** A value as a Pulumi secret when its key is secure in the stack file. */
export function secretIf(secret: boolean, value: string): pulumi.Input<string> {
    return secret ? pulumi.secret(value) : value;
}

function parseJson(raw: string): unknown {
    const trimmed = raw.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
        try {
            return JSON.parse(trimmed) as unknown;
        } catch {
            return raw;
        }
    }
    return raw;
}

// ---- Schemas shared by every layer ----------------------------------------------------------

/** A whole number from `min` to `max` (numeric strings too, as `pulumi config set` stores them). */
export function wholeNumber(min: number, max: number, why = "") {
    const schema = z.union([z.number(), z.string().trim().regex(/^-?[0-9]+$/).transform(Number)]).pipe(z.int().min(min).max(max));
    return setting(schema, `a whole number from ${min} to ${max}${why}`);
}

/** true or false (the strings "true" and "false" too, as `pulumi config set` stores them). */
export const boolean = setting(
    z.union([z.boolean(), z.enum(["true", "false"]).transform(v => v === "true")]),
    "true or false",
);

/** A string matching `re`; `allowed` describes it. */
export function matching(re: RegExp, allowed: string, opts: { secure?: boolean } = {}) {
    return setting(z.string().regex(re), allowed, opts);
}

/** A Kubernetes DNS label (namespace, instance names). */
export const dnsLabel = matching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    "a DNS label: lower-case letters, digits and '-', at most 63 characters");

/** A DNS host name. */
export const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes storage quantity ("500M", "2Gi"): positive, whole bytes, at most `max`. */
export function storage(max = "16Ti") {
    const limit = parseQuantity(max) ?? Infinity;
    return setting(
        z.string().refine(v => {
            const bytes = parseQuantity(v);
            return bytes !== undefined && bytes > 0 && bytes <= limit && Number.isInteger(bytes);
        }),
        `a Kubernetes storage quantity such as "500M", "256Mi" or "2Gi" (units k, M, G, T or Ki, Mi, Gi, Ti; not "MB" or "GB"), at most ${max}`,
    );
}

/** One of a fixed set of strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, hint = "") {
    return setting(z.enum(values), `one of ${values.join(", ")}${hint}`);
}
