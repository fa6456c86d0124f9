// @ts-check
/**
 * Starts one of the offline commands (plan, check, bench): the compiled JavaScript in bin/ when it
 * is up to date with the TypeScript sources (`npm ci` builds it through the `prepare` script, and
 * `npm run build` rebuilds it), else the TypeScript itself through ts-node. Compiled, a plan
 * starts about half a second sooner; the result is the same.
 *
 *   node tools/launch.js plan --stack minikube
 */
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin");
const stamp = path.join(bin, ".built");
const SOURCES = ["index.ts", "infra", "components", "policy", "tools"];

/** Newest modification time of the TypeScript sources the commands run. */
function newestSource() {
    let newest = 0;
    const visit = (/** @type {string} */ p) => {
        const st = fs.statSync(p, { throwIfNoEntry: false });
        if (!st) {
            return;
        }
        if (st.isDirectory()) {
            for (const entry of fs.readdirSync(p)) {
                if (entry !== "node_modules") {
                    visit(path.join(p, entry));
                }
            }
        } else if (p.endsWith(".ts") || p.endsWith(".json")) {
            newest = Math.max(newest, st.mtimeMs);
        }
    };
    SOURCES.forEach(s => visit(path.join(root, s)));
    return newest;
}

const command = process.argv[2];
if (!["plan", "check", "bench"].includes(command ?? "")) {
    console.error("usage: node tools/launch.js <plan|check|bench> [args…]");
    process.exit(2);
}
process.argv.splice(2, 1);
const built = fs.statSync(stamp, { throwIfNoEntry: false });
const compiled = path.join(bin, "tools", `${command}.js`);
if (process.env.KUBELAB_TS !== "1" && built && fs.existsSync(compiled) && newestSource() <= built.mtimeMs) {
    require(compiled);
} else {
    require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
    require(path.join(__dirname, `${command}.ts`));
}
