// @ts-check
/**
 * Loads the project's TypeScript sources in this process: a `require` hook for `.ts` files (the
 * mechanism ts-node uses) that strips types without checking them, like ts-node's transpile-only
 * mode, and keeps each file's JavaScript in a cache so that later starts don't load the
 * `typescript` package at all (loading it and transpiling every file cost ~1.3 s per start).
 *
 *   node -r ./tools/ts-hook.js tools/plan.ts     (tools/launch.js and .mocharc.js use it)
 *
 * The cache is `node_modules/.cache/kubelab-ts/` (KUBELAB_TS_CACHE names another folder). Each
 * entry is named by the SHA-256 of everything its output depends on: the file's path and text,
 * the TypeScript version, the compiler options and this hook's FORMAT; a changed source gets a
 * new name, so an entry is never stale. An entry read is marked as used (its modification time,
 * at most daily); entries unused for 30 days (mostly those of sources since changed or deleted)
 * are removed when a new entry is written. If the folder can't be created or written, the hook
 * transpiles in memory on every start instead.
 *
 * Types are not checked here: `npm run typecheck` does that. Syntax errors fail the require with
 * the file, line and message. Files under node_modules are left to Node (no package ships .ts
 * to be required). The output carries an inline source map, and stack traces name the .ts lines
 * (see prepareStackTrace below).
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const Module = require("module");

/** Changes whenever the hook's output for the same input changes (invalidates every entry). */
const FORMAT = 1;

/**
 * The emit-relevant options of ../tsconfig.json, in tsconfig.json's spelling (the policy pack's
 * own tsconfig targets ES2020, but ts-node transpiled it with these before as well, and Node 22
 * runs ES2022). Type-checking options don't change what transpiling emits.
 */
const COMPILER_OPTIONS = Object.freeze({
    module: "commonjs",
    target: "es2022",
    esModuleInterop: true,
    strict: true,
    inlineSourceMap: true,
    inlineSources: true,
});

const root = path.resolve(__dirname, "..");
const cacheDir = process.env.KUBELAB_TS_CACHE ? path.resolve(process.env.KUBELAB_TS_CACHE) : path.join(root, "node_modules", ".cache", "kubelab-ts");
const nodeModules = `${path.sep}node_modules${path.sep}`;

/** @typedef {{ exports: unknown, _compile(code: string, filename: string): void }} CompiledModule */
/** @typedef {(module: CompiledModule, filename: string) => void} Loader */

/** The require.extensions table (deprecated for users, but the supported way to add a loader). */
const extensions = /** @type {Record<string, Loader | undefined>} */ (/** @type {unknown} */ (Module._extensions));

/** What this process did, for tests and for curiosity (KUBELAB_TS_HOOK_DEBUG=1 prints it at exit). */
const stats = { hits: 0, transpiled: 0, pruned: 0, cacheWritable: /** @type {boolean | undefined} */ (undefined) };

/** @type {string | undefined} */
let tsVersion;
/** Version of the typescript package that transpiles, read from its package.json (cheap, unlike loading it). */
function typescriptVersion() {
    if (tsVersion === undefined) {
        const pkg = JSON.parse(fs.readFileSync(require.resolve("typescript/package.json"), "utf8"));
        tsVersion = String(pkg.version);
    }
    return tsVersion;
}

/**
 * The cache name of `filename`'s output for `source`.
 * @param {string} filename
 * @param {string} source
 */
function cacheKey(filename, source) {
    return crypto.createHash("sha256")
        .update(JSON.stringify({ format: FORMAT, typescript: typescriptVersion(), options: COMPILER_OPTIONS, filename }))
        .update("\0")
        .update(source)
        .digest("hex");
}

/**
 * JavaScript for `source`; throws naming the file, line and message on a syntax error.
 * @param {string} filename
 * @param {string} source
 */
function transpile(filename, source) {
    /** @type {typeof import("typescript")} */
    const ts = require("typescript");
    const converted = ts.convertCompilerOptionsFromJson(COMPILER_OPTIONS, root);
    const result = ts.transpileModule(source, { compilerOptions: converted.options, fileName: filename, reportDiagnostics: true });
    const errors = [...converted.errors, ...(result.diagnostics ?? [])].filter(d => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) {
        const lines = errors.map(d => {
            const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
            if (d.file && d.start !== undefined) {
                const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
                return `${d.file.fileName}:${line + 1}:${character + 1} - error TS${d.code}: ${message}`;
            }
            return `error TS${d.code}: ${message}`;
        });
        throw new Error(`cannot load ${filename}: TypeScript syntax error${errors.length > 1 ? "s" : ""}:\n${lines.join("\n")}`);
    }
    stats.transpiled++;
    return result.outputText;
}

