/**
 * tools/launch.js: a check gets a heap limit in proportion to the YAML it reads, in a child
 * process, and its exit code and output come through unchanged.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const launch = require("../tools/launch.js") as { inputMegabytes(args: string[]): number; CHECK_MIN_HEAP_MB: number; CHECK_HEAP_PER_INPUT_MB: number };
const ROOT = path.resolve(__dirname, "..");

describe("launch: the check's heap limit", function () {
    this.timeout(60000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-launch-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("counts the YAML files named and found in folders, not hidden files, other files or options", () => {
        fs.mkdirSync(path.join(dir, "sub"));
        fs.writeFileSync(path.join(dir, "a.yaml"), "x".repeat(1024 * 1024));
        fs.writeFileSync(path.join(dir, "sub", "b.yml"), "x".repeat(512 * 1024));
        fs.writeFileSync(path.join(dir, "sub", "notes.txt"), "x".repeat(4 * 1024 * 1024));
        fs.writeFileSync(path.join(dir, ".hidden.yaml"), "x".repeat(4 * 1024 * 1024));
        assert.strictEqual(launch.inputMegabytes([dir]), 1.5);
        assert.strictEqual(launch.inputMegabytes(["--stack", "minikube", path.join(dir, "a.yaml"), "--json"]), 1);
        assert.strictEqual(launch.inputMegabytes(["-", path.join(dir, "missing.yaml")]), 0);
        assert.ok(launch.CHECK_MIN_HEAP_MB >= 512 && launch.CHECK_HEAP_PER_INPUT_MB > 0);
    });

    it("runs the check in a child with the limit set, passing its output and exit code through", () => {
        const file = path.join(dir, "bad.yaml");
        fs.writeFileSync(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: y\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: y\n");
        const probe = path.join(dir, "probe.js");
        fs.writeFileSync(probe, "process.on('exit', () => { require('fs').appendFileSync(process.env.PROBE_OUT, process.execArgv.join(' ') + '\\n'); });\n");
        const out = path.join(dir, "probe.out");
        const r = spawnSync(process.execPath, [path.join(ROOT, "tools", "launch.js"), "check", file], {
            cwd: ROOT, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: `--require ${probe}`, PROBE_OUT: out },
        });
        assert.strictEqual(r.status, 2, r.stderr);
        assert.match(r.stdout + r.stderr, /given twice/);
        const execArgvs = fs.readFileSync(out, "utf8").trim().split("\n");
        assert.ok(execArgvs.includes(`--max-old-space-size=${launch.CHECK_MIN_HEAP_MB}`), execArgvs.join(" | "));
    });
});
