/**
 * Which policy config a stack is checked with, chosen the same way by `npm run plan` and
 * `npm run check`:
 *
 * 1. an explicit file (`--policy-config FILE`, in `pulumi preview --policy-pack-config` format)
 *    wins, and must exist;
 * 2. else the stack's own `policy/config/<stack>.json` (a fully qualified stack `org/project/aks`
 *    uses its last part), if the project has one;
 * 3. else no file: every policy runs with its schema's defaults and its own enforcement level,
 *    exactly as `pulumi preview --policy-pack policy` without `--policy-pack-config` would.
 *
 * The result names the file it read (an absolute path), so that the commands can say which one
 * they used. Errors are one line naming the file and what is wrong with it.
 */
import * as fs from "fs";
import * as path from "path";
import type { PolicyPackConfigFile } from "./policy-harness";

/** The project root (this file lives in `<root>/tools`). */
const ROOT = path.resolve(__dirname, "..");

/** Where a stack's policy config lives: `<root>/policy/config/<stack>.json`. */
export const POLICY_CONFIG_DIR = path.join(ROOT, "policy", "config");

export class PolicyConfigFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PolicyConfigFileError";
    }
}

/**
 * Picks and reads the policy config for `stack`, or the explicit `file` (which overrides the
 * stack's). Returns `{ config: {} }` without `file` when neither applies.
 */
export function pickPolicyConfig(opts: { stack?: string; file?: string }): { file?: string; config: PolicyPackConfigFile } {
    if (opts.file !== undefined) {
        if (opts.file === "") {
            throw new PolicyConfigFileError("--policy-config needs a file name");
        }
        const file = path.resolve(opts.file);
        if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
            throw new PolicyConfigFileError(`policy config ${opts.file} does not exist (or is not a file)`);
        }
        return { file, config: readConfigFile(file) };
    }
    if (opts.stack === undefined) {
        return { config: {} };
    }
    const parts = opts.stack.split("/");
    if (parts.length > 3 || parts.some(p => !/^[A-Za-z0-9_.-]+$/.test(p) || /^\.+$/.test(p))) {
        throw new PolicyConfigFileError(`stack ${JSON.stringify(opts.stack)} is not a stack name (NAME or ORG/PROJECT/NAME of letters, digits, '-', '_' and '.')`);
    }
    const name = parts[parts.length - 1];
    const file = path.join(POLICY_CONFIG_DIR, `${name}.json`);
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
        return { config: {} };
    }
    return { file, config: readConfigFile(file) };
}

function readConfigFile(file: string): PolicyPackConfigFile {
    const shown = displayPath(file);
    let value: unknown;
    try {
        value = JSON.parse(fs.readFileSync(file, "utf8").replace(/^\uFEFF/, ""));
    } catch (err) {
        throw new PolicyConfigFileError(`policy config ${shown} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new PolicyConfigFileError(`policy config ${shown} must be a JSON object whose keys are policy names (or "all"), got ${Array.isArray(value) ? "an array" : JSON.stringify(value)}`);
    }
    return value as PolicyPackConfigFile;
}

/** A file as the commands print it: relative to the working folder when inside it, else absolute. */
export function displayPath(file: string): string {
    const rel = path.relative(process.cwd(), file);
    return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/** What the commands print for the choice: the file, or that the schemas' defaults apply. */
export function describePolicyConfig(file: string | undefined): string {
    return file ? displayPath(file) : "none (every policy's schema defaults and own enforcement level)";
}
