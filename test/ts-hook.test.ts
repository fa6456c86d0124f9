/**
 * tools/ts-hook.js, the require hook that loads the TypeScript sources for the offline commands
 * and the tests: cached output is reused without loading typescript, a changed source is never
 * served stale, syntax errors name file and line, and an unusable cache folder only costs time.
 * Each case runs in its own node process with its own cache folder (KUBELAB_TS_CACHE).
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const HOOK = path.join(ROOT, "tools", "ts-hook.js");

interface Run {
    status: number | null;
    stderr: string;
    /** What the child printed: the loaded module's exports and the hook's counters. */
    report?: { exports: unknown; hits: number; transpiled: number; pruned: number; cacheWritable: boolean; typescriptLoaded: boolean };
}

/** Requires `file` in a fresh node process with the hook and `cache` as its cache folder. */
function load(file: string, cache: string): Run {
    const script = `
        const hook = require(${JSON.stringify(HOOK)});
        const exported = require(${JSON.stringify(file)});
        const typescriptLoaded = Object.keys(require.cache).some(k => /[\\\\/]node_modules[\\\\/]typescript[\\\\/]/.test(k));
        console.log(JSON.stringify({ exports: exported, ...hook.stats, typescriptLoaded }));`;
    const env: NodeJS.ProcessEnv = { ...process.env, KUBELAB_TS_CACHE: cache };
    delete env.KUBELAB_TS_HOOK_DEBUG;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, env, encoding: "utf8" });
    const last = r.stdout.trim().split("\n").pop();
    return { status: r.status, stderr: r.stderr, report: r.status === 0 && last ? JSON.parse(last) : undefined };
}

