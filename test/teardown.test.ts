/**
 * `npm run teardown`: which stacks it selects (a fake workspace stands in for the Automation
 * API), that it destroys only those and only with --yes, and what it says and returns when the
 * Pulumi CLI is missing.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../tools/plan-lib";
import {
    CliMissingError, EXIT_CLI_MISSING, EXPIRY_TAG, StackExpiry, TeardownDeps, TeardownWorkspace,
    automationWorkspace, findPulumiCli, parseExpiry, pulumiCommand, runTeardown, selectStacks, stackFilesWorkspace,
} from "../tools/teardown-lib";

const NOW = new Date("2026-11-30T12:00:00Z");

interface FakeStack {
    /** The stack file's kubelab:<platform> section (none: no stack file here). */
    section?: Record<string, unknown>;
    platform?: string;
    tags?: Record<string, string>;
    /** Destroying it fails with this message. */
    failsWith?: string;
}

/** A workspace over made-up stacks that records what it destroys. */
class FakeWorkspace implements TeardownWorkspace {
    readonly source = "a fake backend";
    readonly destroyed: string[] = [];
    readonly tagReads: string[] = [];
    constructor(private readonly stacks: Record<string, FakeStack>) {}
    listStacks(): Promise<string[]> {
        return Promise.resolve(Object.keys(this.stacks));
    }
    listTags(stack: string): Promise<Record<string, string>> {
        this.tagReads.push(stack);
        return Promise.resolve(this.stacks[stack].tags ?? {});
    }
    stackConfig(stack: string): Record<string, string> | undefined {
        const s = this.stacks[stack.split("/").pop()!] ?? this.stacks[stack];
        if (!s?.section) {
            return undefined;
        }
        const platform = s.platform ?? "eks";
        return { "kubelab:platform": platform, [`kubelab:${platform}`]: JSON.stringify(s.section) };
    }
    destroy(stack: string, onOutput: (text: string) => void): Promise<void> {
        const failure = this.stacks[stack].failsWith;
        if (failure) {
            return Promise.reject(new Error(failure));
        }
        onOutput(`Destroying (${stack})\n`);
        this.destroyed.push(stack);
        return Promise.resolve();
    }
}

const STACKS: Record<string, FakeStack> = {
    "past": { section: { owner: "team", expiresAt: "2026-11-01" } },
    "yesterday-evening": { section: { owner: "team", expiresAt: "2026-11-29T18:00:00Z" }, platform: "aks" },
    "future": { section: { owner: "team", expiresAt: "2026-12-31" } },
    "today": { section: { owner: "team", expiresAt: "2026-11-30" } },
    "none": { section: { owner: "team" } },
    "malformed": { section: { owner: "team", expiresAt: "next friday" } },
    "not-a-day": { section: { owner: "team", expiresAt: "2026-02-30" } },
    "secure": { section: { owner: "team", expiresAt: "[secure value of kubelab:eks]" } },
    "tag-only": { tags: { [EXPIRY_TAG]: "2026-10-01" } },
    "tag-future": { tags: { [EXPIRY_TAG]: "2027-01-01T00:00:00Z" } },
    "config-wins": { section: { owner: "team", expiresAt: "2026-12-31" }, tags: { [EXPIRY_TAG]: "2026-01-01" } },
};

function statusOf(selection: StackExpiry[]): Record<string, string> {
    return Object.fromEntries(selection.map(s => [s.stack, s.status]));
}

