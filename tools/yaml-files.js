// @ts-check
/**
 * Which files under a folder `npm run check` reads: `*.yaml` / `*.yml` (any case), recursively,
 * in sorted order, skipping hidden files and folders (a name starting with `.`, such as `.git`
 * or the plan's own `.kubelab-plan`). Plain JavaScript, so that tools/launch.js can size a
 * check's input before any TypeScript loads; tools/check-lib.ts reads folders through it too.
 */
"use strict";
const fs = require("fs");
const path = require("path");

/**
 * The YAML files under `dir`, in the order the check reads them.
 * @param {string} dir
 * @returns {string[]}
 */
function yamlFilesUnder(dir) {
    /** @type {string[]} */
    const files = [];
    const entries = fs.readdirSync(dir, { withFileTypes: true }).filter(e => !e.name.startsWith("."))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            files.push(...yamlFilesUnder(p));
        } else if (/\.ya?ml$/i.test(entry.name) && (entry.isFile() || fs.statSync(p, { throwIfNoEntry: false })?.isFile())) {
            files.push(p);
        }
    }
    return files;
}

module.exports = { yamlFilesUnder };
