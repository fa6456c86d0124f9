/**
 * Validates rendered objects against the Kubernetes OpenAPI schemas, through `kubernetes-models`
 * (ESM-only, so loaded with a dynamic import). Values unknown until deployment are placeholders
 * in the rendered object; errors at their paths are not failures of the program.
 */
import type { RenderedObject } from "./render";

export interface SchemaFailure {
    /** `Deployment smilr/data-api` */
    object: string;
    urn?: string;
    /** What is wrong, with JSON paths. */
    errors: string[];
}

interface Model { validate(): void }
type ModelClass = new (data: object) => Model;
interface AjvError { instancePath?: string; message?: string; params?: Record<string, unknown> }

const modules = new Map<string, Promise<Record<string, unknown> | undefined>>();
const KIND = /^[A-Z][A-Za-z0-9]*$/;

// `import()` kept as written: TypeScript's CommonJS output would turn it into `require`, which can't load ESM.
const dynamicImport = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<Record<string, unknown>>;

async function modelFor(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
    if (!/^[a-z0-9.]+\/[a-z0-9]+$|^v[0-9a-z]+$/.test(apiVersion)) {
        return undefined;
    }
    if (!KIND.test(kind)) {
        return undefined;
    }
    // One module per kind: loading a whole API group's validators costs three times as long.
    const specifier = `kubernetes-models/${apiVersion}/${kind}`;
    let loading = modules.get(specifier);
    if (!loading) {
        loading = dynamicImport(specifier).catch(() => undefined);
        modules.set(specifier, loading);
    }
    const mod = await loading;
    const model = mod?.[kind];
    return typeof model === "function" ? model as ModelClass : undefined;
}

/** The errors of one object ([] when valid); an unknown apiVersion/kind is an error too. */
export async function validateObject(o: Pick<RenderedObject, "apiVersion" | "kind" | "object" | "unknownPaths">): Promise<string[]> {
    const Model = await modelFor(o.apiVersion, o.kind);
    if (!Model) {
        return [`unknown kind ${o.kind} in apiVersion ${o.apiVersion} (not in the Kubernetes API this project validates against)`];
    }
    try {
        new Model(o.object).validate();
        return [];
    } catch (err) {
        const errors = ((err as { errors?: AjvError[] }).errors ?? [{ message: (err as Error).message }])
            .filter(e => !o.unknownPaths.some(p => e.instancePath === p || e.instancePath?.startsWith(`${p}/`)));
        return errors.map(e => `${e.instancePath || "/"} ${e.message ?? "is invalid"}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`);
    }
}

/** Every object's failures; objects that pass are left out. */
export async function validateObjects(objects: RenderedObject[]): Promise<SchemaFailure[]> {
    const failures: SchemaFailure[] = [];
    for (const o of objects) {
        const errors = await validateObject(o);
        if (errors.length) {
            failures.push({ object: `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`, urn: o.urn, errors: [...new Set(errors)] });
        }
    }
    return failures;
}
