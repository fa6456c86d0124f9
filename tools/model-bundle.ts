/**
 * kubernetes-models' validators of the common kinds, bundled into one CommonJS file.
 *
 * kubernetes-models is ECMAScript modules only, one file per schema: a Deployment's validator
 * imports its spec's, the pod template's, the pod spec's and so on, ~240 files for the ~17 kinds
 * of a plan. Node's ESM loader resolves, reads and links each one, which costs ~250 ms of every
 * plan and check (its compile cache doesn't help: the time is the loader's, not V8's). The same
 * validators bundled by esbuild into one file load in ~50 ms.
 *
 * The bundle holds the kinds in {@link BUNDLED_KINDS}, each behind a function that initializes its
 * modules on first call, so a run pays only for the kinds it validates. It is built on first use
 * (~0.5 s) into `node_modules/.cache/kubelab-models/`, named by a hash of the kinds, of how it is
 * built ({@link BUNDLE_FORMAT}) and of the versions of kubernetes-models, its own packages and
 * esbuild: a change to any of them builds a new one, and `npm ci` empties the folder with the
 * rest of `node_modules`. Writing one removes the folder's other bundles (this module's, by name).
 * Where the bundle can't be built or written, or fails to load, validate.ts imports the
 * validators from kubernetes-models itself, as it does for every kind not bundled: the same
 * code either way, only loaded slower.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/** The kinds bundled, as `<apiVersion>/<kind>`: those the stacks render, and the built-in ones manifests use most. */
export const BUNDLED_KINDS = [
    "v1/ConfigMap", "v1/Secret", "v1/Service", "v1/ServiceAccount", "v1/Namespace", "v1/Pod",
    "v1/PersistentVolumeClaim", "v1/PersistentVolume", "v1/LimitRange", "v1/ResourceQuota",
    "apps/v1/Deployment", "apps/v1/StatefulSet", "apps/v1/DaemonSet", "apps/v1/ReplicaSet",
    "batch/v1/Job", "batch/v1/CronJob",
    "autoscaling/v2/HorizontalPodAutoscaler", "autoscaling/v1/HorizontalPodAutoscaler",
    "policy/v1/PodDisruptionBudget",
    "networking.k8s.io/v1/Ingress", "networking.k8s.io/v1/IngressClass", "networking.k8s.io/v1/NetworkPolicy",
    "rbac.authorization.k8s.io/v1/Role", "rbac.authorization.k8s.io/v1/RoleBinding",
    "rbac.authorization.k8s.io/v1/ClusterRole", "rbac.authorization.k8s.io/v1/ClusterRoleBinding",
    "storage.k8s.io/v1/StorageClass", "scheduling.k8s.io/v1/PriorityClass",
    "admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration",
    "apiextensions.k8s.io/v1/CustomResourceDefinition",
] as const;

/** What the bundle exports: each kind's module (as `import()` of `kubernetes-models/<kind>` gives it), loaded on first call. */
export type ModelLoaders = Readonly<Record<string, () => Promise<Record<string, unknown>>>>;

/** The project root: the folder of the package.json above this file. */
const ROOT = path.resolve(__dirname, "..");

/** Raised whenever {@link build} or {@link entry} changes what the bundle holds, so that an older bundle is not used. */
const BUNDLE_FORMAT = 2;

/** The packages whose versions name the bundle: a reinstall of any builds a new one. */
const VERSIONED = ["kubernetes-models", "@kubernetes-models/base", "@kubernetes-models/validate", "@kubernetes-models/apimachinery", "esbuild"];

/**
 * The cache folder. It is inside node_modules, which `npm ci` empties, and where Node doesn't warn
 * that the validators' `punycode` (a deprecated built-in, which ajv-formats-draft2019 requires)
 * is deprecated, as it doesn't for the package's own files.
 */
export function bundleDir(): string {
    return path.join(ROOT, "node_modules", ".cache", "kubelab-models");
}