/** Runs the command with a fake workspace, collecting its output. */
async function run(argv: string[], ws: TeardownWorkspace, deps: Partial<TeardownDeps> = {}): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runTeardown(argv, {
        root: ROOT,
        now: () => NOW,
        findCli: () => "/usr/local/bin/pulumi",
        cliWorkspace: () => Promise.resolve(ws),
        filesWorkspace: () => ws,
        out: line => out.push(line),
        err: line => err.push(line),
        write: () => undefined,
        ...deps,
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("teardown: selecting expired stacks", () => {
    it("reads expiresAt as the stacks' settings do: a date lasts to the end of its day (UTC), a date-time needs a zone", () => {
        assert.strictEqual(parseExpiry("2026-11-30")?.toISOString(), "2026-11-30T23:59:59.000Z");
        assert.strictEqual(parseExpiry("2026-11-30T18:00:00+01:00")?.toISOString(), "2026-11-30T17:00:00.000Z");
        for (const bad of ["2026-02-30", "next friday", "30.11.2026", "2026-11-30T18:00", ""]) {
            assert.strictEqual(parseExpiry(bad), undefined, bad);
        }
    });

    it("selects the stacks whose expiry has passed, and not those still running, without one, or with one that is not a date", async () => {
        const ws = new FakeWorkspace(STACKS);
        const selection = await selectStacks(ws, "kubelab", NOW);
        assert.deepStrictEqual(statusOf(selection), {
            "past": "expired",
            "yesterday-evening": "expired",
            "future": "active",
            "today": "active",
            "none": "none",
            "malformed": "malformed",
            "not-a-day": "malformed",
            "secure": "malformed",
            "tag-only": "expired",
            "tag-future": "active",
            "config-wins": "active",
        });
    });

    it("names where each expiry came from, and why a malformed one is never acted on", async () => {
        const selection = await selectStacks(new FakeWorkspace(STACKS), "kubelab", NOW);
        const by = (name: string) => selection.find(s => s.stack === name)!;
        assert.deepStrictEqual(by("past"), { stack: "past", status: "expired", expiresAt: new Date("2026-11-01T23:59:59Z"), raw: "2026-11-01", source: "config", key: "kubelab:eks.expiresAt" });
        const aks = by("yesterday-evening");
        assert.ok(aks.status === "expired" && aks.key === "kubelab:aks.expiresAt", "the key of the stack's own platform");
        const tag = by("tag-only");
        assert.ok(tag.status === "expired" && tag.source === "tag" && tag.key === `stack tag ${EXPIRY_TAG}`);
        const malformed = by("malformed");
        assert.ok(malformed.status === "malformed" && /not an ISO date/.test(malformed.reason), JSON.stringify(malformed));
        const secure = by("secure");
        assert.ok(secure.status === "malformed" && /secure: value/.test(secure.reason));
    });

    it("judges at another moment with --at", async () => {
        const { code, out } = await run(["--at", "2027-06-01"], new FakeWorkspace({ future: STACKS.future, past: STACKS.past }));
        assert.strictEqual(code, 0);
        assert.match(out, /2 expired, 0 not yet/);
    });
});

describe("teardown: the command", () => {
    it("without --yes lists every stack and destroys nothing", async () => {
        const ws = new FakeWorkspace(STACKS);
        const { code, out } = await run([], ws);
        assert.strictEqual(code, 0);
        assert.deepStrictEqual(ws.destroyed, []);
        assert.match(out, /✗ past\s+expired 2026-11-01 \(kubelab:eks\.expiresAt\)/);
        assert.match(out, /· future\s+expires 2026-12-31/);
        assert.match(out, /- none\s+no expiry/);
        assert.match(out, /\? malformed\s+kubelab:eks\.expiresAt is "next friday": not an ISO date/);
        assert.match(out, /3 expired, 4 not yet, 1 without expiry, 3 with an expiry that is not a date/);
        assert.match(out, /npm run teardown -- --yes/);
    });

    it("with --yes destroys exactly the expired stacks, streaming the CLI's output", async () => {
        const ws = new FakeWorkspace(STACKS);
        const written: string[] = [];
        const { code, out } = await run(["--yes"], ws, { write: t => written.push(t) });
        assert.strictEqual(code, 0);
        assert.deepStrictEqual(ws.destroyed, ["past", "yesterday-evening", "tag-only"]);
        assert.match(out, /destroyed stack tag-only/);
        assert.deepStrictEqual(written, ["Destroying (past)\n", "Destroying (yesterday-evening)\n", "Destroying (tag-only)\n"]);
    });

    it("goes on after a failed destroy and exits 1 naming it", async () => {
        const ws = new FakeWorkspace({ a: { ...STACKS.past, failsWith: "resource is protected" }, b: STACKS.past, c: STACKS.future });
        const { code, err } = await run(["--yes"], ws);
        assert.strictEqual(code, 1);
        assert.deepStrictEqual(ws.destroyed, ["b"]);
        assert.match(err, /1 of 2 expired stack\(s\) could not be destroyed: a/);
    });

    it("with nothing expired, --yes destroys nothing and exits 0", async () => {
        const ws = new FakeWorkspace({ c: STACKS.future, n: STACKS.none });
        const { code, out } = await run(["--yes"], ws);
        assert.strictEqual(code, 0);
        assert.deepStrictEqual(ws.destroyed, []);
        assert.match(out, /nothing to destroy/);
    });

    it("rejects unknown arguments and a --at that is not a date (exit 2)", async () => {
        const ws = new FakeWorkspace(STACKS);
        assert.strictEqual((await run(["--force"], ws)).code, 2);
        const bad = await run(["--at", "tomorrow"], ws);
        assert.strictEqual(bad.code, 2);
        assert.match(bad.err, /--at "tomorrow" is not an ISO date/);
        assert.deepStrictEqual(ws.destroyed, []);
    });
});

describe("teardown without the Pulumi CLI", () => {
    const missing = { findCli: () => undefined };

    it("lists the stack files and says it can't see the backend, exit 0", async () => {
        const ws = new FakeWorkspace(STACKS);
        const { code, err, out } = await run([], ws, missing);
        assert.strictEqual(code, 0);
        assert.match(err, /the Pulumi CLI is needed to list the backend's stacks and was not found on PATH or in ~\/\.pulumi\/bin; install it from https:\/\/www\.pulumi\.com\/docs\/iac\/download-install\//);
        assert.match(out, /3 expired/);
    });

    it("with --yes destroys nothing and exits 3, saying the CLI is needed and how to get it", async () => {
        const ws = new FakeWorkspace(STACKS);
        const { code, err } = await run(["--yes"], ws, missing);
        assert.strictEqual(code, EXIT_CLI_MISSING);
        assert.strictEqual(EXIT_CLI_MISSING, 3);
        assert.deepStrictEqual(ws.destroyed, []);
        assert.match(err, /^error: the Pulumi CLI is needed to destroy stacks \(teardown --yes\) and was not found on PATH or in ~\/\.pulumi\/bin; install it from https:\/\/www\.pulumi\.com/m);
    });

    it("treats a CLI it can't use (too old for stack tags) like a missing one", async () => {
        const ws = new FakeWorkspace(STACKS);
        const tooOld = () => Promise.reject(new CliMissingError("list and destroy stacks", "/usr/bin/pulumi is version 3.100.0, older than 3.211.0"));
        const { code, err } = await run(["--yes"], ws, { cliWorkspace: tooOld });
        assert.strictEqual(code, 3);
        assert.match(err, /3\.100\.0, older than 3\.211\.0/);
        assert.deepStrictEqual(ws.destroyed, []);
    });

    it("finds the CLI on PATH or in PULUMI_HOME/bin, only as an executable file", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-teardown-"));
        try {
            const onPath = path.join(dir, "path");
            const home = path.join(dir, "home");
            fs.mkdirSync(onPath);
            fs.mkdirSync(path.join(home, "bin"), { recursive: true });
            assert.strictEqual(findPulumiCli({ PATH: onPath, PULUMI_HOME: home }, dir), undefined);
            fs.writeFileSync(path.join(onPath, "pulumi"), "#!/bin/sh\n", { mode: 0o644 });
            assert.strictEqual(findPulumiCli({ PATH: onPath, PULUMI_HOME: home }, dir), undefined, "not executable");
            fs.writeFileSync(path.join(home, "bin", "pulumi"), "#!/bin/sh\n", { mode: 0o755 });
            assert.strictEqual(findPulumiCli({ PATH: onPath, PULUMI_HOME: home }, dir), path.join(home, "bin", "pulumi"));
            fs.chmodSync(path.join(onPath, "pulumi"), 0o755);
            assert.strictEqual(findPulumiCli({ PATH: onPath, PULUMI_HOME: home }, dir), path.join(onPath, "pulumi"), "PATH first");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("lists this project's stack files offline", async () => {
        const ws = stackFilesWorkspace(ROOT);
        const stacks = await ws.listStacks();
        assert.ok(stacks.includes("eks") && stacks.includes("minikube"), stacks.join(", "));
        const selection = await selectStacks(ws, "kubelab", NOW);
        const eks = selection.find(s => s.stack === "eks")!;
        assert.ok(eks.status === "active" && eks.raw === "2026-12-31", JSON.stringify(eks));
        assert.strictEqual(selection.find(s => s.stack === "minikube")!.status, "none");
        await assert.rejects(ws.destroy("eks", () => undefined), CliMissingError);
    });

    it("as a command: --yes without a CLI exits 3 with the message on stderr", function () {
        this.timeout(60000);
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-teardown-home-"));
        try {
            const r = spawnSync(process.execPath, ["-r", "./tools/ts-hook.js", "tools/teardown.ts", "--yes"], {
                cwd: ROOT,
                env: { PATH: path.dirname(process.execPath), HOME: home, PULUMI_HOME: path.join(home, ".pulumi") },
                encoding: "utf8",
            });
            assert.strictEqual(r.status, 3, r.stderr);
            assert.match(r.stderr, /error: the Pulumi CLI is needed to destroy stacks \(teardown --yes\) and was not found/);
            assert.match(r.stdout, /Stacks of project kubelab in the stack files in stacks\//);
        } finally {
            fs.rmSync(home, { recursive: true, force: true });
        }
    });
});

/**
 * A stand-in Pulumi CLI (a shell script) answering the commands the Automation API runs, and
 * logging them: the real LocalWorkspace drives it, so the arguments teardown makes it pass are
 * the ones a real CLI would get.
 */
function fakeCli(dir: string, version: string): { bin: string; log: string } {
    const log = path.join(dir, "calls.log");
    const bin = path.join(dir, "bin", "pulumi");
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    fs.writeFileSync(bin, [
        "#!/bin/sh",
        `echo "$*" >> '${log}'`,
        "case \"$*\" in",
        `  version*) echo "${version}" ;;`,
        "  'whoami --json'*) echo '{\"user\":\"tester\",\"url\":\"file://~\"}' ;;",
        "  'stack ls --json'*) echo '[{\"name\":\"old\",\"current\":false},{\"name\":\"new\",\"current\":false}]' ;;",
        "  'stack tag ls --json --stack old'*) echo '{\"kubelab:expiresAt\":\"2026-01-01\",\"pulumi:project\":\"kubelab\"}' ;;",
        "  'stack tag ls --json --stack new'*) echo '{\"kubelab:expiresAt\":\"2099-01-01\"}' ;;",
        "  'stack select'*) ;;",
        "  destroy*) echo 'Destroying (old): 42 resources deleted' ;;",
        "  'stack history'*) echo '[{\"version\":2,\"kind\":\"destroy\",\"result\":\"succeeded\",\"startTime\":\"2026-11-30T12:00:00Z\",\"endTime\":\"2026-11-30T12:20:00Z\"}]' ;;",
        "  *) echo \"unexpected: $*\" >&2; exit 1 ;;",
        "esac",
        "",
    ].join("\n"), { mode: 0o755 });
    return { bin, log };
}

describe("teardown through the Automation API (a stand-in CLI)", function () {
    this.timeout(60000);
    let dir: string;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-fake-pulumi-"));
    });
    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("lists the backend's stacks with their expiry tags, and --yes destroys the expired one with pulumi destroy --yes", async () => {
        const cli = fakeCli(dir, "v3.215.0");
        const ws = await automationWorkspace(ROOT, await pulumiCommand(cli.bin));
        assert.match(ws.source, /file:\/\/~ \(Pulumi CLI 3\.215\.0\)/);
        assert.deepStrictEqual(statusOf(await selectStacks(ws, "kubelab", NOW)), { old: "expired", new: "active" });
        const written: string[] = [];
        const { code, out } = await run(["--yes"], ws, { cliWorkspace: (root, bin) => pulumiCommand(bin).then(c => automationWorkspace(root, c)), findCli: () => cli.bin, write: t => written.push(t) });
        assert.strictEqual(code, 0, out);
        const calls = fs.readFileSync(cli.log, "utf8").split("\n");
        const destroys = calls.filter(c => c.startsWith("destroy"));
        assert.strictEqual(destroys.length, 1, calls.join("\n"));
        assert.match(destroys[0], /^destroy --yes --skip-preview .*--stack old( |$)/);
        assert.ok(destroys[0].includes("--non-interactive"));
        assert.ok(calls.some(c => /^stack select --stack old/.test(c)));
        assert.match(written.join(""), /42 resources deleted/);
        assert.match(out, /destroyed stack old/);
    });

    it("refuses a CLI older than 3.211 (stack tags on the local backend) as unusable", async () => {
        const cli = fakeCli(dir, "v3.200.0");
        await assert.rejects(pulumiCommand(cli.bin), (err: Error) => err instanceof CliMissingError && /version 3\.200\.0, older than 3\.211\.0/.test(err.message));
    });
});
