/**
 * Reading stack config with errors a user can act on.
 *
 * Every reader names the full key (`kubelab:smilr.replicas`), the value it got and what is
 * allowed, and throws a {@link ConfigError} before any resource is registered. `ConfigError`
 * extends `pulumi.RunError`, so the Pulumi CLI prints the message without a stack trace.
 */
import * as pulumi from "@pulumi/pulumi";
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
        super(`missing required config ${key}: set it to ${allowed} (pulumi config set ${key.replace(/\..*$/, "")} …)`);
        this.name = "MissingConfigError";
    }
}

function describe(value: unknown): string {
    return value === undefined ? "(unset)" : JSON.stringify(value);
}

/** Values a {@link Section} can read: plain JSON. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * One object of settings, either the project's top-level keys or a structured key such as
 * `kubelab:smilr`. Each `read` removes the key from the set of unread ones so that {@link done}
 * can reject keys nobody reads (typos would otherwise be silently ignored).
 */
export class Section {
    private readonly unread: Set<string>;

    constructor(private readonly prefix: string, private readonly values: Record<string, unknown>) {
        this.unread = new Set(Object.keys(values));
    }

    /** Full name of a key, as a user writes it in the stack file. */
    key(name: string): string {
        return `${this.prefix}${name}`;
    }

    private take(name: string): unknown {
        this.unread.delete(name);
        const value = this.values[name];
        return value === null ? undefined : value;
    }

    /** A whole number within [min, max]. */
    int(name: string, fallback: number, min: number, max: number): number {
        const value = this.take(name);
        if (value === undefined) {
            return fallback;
        }
        const n = typeof value === "string" && /^-?[0-9]+$/.test(value.trim()) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
            throw new ConfigError(this.key(name), value, `a whole number from ${min} to ${max}`);
        }
        return n;
    }

    /** true or false (the strings "true"/"false" too, as `pulumi config set` stores them). */
    bool(name: string, fallback: boolean): boolean {
        const value = this.take(name);
        if (value === undefined) {
            return fallback;
        }
        if (value === true || value === "true") {
            return true;
        }
        if (value === false || value === "false") {
            return false;
        }
        throw new ConfigError(this.key(name), value, "true or false");
    }

    /** A string; `pattern` with its description restricts it. */
    string(name: string, fallback: string, pattern?: { re: RegExp; allowed: string }): string {
        const value = this.take(name);
        if (value === undefined) {
            return fallback;
        }
        if (typeof value !== "string" || (pattern && !pattern.re.test(value))) {
            throw new ConfigError(this.key(name), value, pattern?.allowed ?? "a string");
        }
        return value;
    }

    /** A string that must be set. */
    requiredString(name: string, allowed: string, pattern?: RegExp): string {
        const value = this.take(name);
        if (value === undefined || value === "") {
            throw new MissingConfigError(this.key(name), allowed);
        }
        if (typeof value !== "string" || (pattern && !pattern.test(value))) {
            throw new ConfigError(this.key(name), value, allowed);
        }
        return value;
    }

    /** One of a fixed set of strings. */
    oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
        const value = this.take(name);
        if (value === undefined && fallback !== undefined) {
            return fallback;
        }
        if (value === undefined) {
            throw new MissingConfigError(this.key(name), `one of ${allowed.join(", ")}`);
        }
        if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
            throw new ConfigError(this.key(name), value, `one of ${allowed.join(", ")}`);
        }
        return value as T;
    }

    /** A list of strings, each one of `allowed`, without repeats. */
    listOf<T extends string>(name: string, allowed: readonly T[]): T[] {
        const value = this.take(name) ?? [];
        const what = `a list of lab names from: ${allowed.join(", ")}`;
        if (!Array.isArray(value)) {
            throw new ConfigError(this.key(name), value, what);
        }
        for (const item of value) {
            if (typeof item !== "string" || !(allowed as readonly string[]).includes(item)) {
                throw new ConfigError(this.key(name), item, `one of ${allowed.join(", ")}`);
            }
        }
        return [...new Set(value as T[])];
    }

    /** A Kubernetes quantity for storage (e.g. "500M", "2Gi"), positive, at most `max`. */
    storage(name: string, fallback: string, max = "16Ti"): string {
        const value = this.take(name);
        if (value === undefined) {
            return fallback;
        }
        const bytes = parseQuantity(value);
        const limit = parseQuantity(max) ?? Infinity;
        if (typeof value !== "string" || bytes === undefined || bytes <= 0 || bytes > limit || !Number.isInteger(bytes)) {
            throw new ConfigError(this.key(name), value,
                `a Kubernetes storage quantity such as "500M", "256Mi" or "2Gi" (units k, M, G, T or Ki, Mi, Gi, Ti; not "MB" or "GB"), at most ${max}`);
        }
        return value;
    }

    /** A map of string to string. */
    stringMap(name: string): Record<string, string> {
        const value = this.take(name);
        if (value === undefined) {
            return {};
        }
        if (typeof value !== "object" || Array.isArray(value) || Object.values(value as object).some(v => typeof v !== "string")) {
            throw new ConfigError(this.key(name), value, "a map of names to strings");
        }
        return value as Record<string, string>;
    }

    /** A nested object, read as its own section (`kubelab:smilr` → keys `kubelab:smilr.replicas` …). */
    section(name: string): Section {
        const value = this.take(name);
        if (value === undefined) {
            return new Section(`${this.key(name)}.`, {});
        }
        if (typeof value !== "object" || Array.isArray(value)) {
            throw new ConfigError(this.key(name), value, "an object of settings");
        }
        return new Section(`${this.key(name)}.`, value as Record<string, unknown>);
    }

    /** Rejects the keys nobody read; `known` lists what is allowed, for the message. */
    done(known: readonly string[]): void {
        for (const name of this.unread) {
            throw new ConfigError(this.key(name), this.values[name], `no such setting; known settings here: ${known.join(", ")}`);
        }
    }
}

/**
 * The project's own config (`kubelab:*`) as one {@link Section}. Structured values arrive as
 * JSON strings from the Pulumi engine; they are parsed here once.
 */
export function projectConfig(): Section {
    const project = pulumi.getProject();
    const values: Record<string, unknown> = {};
    const all = pulumi.runtime.allConfig();
    for (const [fullKey, raw] of Object.entries(all)) {
        const [ns, ...rest] = fullKey.split(":");
        if (ns !== project || rest.length === 0) {
            continue;
        }
        values[rest.join(":")] = parseJson(raw);
    }
    return new Section(`${project}:`, values);
}

function parseJson(raw: string): unknown {
    const trimmed = raw.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
        try {
            return JSON.parse(trimmed);
        } catch {
            return raw;
        }
    }
    return raw;
}
