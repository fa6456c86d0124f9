/**
 * Loads a stack's config the way the Pulumi CLI reads it, for running the program offline:
 *
 * - `Pulumi.yaml` gives the project name, `stackConfigDir` and the declared config keys; a key
 *   declared with a `default` gets it when the stack leaves it unset, a declared key without one
 *   must be set, and a value of the wrong declared type is an error (as `pulumi preview` reports it);
 * - `stacks/Pulumi.<stack>.yaml` keys are namespaced (`kubelab:labs`); a key without a namespace
 *   belongs to the project; structured values are handed to the program as JSON;
 * - `secure:` values can't be decrypted without the stack's secrets provider: they become the
 *   placeholder `[secure value of <key>]`, are marked secret, and are listed in `placeholders`.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export interface StackConfig {
    project: string;
    stack: string;
    /** The stack file that was read. */
    file: string;
    /** Full keys to string values, structured values as JSON, as the engine passes them to the program. */
    config: Record<string, string>;
    /** Keys whose values are secret. */
    secretKeys: string[];
    /** Keys whose `secure:` values were replaced by placeholders. */
    placeholders: string[];
}

export class StackConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackConfigError";
    }
}

interface ConfigDeclaration {
    type?: "string" | "integer" | "boolean" | "array";
    items?: { type?: string };
    default?: unknown;
    secret?: boolean;
}

interface ProjectFile {
    name: string;
    stackConfigDir?: string;
    config?: Record<string, ConfigDeclaration | string | number | boolean | unknown[]>;
}

/** Reads Pulumi.yaml in `root`. */
export function readProject(root: string): ProjectFile {
    const file = path.join(root, "Pulumi.yaml");
    const project = parse(fs.readFileSync(file, "utf8")) as ProjectFile;
    if (!project || typeof project.name !== "string") {
        throw new StackConfigError(`${file}: no project name`);
    }
    return project;
}

/** Stack names that have a config file in the project's stack config directory. */
export function listStacks(root: string): string[] {
    const dir = path.join(root, readProject(root).stackConfigDir ?? ".");
    return fs.readdirSync(dir)
        .map(f => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * Reads the config of `stack` as the CLI would hand it to the program, from the project's stack
 * file or from `stackFile` when given.
 */
export function loadStackConfig(root: string, stack: string, stackFile?: string): StackConfig {
    const project = readProject(root);
    const dir = path.join(root, project.stackConfigDir ?? ".");
    const file = stackFile ? path.resolve(stackFile) : path.join(dir, `Pulumi.${stack}.yaml`);
    if (stackFile && !fs.existsSync(file)) {
        throw new StackConfigError(`stack file ${stackFile} does not exist`);
    }
    if (!fs.existsSync(file)) {
        const known = fs.existsSync(dir) ? listStacks(root) : [];
        throw new StackConfigError(`no stack '${stack}': ${path.relative(root, file)} does not exist; stacks: ${known.join(", ") || "(none)"}`);
    }
    let doc: { config?: Record<string, unknown> } | null;
    try {
        doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
    } catch (err) {
        throw new StackConfigError(`${path.relative(root, file)} is not valid YAML: ${(err as Error).message}`);
    }
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const placeholders: string[] = [];
    for (const [rawKey, value] of Object.entries(doc?.config ?? {})) {
        const key = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
        const { value: clean, secure } = stripSecure(key, value, placeholders);
        config[key] = typeof clean === "string" ? clean : JSON.stringify(clean);
        if (secure) {
            secretKeys.push(key);
        }
    }
    // Project-level declarations: defaults and types (namespace-less keys belong to the project).
    for (const [rawKey, decl] of Object.entries(project.config ?? {})) {
        const key = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
        const declaration: ConfigDeclaration = typeof decl === "object" && decl !== null && !Array.isArray(decl)
            ? decl as ConfigDeclaration : { default: decl };
        if (config[key] === undefined) {
            if (declaration.default === undefined) {
                throw new StackConfigError(`Stack '${stack}' is missing configuration value '${key}' (declared in Pulumi.yaml without a default)`);
            }
            config[key] = typeof declaration.default === "string" ? declaration.default : JSON.stringify(declaration.default);
        } else if (declaration.type && !secretKeys.includes(key)) {
            // A secure: value is a placeholder here (it can't be decrypted offline); the CLI checks
            // the decrypted value's type, and so does the program's own validation.
            checkType(key, config[key], declaration, stack);
        }
        if (declaration.secret && config[key] !== undefined && !secretKeys.includes(key)) {
            secretKeys.push(key);
        }
    }
    return { project: project.name, stack, file, config, secretKeys, placeholders };
}

function stripSecure(key: string, value: unknown, placeholders: string[], at = key): { value: unknown; secure: boolean } {
    if (value && typeof value === "object" && !Array.isArray(value)) {
        const entries = Object.entries(value as Record<string, unknown>);
        if (entries.length === 1 && entries[0][0] === "secure") {
            placeholders.push(at);
            return { value: `[secure value of ${at}]`, secure: true };
        }
        let secure = false;
        const out: Record<string, unknown> = {};
        for (const [k, v] of entries) {
            const r = stripSecure(key, v, placeholders, `${at}.${k}`);
            out[k] = r.value;
            secure = secure || r.secure;
        }
        return { value: out, secure };
    }
    if (Array.isArray(value)) {
        let secure = false;
        const out = value.map((v, i) => {
            const r = stripSecure(key, v, placeholders, `${at}[${i}]`);
            secure = secure || r.secure;
            return r.value;
        });
        return { value: out, secure };
    }
    return { value: value === null || value === undefined ? "" : value, secure: false };
}

function checkType(key: string, value: string, decl: ConfigDeclaration, stack: string): void {
    const fail = () => {
        throw new StackConfigError(`Stack '${stack}' with configuration key '${key}' must be of type '${decl.type}'` +
            `${decl.type === "array" && decl.items?.type ? ` of ${decl.items.type}` : ""}; got ${value}`);
    };
    switch (decl.type) {
        case "integer":
            if (!/^-?[0-9]+$/.test(value)) { fail(); }
            break;
        case "boolean":
            if (value !== "true" && value !== "false") { fail(); }
            break;
        case "array": {
            let parsed: unknown;
            try { parsed = JSON.parse(value); } catch { fail(); }
            if (!Array.isArray(parsed)) { fail(); }
            const itemType = decl.items?.type;
            if (itemType && !(parsed as unknown[]).every(v => (itemType === "integer" ? Number.isInteger(v) : typeof v === itemType))) { fail(); }
            break;
        }
        case "string":
            if (value.startsWith("{") || value.startsWith("[")) { fail(); }
            break;
    }
}
