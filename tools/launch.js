// @ts-check
/**
 * Starts one of the commands (plan, check, bench, teardown) from its TypeScript source, always:
 * there is no compiled copy that could be stale. `npm run plan` and the `kubelab` bin
 * (tools/kubelab.js) both come through here.
 *
 *   node tools/launch.js plan --stack minikube
 *
 * Under `npm run <command>`, the command runs in the folder npm was started in (npm's INIT_CWD),
 * so that relative paths mean what the user typed them relative to.
 *
 * The sources run through tools/ts-hook.js, which strips types without checking them (checking
 * the whole program would add seconds to every plan) and caches the JavaScript under
 * node_modules/.cache/kubelab-ts, so that a start with unchanged sources doesn't load the
 * typescript package (ts-node transpile-only cost ~1.3 s per start). Type errors are caught by
 * `npm run typecheck` (tsc over the program, the tools and the policy pack), which CI runs
 * before the tests; run it after changing TypeScript.
 */
"use strict";
const fs = require("fs");
const path = require("path");

// V8's compile cache (Node 22.1+) for every module the command loads, beside ts-hook's cache:
// a start with unchanged modules skips compiling them (~10 % of a plan). NODE_COMPILE_CACHE, if
// set, wins; a cache that can't be written is simply not used.
const nodeModule = /** @type {{ enableCompileCache?: (dir?: string) => unknown }} */ (require("module"));
if (!process.env.NODE_COMPILE_CACHE && nodeModule.enableCompileCache) {
    nodeModule.enableCompileCache(path.join(__dirname, "..", "node_modules", ".cache", "kubelab-node"));
}
const { spawnSync } = require("child_process");
const { yamlFilesUnder } = require("./yaml-files.js");

const COMMANDS = ["plan", "check", "bench", "teardown"];

/**
 * Runs `command` with `args` as its command line (process.argv is rewritten so that the
 * command's own parser sees only its arguments). An unknown command prints `usage` and sets
 * exit code 2.
 * @param {string | undefined} command
 * @param {string[]} args
 * @param {string} usage
 */
function launch(command, args, usage) {
    if (command === "--help" || command === "-h") {
        console.log(usage);
        return;
    }
    if (!command || !COMMANDS.includes(command)) {
        console.error(`${command ? `error: unknown command '${command}'\n` : ""}${usage}`);
        process.exitCode = 2;
        return;
    }
    if (command === "check" && !heapLimitSet()) {
        // The policy server copies every object for each stack policy; V8, left to itself, lets
        // that garbage grow the heap far beyond what is live (20,000 objects: ~770 MB peak for
        // ~200 MB live). A heap limit in proportion to the input makes it collect sooner, and
        // leaves large inputs room (NODE_OPTIONS=--max-old-space-size=… overrides it).
        const r = spawnSync(process.execPath, [`--max-old-space-size=${checkHeapMb(args)}`, __filename, command, ...args], { stdio: "inherit" });
        process.exitCode = r.status ?? 2;
        if (r.error) {
            console.error(`error: could not start the check: ${r.error.message}`);
        }
        return;
    }
    process.argv.splice(2, process.argv.length - 2, ...args);
    // `npm run plan` starts the script in the project root; relative paths the user gives
    // (`--out ../mine`, files to check) mean the folder they ran npm in, which npm passes as INIT_CWD.
    if (process.env.INIT_CWD && process.env.npm_lifecycle_event === command) {
        process.chdir(process.env.INIT_CWD);
    }
    require("./ts-hook.js");
    require(path.join(__dirname, `${command}.ts`));
}

/** Smallest heap limit of a check, and how many MB of heap per MB of YAML it reads. */
const CHECK_MIN_HEAP_MB = 512;
const CHECK_HEAP_PER_INPUT_MB = 40;

/**
 * The heap limit (MB) a check with these arguments runs with: in proportion to the YAML it reads.
 * @param {string[]} args
 */
function checkHeapMb(args) {
    return Math.max(CHECK_MIN_HEAP_MB, Math.ceil(CHECK_HEAP_PER_INPUT_MB * inputMegabytes(args)));
}

/** Whether the user (or a parent launch) already chose a heap limit. */
function heapLimitSet() {
    return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].some(a => a.startsWith("--max-old-space-size"));
}

/**
 * Size in MB of the YAML a check will read: the files named, and the *.yaml/*.yml files under
 * the folders named (relative to where the user ran the command). Options, standard input and
 * paths that don't exist count as nothing: the check itself reports those.
 * @param {string[]} args
 */
function inputMegabytes(args) {
    const base = process.env.INIT_CWD && process.env.npm_lifecycle_event === "check" ? process.env.INIT_CWD : process.cwd();
    let bytes = 0;
    const sizeOf = (/** @type {string} */ p) => fs.statSync(p, { throwIfNoEntry: false })?.size ?? 0;
    for (let i = 0; i < args.length; i++) {
        if (args[i] === "--stack" || args[i] === "--policy-config") {
            i++;
        } else if (!args[i].startsWith("-")) {
            const p = path.resolve(base, args[i]);
            const st = fs.statSync(p, { throwIfNoEntry: false });
            if (st?.isDirectory()) {
                bytes += yamlFilesUnder(p).reduce((sum, f) => sum + sizeOf(f), 0);
            } else if (st) {
                bytes += st.size;
            }
        }
    }
    return bytes / (1024 * 1024);
}

module.exports = { launch, COMMANDS, inputMegabytes, checkHeapMb, CHECK_MIN_HEAP_MB, CHECK_HEAP_PER_INPUT_MB };

if (require.main === module) {
    launch(process.argv[2], process.argv.slice(3), `usage: node tools/launch.js <${COMMANDS.join("|")}> [args…]`);
}