/** Whether the cache folder exists or could be made (asked once per process). */
function cacheUsable() {
    if (stats.cacheWritable === undefined) {
        try {
            fs.mkdirSync(cacheDir, { recursive: true });
            fs.accessSync(cacheDir, fs.constants.W_OK);
            stats.cacheWritable = true;
        } catch {
            stats.cacheWritable = false;
        }
    }
    return stats.cacheWritable;
}

/**
 * Stores `code` as `file`: written beside it under a unique name, then renamed over it, so that a
 * concurrent reader (parallel test processes) sees the whole entry or none. Failures are ignored.
 * @param {string} file
 * @param {string} code
 */
function store(file, code) {
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
    try {
        fs.writeFileSync(tmp, code);
        fs.renameSync(tmp, file);
    } catch {
        stats.cacheWritable = false;
        try {
            fs.rmSync(tmp, { force: true });
        } catch {
            // nothing more to do: the entry is simply not cached
        }
    }
}

/**
 * JavaScript for the TypeScript file `filename`, from the cache when it holds this source's output.
 * @param {string} filename
 */
function compiled(filename) {
    const source = fs.readFileSync(filename, "utf8");
    const entry = cacheUsable() ? path.join(cacheDir, `${cacheKey(filename, source)}.js`) : undefined;
    if (entry) {
        try {
            const code = fs.readFileSync(entry, "utf8");
            stats.hits++;
            touch(entry);
            return code;
        } catch {
            // not cached yet
        }
    }
    const code = transpile(filename, source);
    if (entry) {
        store(entry, code);
        prune();
    }
    return code;
}

/** How long an entry may go unused before a later write removes it. */
const UNUSED_DAYS = 30;
/** The name of an entry: the hex SHA-256 of its inputs. Nothing else in the folder is ever removed. */
const ENTRY_NAME = /^[0-9a-f]{64}\.js$/;

/**
 * Marks `entry` as used now (its modification time), so that {@link prune} keeps it; an entry is
 * touched at most once a day. Failures are ignored.
 * @param {string} entry
 */
function touch(entry) {
    try {
        const now = Date.now();
        if (now - fs.statSync(entry).mtimeMs > 24 * 3600 * 1000) {
            fs.utimesSync(entry, new Date(now), new Date(now));
        }
    } catch {
        // an entry that can't be touched may be pruned and transpiled again: no harm
    }
}

let pruned = false;

/**
 * Removes the entries unused for {@link UNUSED_DAYS} days (those of sources since changed or
 * deleted, mostly), once per process and only after writing a new entry, so that the cache
 * doesn't grow with every edit. A removed entry still needed is transpiled again; a process
 * reading one at that moment transpiles instead. Failures are ignored.
 */
function prune() {
    if (pruned) {
        return;
    }
    pruned = true;
    const cutoff = Date.now() - UNUSED_DAYS * 24 * 3600 * 1000;
    try {
        for (const name of fs.readdirSync(cacheDir)) {
            if (!ENTRY_NAME.test(name)) {
                continue;
            }
            const file = path.join(cacheDir, name);
            try {
                if (fs.statSync(file).mtimeMs < cutoff) {
                    fs.rmSync(file, { force: true });
                    stats.pruned++;
                }
            } catch {
                // gone already, or not ours to remove
            }
        }
    } catch {
        // no folder to read: nothing to prune
    }
}

/**
 * The files this hook compiled, each with its JavaScript until a stack frame in it needs mapping,
 * then with its parsed source map (or null if it has none).
 * @type {Map<string, string | import("module").SourceMap | null>}
 */
const sourceMaps = new Map();

const INLINE_MAP = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;

/**
 * The source map of `filename`, if this hook compiled it.
 * @param {string} filename
 */
function sourceMapOf(filename) {
    const entry = sourceMaps.get(filename);
    if (typeof entry !== "string") {
        return entry;
    }
    let map = null;
    const match = INLINE_MAP.exec(entry);
    if (match) {
        try {
            map = new Module.SourceMap(JSON.parse(Buffer.from(match[1], "base64").toString("utf8")));
        } catch {
            map = null;
        }
    }
    sourceMaps.set(filename, map);
    return map;
}

/**
 * One frame as V8 prints it, at the TypeScript line and column when it lies in a file this hook compiled.
 * @param {NodeJS.CallSite} frame
 */
function formatFrame(frame) {
    const text = frame.toString();
    const file = frame.getFileName();
    if (!file || !sourceMaps.has(file)) {
        return text; // most frames: the SDKs' and Node's own
    }
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    if (line === null || column === null) {
        return text;
    }
    const entry = sourceMapOf(file)?.findEntry(line - 1, column - 1);
    if (!entry || !("originalLine" in entry)) {
        return text;
    }
    const generated = `${file}:${line}:${column}`;
    const at = text.lastIndexOf(generated);
    return at < 0 ? text : `${text.slice(0, at)}${file}:${entry.originalLine + 1}:${entry.originalColumn + 1}${text.slice(at + generated.length)}`;
}

