/**
 * How the offline plan writes values it doesn't have into YAML, and how `check` recognises them
 * when it reads that YAML back. A preview doesn't know a new password or an auto-name, and a
 * secret's value is never written: the plan puts a placeholder there and doesn't judge it against
 * the schema. `check` over the plan's output does the same, so both give one verdict.
 *
 * (Kept apart from render.ts so that `check` reads it without loading the Pulumi SDK.)
 */

/** A value unknown until deployed. */
export const UNKNOWN_PLACEHOLDER = "(unknown until deployed)";
/** A secret's value (or every leaf of a secret object). */
export const SECRET_PLACEHOLDER = "(secret)";

/** The JSON paths of placeholders in `value` (a parsed manifest): unknown ones, and secret ones. */
export function placeholderPaths(value: unknown, at = "", found: { unknownPaths: string[]; secretPaths: string[] } = { unknownPaths: [], secretPaths: [] }): { unknownPaths: string[]; secretPaths: string[] } {
    if (value === UNKNOWN_PLACEHOLDER) {
        found.unknownPaths.push(at);
    } else if (value === SECRET_PLACEHOLDER) {
        found.secretPaths.push(at);
    } else if (Array.isArray(value)) {
        value.forEach((v, i) => placeholderPaths(v, `${at}/${i}`, found));
    } else if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
            placeholderPaths(v, `${at}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`, found);
        }
    }
    return found;
}