describe("ts-hook (tools/ts-hook.js)", function () {
    this.timeout(60000);
    let tmp: string;
    let cache: string;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-ts-hook-"));
        cache = path.join(tmp, "cache");
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("transpiles on the first load, and on the next reuses the cached output without loading typescript", () => {
        const file = path.join(tmp, "tiny.ts");
        fs.writeFileSync(file, `const n: number = 41;\nexport const answer = n + 1;\n`);
        const first = load(file, cache);
        assert.strictEqual(first.status, 0, first.stderr);
        assert.deepStrictEqual(first.report, { exports: { answer: 42 }, hits: 0, transpiled: 1, pruned: 0, cacheWritable: true, typescriptLoaded: true });
        const entries = fs.readdirSync(cache);
        assert.strictEqual(entries.length, 1);
        assert.match(entries[0], /^[0-9a-f]{64}\.js$/);

        const second = load(file, cache);
        assert.strictEqual(second.status, 0, second.stderr);
        assert.deepStrictEqual(second.report, { exports: { answer: 42 }, hits: 1, transpiled: 0, pruned: 0, cacheWritable: true, typescriptLoaded: false });
    });

    it("gives a changed source a new cache entry, so its old output is never served", () => {
        const file = path.join(tmp, "changing.ts");
        fs.writeFileSync(file, `export const version: string = "one";\n`);
        assert.deepStrictEqual(load(file, cache).report?.exports, { version: "one" });
        // Same length and same modification second: only the content tells them apart.
        fs.writeFileSync(file, `export const version: string = "two";\n`);
        const changed = load(file, cache);
        assert.strictEqual(changed.status, 0, changed.stderr);
        assert.deepStrictEqual(changed.report, { exports: { version: "two" }, hits: 0, transpiled: 1, pruned: 0, cacheWritable: true, typescriptLoaded: true });
        assert.strictEqual(fs.readdirSync(cache).length, 2);
    });

    it("marks an entry it reads as used, and on its next write removes entries unused for 30 days, only its own", () => {
        const used = path.join(tmp, "used.ts");
        fs.writeFileSync(used, `export const used = true;\n`);
        assert.strictEqual(load(used, cache).status, 0);
        const [usedEntry] = fs.readdirSync(cache);
        const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000);
        // An entry of a source long since changed, one read 40 days ago, and a file the hook did not write.
        const stale = path.join(cache, `${"ab".repeat(32)}.js`);
        const foreign = path.join(cache, "notes.txt");
        fs.writeFileSync(stale, "// old\n");
        fs.writeFileSync(foreign, "mine\n");
        for (const f of [stale, foreign, path.join(cache, usedEntry)]) {
            fs.utimesSync(f, daysAgo(40), daysAgo(40));
        }
        // A read marks the used entry; then a new file's write prunes what is still old.
        const read = load(used, cache);
        assert.deepStrictEqual([read.report?.hits, read.report?.pruned], [1, 0]);
        const fresh = path.join(tmp, "fresh.ts");
        fs.writeFileSync(fresh, `export const fresh = 1;\n`);
        const written = load(fresh, cache);
        assert.deepStrictEqual([written.report?.transpiled, written.report?.pruned], [1, 1]);
        assert.deepStrictEqual(fs.readdirSync(cache).filter(n => n !== usedEntry).length, 2, "the fresh entry and notes.txt");
        assert.ok(!fs.existsSync(stale), "the stale entry is gone");
        assert.ok(fs.existsSync(foreign) && fs.existsSync(path.join(cache, usedEntry)));
    });

    it("fails a source with a syntax error, naming the file, line and message (and caches nothing)", () => {
        const file = path.join(tmp, "broken.ts");
        fs.writeFileSync(file, `export const a = 1;\n\nexport const b: number = ;\n`);
        const r = load(file, cache);
        assert.notStrictEqual(r.status, 0);
        assert.match(r.stderr, new RegExp(`cannot load ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: TypeScript syntax error`));
        assert.match(r.stderr, /broken\.ts:3:\d+ - error TS1109: Expression expected\./);
        assert.deepStrictEqual(fs.readdirSync(cache), []);
    });

    it("works without a cache when its folder can't be created", () => {
        const file = path.join(tmp, "tiny.ts");
        fs.writeFileSync(file, `export = { ok: true as boolean };\n`);
        const blocker = path.join(tmp, "a-file");
        fs.writeFileSync(blocker, "");
        for (let i = 0; i < 2; i++) {
            const r = load(file, path.join(blocker, "cache"));
            assert.strictEqual(r.status, 0, r.stderr);
            assert.deepStrictEqual(r.report, { exports: { ok: true }, hits: 0, transpiled: 1, pruned: 0, cacheWritable: false, typescriptLoaded: true });
        }
    });

    it("loads the module forms the sources use: export =, import = require, default imports with esModuleInterop, JSON", () => {
        fs.writeFileSync(path.join(tmp, "data.json"), JSON.stringify({ name: "lab" }));
        fs.writeFileSync(path.join(tmp, "fn.ts"), `export = (x: number): number => x * 2;\n`);
        const file = path.join(tmp, "main.ts");
        fs.writeFileSync(file, [
            `import double = require("./fn");`,
            `import data from "./data.json";`,
            `import path from "path";`,
            `import * as fs from "fs";`,
            `export const results = [double(21), data.name, path.basename("/a/b.ts"), typeof fs.readFileSync];`,
        ].join("\n"));
        for (let i = 0; i < 2; i++) {
            const r = load(file, cache);
            assert.strictEqual(r.status, 0, r.stderr);
            assert.deepStrictEqual(r.report?.exports, { results: [42, "lab", "b.ts", "function"] });
        }
    });

    it("points stack traces at the TypeScript lines, from cached output too", () => {
        const file = path.join(tmp, "throws.ts");
        // Types and an interface the output drops: JavaScript lines differ from these.
        fs.writeFileSync(file, [
            `interface Shape {`,
            `    sides: number;`,
            `}`,
            `type Name = string;`,
            `const label: Name = "x";`,
            `export function fail(s: Shape): never {`,
            `    throw new Error(label + s.sides);`,
            `}`,
            `fail({ sides: 3 });`,
        ].join("\n"));
        for (let i = 0; i < 2; i++) {
            const r = load(file, cache);
            assert.notStrictEqual(r.status, 0);
            assert.match(r.stderr, /throws\.ts:7:11/);
        }
    });

    it("fills the cache ahead for many files, half of them in a second process, and leaves a broken file to its require", () => {
        const files = Array.from({ length: 24 }, (_, i) => {
            const file = path.join(tmp, `m${i}.ts`);
            fs.writeFileSync(file, `export const n: number = ${i};\n`);
            return file;
        });
        const broken = path.join(tmp, "broken.ts");
        fs.writeFileSync(broken, `export const b: number = ;\n`);
        const script = `
            const hook = require(${JSON.stringify(HOOK)});
            const files = ${JSON.stringify([...files, broken])};
            hook.warmCache(files).then(async first => {
                const second = await hook.warmCache(files);
                console.log(JSON.stringify({ first, second, transpiledHere: hook.stats.transpiled }));
            });`;
        const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, env: { ...process.env, KUBELAB_TS_CACHE: cache }, encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        const seen = JSON.parse(r.stdout.trim().split("\n").pop()!) as { first: number; second: number; transpiledHere: number };
        // 25 missing; the second process took 12 of them, this one the other 12 (the broken one fails here).
        assert.deepStrictEqual(seen, { first: 25, second: 1, transpiledHere: 12 });
        assert.strictEqual(fs.readdirSync(cache).filter(n => n.endsWith(".js")).length, 24, "every good file cached, the broken one not");
        // Each cached entry is the one a require looks up.
        const loaded = load(files[7], cache);
        assert.deepStrictEqual([loaded.report?.exports, loaded.report?.hits, loaded.report?.transpiled], [{ n: 7 }, 1, 0]);
    });

    it("formats every stack trace when it is read, as V8 does, with the frames of compiled files at their TypeScript lines", () => {
        const file = path.join(tmp, "leaky.ts");
        // Types first, so that the TypeScript lines differ from the JavaScript ones.
        fs.writeFileSync(file, [
            `type Ctx = string;`,
            `const debuggable = require(${JSON.stringify(require.resolve("@pulumi/pulumi/runtime/debuggable"))});`,
            `const ctx: Ctx = "a promise";`,
            `const p = Promise.resolve(1);`,
            `debuggable.debuggablePromise(p, ctx);`,
            `const plainStack = new Error("plain").stack;`,
            `export const kind = typeof p._debugStackTrace;`,
            `export const text = debuggable.promiseDebugString(p);`,
            `export const plain = plainStack;`,
        ].join("\n"));
        const r = load(file, cache);
        assert.strictEqual(r.status, 0, r.stderr);
        const exported = r.report?.exports as { kind: string; text: string; plain: string };
        assert.strictEqual(exported.kind, "string");
        // Pulumi's leak report: context, then V8's format, the caller at its TypeScript line.
        assert.match(exported.text, /^CONTEXT\(\d+\): a promise\nSTACK_TRACE:\nError\n {4}at (Object\.)?debuggablePromise \(.*debuggable\.js:\d+:\d+\)\n {4}at .*leaky\.ts:5:\d+\)?/);
        assert.match(exported.plain, /^Error: plain\n {4}at .*leaky\.ts:6:\d+\)?/);
    });

    it("transpiles with the emit options of tsconfig.json", () => {
        const r = spawnSync(process.execPath, ["-p", `JSON.stringify(require(${JSON.stringify(HOOK)}).COMPILER_OPTIONS)`], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        const hook = JSON.parse(r.stdout) as Record<string, unknown>;
        const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
        for (const key of ["module", "target", "esModuleInterop", "strict"]) {
            assert.strictEqual(String(hook[key]).toLowerCase(), String(tsconfig.compilerOptions[key]).toLowerCase(), key);
        }
    });
});
