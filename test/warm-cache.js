// @ts-check
/**
 * Mocha's global setup (run once, in the main process, before the parallel workers start): fills
 * tools/ts-hook.js's cache with every project source it lacks, and builds the bundled validators
 * of tools/model-bundle.ts if they are missing, so that the workers and the
 * commands the tests start don't each transpile the same files. On a warm cache it only hashes
 * the sources (~50 ms).
 */
"use strict";
const { warmCache } = require("../tools/ts-hook.js");

exports.mochaGlobalSetup = async function () {
    await warmCache();
    // The schema check's bundled validators (tools/model-bundle.ts), built once here rather than by
    // each worker and command on a fresh clone.
    require("../tools/model-bundle.ts").bundledModels();
};