/** A package's version, from its package.json as installed beside the project. */
function versionOf(pkg: string): string {
    const file = path.join(ROOT, "node_modules", ...pkg.split("/"), "package.json");
    return String((JSON.parse(fs.readFileSync(file, "utf8")) as { version?: unknown }).version);
}

/** The bundle's file name: a hash of the kinds and the versions it is built from. */
export function bundleName(kinds: readonly string[] = BUNDLED_KINDS): string {
    const key = JSON.stringify({ format: BUNDLE_FORMAT, kinds, versions: VERSIONED.map(p => [p, versionOf(p)]) });
    return `models-${crypto.createHash("sha256").update(key).digest("hex").slice(0, 20)}.cjs`;
}

/** The bundle's source: each kind behind a dynamic import, which esbuild turns into a lazy initializer. */
function entry(kinds: readonly string[]): string {
    return `export const models = {\n${kinds.map(k => `  ${JSON.stringify(k)}: () => import(${JSON.stringify(`kubernetes-models/${k}`)}),`).join("\n")}\n};\n`;
}

/** Builds the bundle's code with esbuild. */
function build(kinds: readonly string[]): string {
    // Loaded here only: a run that finds its bundle never loads esbuild.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require("esbuild") as typeof import("esbuild");
    const result = esbuild.buildSync({
        stdin: { contents: entry(kinds), resolveDir: ROOT, sourcefile: "kubelab-models.mjs", loader: "js" },
        bundle: true, platform: "node", format: "cjs", target: "node22", write: false, logLevel: "silent", legalComments: "none",
        // Minified, a third of the bytes V8 reads and deserializes from its code cache at each start (~35 to ~20 ms); names kept.
        minify: true, keepNames: true,
    });
    return result.outputFiles[0].text;
}

/** Writes `code` as the bundle `file` (atomically), removing the folder's other bundles. */
function write(dir: string, file: string, code: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, file);
    for (const name of fs.readdirSync(dir)) {
        if (/^models-[0-9a-f]{20}\.cjs$/.test(name) && name !== path.basename(file)) {
            fs.rmSync(path.join(dir, name), { force: true });
        }
    }
}

/** {@link BUNDLED_KINDS}, to look a kind up in. */
const BUNDLED: ReadonlySet<string> = new Set(BUNDLED_KINDS);

/**
 * The bundle's loader of `kind` (`<apiVersion>/<kind>`), or undefined for a kind it doesn't hold
 * (without loading it) or when there is no bundle ({@link bundledModels}).
 */
export function bundledModel(kind: string): (() => Promise<Record<string, unknown>>) | undefined {
    return BUNDLED.has(kind) ? bundledModels()?.[kind] : undefined;
}

let loaded: ModelLoaders | null | undefined;

/** The bundled kinds' loaders from the cache folder ({@link loadBundle}), once per process. */
export function bundledModels(): ModelLoaders | null {
    if (loaded === undefined) {
        loaded = loadBundle(bundleDir());
    }
    return loaded;
}

/**
 * The bundled kinds' loaders from the bundle in `dir`, building it first if it isn't there; null
 * where it can't be built, written or loaded (validate.ts then imports every kind itself).
 */
export function loadBundle(dir: string): ModelLoaders | null {
    let file: string;
    try {
        file = path.join(dir, bundleName());
    } catch {
        return null; // a package's version can't be read
    }
    // A bundle that is missing, or that fails to load (damaged), is built again, once.
    for (let attempt = 0; attempt < 2; attempt++) {
        try {
            if (attempt > 0 || !fs.existsSync(file)) {
                write(dir, file, build(BUNDLED_KINDS));
            }
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const models = (require(file) as { models?: unknown }).models;
            if (models && typeof models === "object") {
                return models as ModelLoaders;
            }
        } catch {
            delete require.cache[file];
        }
    }
    return null;
}
