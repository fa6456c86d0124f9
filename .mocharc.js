// @ts-check
/**
 * Mocha's configuration. The suite's files run in two worker processes, which take them in the
 * order of `spec`: every `*.test.ts` under components/ and test/, the slowest first (those that
 * start Node processes or PostgreSQL), so that no long file starts last and leaves one worker
 * running alone at the end (~2–3 s of a run). A file not named below runs after them, in
 * alphabetical order; naming it only changes when it runs.
 */
"use strict";
const fs = require("fs");
const path = require("path");

/** Slowest first, as measured on the project's two-core CI machine. */
const SLOW_FIRST = [
    "test/ts-hook.test.ts",
    "components/labs/nanomon/schema.test.ts",
    "test/policy-server.test.ts",
    "test/cloud-isolation.test.ts",
    "test/eks.test.ts",
    "test/plan-cli.test.ts",
    "test/check.test.ts",
    "test/production-grade.test.ts",
    "test/teardown.test.ts",
    "test/launch.test.ts",
    "test/config.test.ts",
];

/** @param {string} dir @returns {string[]} the test files under `dir`, relative to this folder, sorted */
function testFiles(dir) {
    return fs.readdirSync(path.join(__dirname, dir), { recursive: true, encoding: "utf8" })
        .filter(f => f.endsWith(".test.ts"))
        .map(f => path.posix.join(dir, f.split(path.sep).join("/")))
        .sort();
}

const all = [...testFiles("components"), ...testFiles("test")];

module.exports = {
    require: ["./tools/ts-hook.js", "./tools/sdk-deferred.ts", "./test/warm-cache.js"],
    spec: [...SLOW_FIRST.filter(f => all.includes(f)), ...all.filter(f => !SLOW_FIRST.includes(f))],
    timeout: 30000,
    reporter: "./test/reporter.ts",
    parallel: true,
    jobs: 2,
};
