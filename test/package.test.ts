/**
 * package.json as npm reads it. npm 11 runs a dependency's install script only when
 * `allowScripts` approves it and lists every undecided one after each install; the README
 * ("Quick start") says which are denied and why. A dependency that gains an install script
 * (package-lock.json marks it `hasInstallScript`) fails here until someone decides.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const read = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));

describe("package.json", () => {
    it("decides on the install script of every package in the lockfile that has one", () => {
        const lock = read("package-lock.json") as { packages: Record<string, { hasInstallScript?: boolean }> };
        const withScripts = Object.entries(lock.packages)
            .filter(([, p]) => p.hasInstallScript)
            .map(([where]) => where.slice(where.lastIndexOf("node_modules/") + "node_modules/".length))
            .sort();
        assert.ok(withScripts.includes("@pulumi/kubernetes"), "the lockfile marks install scripts");
        const decided = (read("package.json") as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
        assert.deepStrictEqual(withScripts.filter(name => !(name in decided)), [], "undecided install scripts: run `npm install-scripts ls`");
        assert.deepStrictEqual(Object.keys(decided).filter(name => !withScripts.includes(name)), [], "decisions for packages without an install script");
    });
});