/**
 * V8's format of a stack: the error's own string, then a line per frame.
 * @param {string} head
 * @param {NodeJS.CallSite[]} frames
 */
function formatStack(head, frames) {
    let stack = head;
    for (const frame of frames) {
        stack += `\n    at ${formatFrame(frame)}`;
    }
    return stack;
}

/**
 * Error.prepareStackTrace: V8's format (the error's own string, then a line per frame).
 * @param {Error} error
 * @param {NodeJS.CallSite[]} frames
 */
function prepareStackTrace(error, frames) {
    let head;
    try {
        head = Error.prototype.toString.call(error);
    } catch {
        head = "Error";
    }
    return formatStack(head, frames);
}

const previous = extensions[".ts"];
/** @type {Loader & { kubelabTsHook?: true }} */
const loadTypeScript = (module, filename) => {
    if (filename.includes(nodeModules)) {
        (previous ?? /** @type {Loader} */ (extensions[".js"]))(module, filename);
        return;
    }
    const code = compiled(filename);
    sourceMaps.set(filename, code);
    module._compile(code, filename);
};
loadTypeScript.kubelabTsHook = true;

if (!(/** @type {{ kubelabTsHook?: true } | undefined} */ (previous))?.kubelabTsHook) {
    extensions[".ts"] = loadTypeScript;
    // Stack traces name the .ts lines of the project's own files. Node's source-map support
    // (process.setSourceMapsEnabled, module.setSourceMapsSupport) would do it too, but it looks
    // every frame's file up by URL, and the Pulumi SDK reads a stack trace for each resource it
    // makes: that cost ~0.25 s of a cloud stack's plan. This formats frames as V8
    // does and maps only the frames in files this hook compiled, from their inline maps, parsed
    // on first use (the file:line Node prints above an uncaught error's stack still counts
    // JavaScript lines). Node's own Error.prepareStackTrace (Node 22 defines one) is replaced; one a
    // program set itself before this hook loaded is kept.
    if (Error.prepareStackTrace === undefined || Error.prepareStackTrace.name === "ErrorPrepareStackTrace") {
        Error.prepareStackTrace = prepareStackTrace;
    }
    if (process.env.KUBELAB_TS_HOOK_DEBUG) {
        process.on("exit", () => process.stderr.write(`ts-hook: ${JSON.stringify({ ...stats, cacheDir, typescriptLoaded: Object.keys(require.cache).some(k => k.includes(`${nodeModules}typescript${path.sep}`)) })}\n`));
    }
}

/** Folders under the project root that hold no sources of ours (hidden folders neither). */
const NOT_SOURCES = new Set(["node_modules", "out"]);

/**
 * The project's TypeScript files (not declaration files), found by walking the root.
 * @param {string} [dir]
 * @returns {string[]}
 */
function projectSources(dir = root) {
    /** @type {string[]} */
    const files = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory() && !NOT_SOURCES.has(entry.name) && !entry.name.startsWith(".")) {
            files.push(...projectSources(file));
        } else if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
            files.push(file);
        }
    }
    return files;
}

/**
 * Of `files`, those whose current output is not in the cache.
 * @param {string[]} files
 */
function uncached(files) {
    if (!cacheUsable()) {
        return [];
    }
    return files.filter(file => !fs.existsSync(path.join(cacheDir, `${cacheKey(file, fs.readFileSync(file, "utf8"))}.js`)));
}

/**
 * Fills the cache with the output of every file in `files` it lacks, before many processes start
 * at once (the parallel test workers and the commands the tests run): each of them would
 * otherwise load typescript and transpile the same files itself, which on a fresh clone cost
 * `npm test` ~15 s. With many files missing, a second process takes half of them (before the
 * workers start, a second core is idle). A file with a syntax error is left uncached: the
 * require that needs it reports the error. Returns how many files were missing.
 * @param {string[]} [files]
 */
async function warmCache(files = projectSources()) {
    const missing = uncached(files);
    const SPLIT_FROM = 20;
    const half = missing.length >= SPLIT_FROM ? missing.splice(0, Math.floor(missing.length / 2)) : [];
    const helper = half.length ? new Promise(resolve => {
        require("child_process").spawn(process.execPath, [__filename, "--warm", ...half], { stdio: "inherit" })
            .on("error", () => resolve(undefined)).on("exit", resolve);
    }) : undefined;
    compileEach(missing);
    await helper;
    return missing.length + half.length;
}

/**
 * Puts the output of each of `files` in the cache, skipping files that fail.
 * @param {string[]} files
 */
function compileEach(files) {
    for (const file of files) {
        try {
            compiled(file);
        } catch {
            // a syntax error: reported by the require that needs the file
        }
    }
}

if (require.main === module && process.argv[2] === "--warm") {
    compileEach(process.argv.slice(3));
}

module.exports = { COMPILER_OPTIONS, FORMAT, cacheDir, cacheKey, stats, projectSources, warmCache };
