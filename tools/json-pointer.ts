/**
 * JSON pointers (RFC 6901) into plain objects, as validation names the paths it reports
 * (`/metadata/labels/app.kubernetes.io~1name`), and the plain-object test that walking them needs.
 * validate.ts and object-meta.ts both use these.
 */

/** Whether `v` is a plain object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The keys of a JSON pointer, unescaped: `/metadata/annotations/a~1b` → metadata, annotations, a/b. */
export function pointerKeys(pointer: string): string[] {
    return pointer ? pointer.slice(1).split("/").map(s => s.replace(/~1/g, "/").replace(/~0/g, "~")) : [];
}

/** One key as a JSON pointer segment: `a/b` → `a~1b`. */
export function escapePointer(key: string): string {
    return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** The value at a JSON pointer (`/spec/ports/0/protocol`), or undefined. */
export function valueAt(root: unknown, pointer: string): unknown {
    let at: unknown = root;
    for (const part of pointerKeys(pointer)) {
        if (typeof at !== "object" || at === null) {
            return undefined;
        }
        at = (at as Record<string, unknown>)[part];
    }
    return at;
}
