/**
 * The workshop teardown as a library: which stacks have passed their expiry, and destroying them.
 * `teardown.ts` is the command line around it; the tests drive it with a fake workspace.
 *
 * A stack's expiry is, in this order:
 * 1. its config's `kubelab:<platform>.expiresAt` (the value its cloud resources are tagged
 *    with), read from `stacks/Pulumi.<stack>.yaml` without decrypting anything;
 * 2. its stack tag {@link EXPIRY_TAG}, for a stack without a stack file in this checkout
 *    (`pulumi stack tag set kubelab:expiresAt 2026-12-01 --stack <stack>`; stack tags work on
 *    the local backend since Pulumi CLI 3.211).
 *
 * An expiry is read as the stacks' settings read it (infra/cloud/workshop.ts's `parseExpiry`): an
 * ISO date (`2026-12-01`, the end of that day in UTC) or an ISO date-time with a zone
 * (`2026-12-01T18:00:00Z`, `2026-12-01T18:00+01:00`). A stack whose
 * expiry has passed is selected; one without an expiry, or with one that is not a date, is never
 * destroyed, only reported.
 *
 * Listing needs no Pulumi CLI (without it, the stack files are the list); destroying does, through
 * the Automation API (`LocalWorkspace` in the project folder, so the CLI's current backend and its
 * usual credentials and `PULUMI_CONFIG_PASSPHRASE`). When the CLI is missing, {@link CliMissingError}
 * says so and how to install it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PulumiCommand } from "@pulumi/pulumi/automation";
import { parseExpiry } from "../infra/cloud/workshop";
import { listStacks as listStackFiles, loadStackConfig, readProject } from "./stack-config";

export { parseExpiry };

/** The stack tag that holds an expiry when the stack has no stack file here. */
export const EXPIRY_TAG = "kubelab:expiresAt";

/** The oldest Pulumi CLI whose local backend keeps stack tags. */
export const MIN_CLI_VERSION = "3.211.0";

/** Exit code when the Pulumi CLI is needed and missing (or too old). */
export const EXIT_CLI_MISSING = 3;

/** Where to get the CLI, named in {@link CliMissingError}. */
export const CLI_INSTALL_HINT = "install it from https://www.pulumi.com/docs/iac/download-install/ (curl -fsSL https://get.pulumi.com | sh), or put it on PATH";

/** The Pulumi CLI is needed (to list the backend's stacks or destroy them) and was not found or is too old. */
export class CliMissingError extends Error {
    constructor(readonly what: string, readonly detail: string) {
        super(`the Pulumi CLI is needed to ${what} and ${detail}; ${CLI_INSTALL_HINT}`);
        this.name = "CliMissingError";
    }
}

/** What teardown needs from a Pulumi workspace (a subset of `LocalWorkspace`, so that a fake can stand in). */
export interface TeardownWorkspace {
    /** Where the stacks were listed from, for the output (`the local backend`, `stack files in stacks/`). */
    readonly source: string;
    /** Names of the stacks, as the backend names them (`eks`, `org/kubelab/eks`). */
    listStacks(): Promise<string[]>;
    /** The stack's tags; `{}` where tags can't be read. */
    listTags(stack: string): Promise<Record<string, string>>;
    /** The stack's config as the CLI hands it to the program (`kubelab:eks` as JSON), undefined without a stack file. */
    stackConfig(stack: string): Record<string, string> | undefined;
    /** Destroys every resource of the stack (`pulumi destroy`), streaming the CLI's output. */
    destroy(stack: string, onOutput: (text: string) => void): Promise<void>;
}

/** Where a stack's expiry came from. */
export type ExpirySource = "config" | "tag";

/** One stack's expiry as teardown sees it. */
export type StackExpiry =
    | { stack: string; status: "expired" | "active"; expiresAt: Date; raw: string; source: ExpirySource; key: string }
    | { stack: string; status: "malformed"; raw: string; source: ExpirySource; key: string; reason: string }
    | { stack: string; status: "none" };

/** What is allowed for an expiry, in messages. */
export const EXPIRY_FORMAT = "an ISO date such as 2026-12-01 (the end of that day, UTC) or an ISO date-time with a zone such as 2026-12-01T18:00:00Z";

/** The stack's short name (`org/kubelab/eks` → `eks`), as its stack file is named. */
export function shortStackName(stack: string): string {
    return stack.split("/").pop() ?? stack;
}

/**
 * The expiry in a stack's config: `kubelab:<platform>.expiresAt`, where `<platform>` is the
 * stack's `kubelab:platform`. Undefined when the config sets none.
 */
export function expiryInConfig(config: Record<string, string>, project: string): { raw: unknown; key: string } | undefined {
    const platform = config[`${project}:platform`];
    if (!platform) {
        return undefined;
    }
    const key = `${project}:${platform}`;
    const section = config[key];
    if (section === undefined) {
        return undefined;
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(section) as unknown;
    } catch {
        return undefined;
    }
    if (parsed === null || typeof parsed !== "object" || !("expiresAt" in parsed)) {
        return undefined;
    }
    return { raw: (parsed as { expiresAt: unknown }).expiresAt, key: `${key}.expiresAt` };
}

/** Classifies one stack's expiry at `now`. */
export async function stackExpiry(ws: TeardownWorkspace, stack: string, project: string, now: Date): Promise<StackExpiry> {
    const config = ws.stackConfig(stack);
    const inConfig = config ? expiryInConfig(config, project) : undefined;
    let found: { raw: unknown; key: string; source: ExpirySource } | undefined = inConfig && { ...inConfig, source: "config" };
    if (!found) {
        const tags = await ws.listTags(stack);
        if (tags[EXPIRY_TAG] !== undefined) {
            found = { raw: tags[EXPIRY_TAG], key: `stack tag ${EXPIRY_TAG}`, source: "tag" };
        }
    }
    if (!found) {
        return { stack, status: "none" };
    }
    const raw = typeof found.raw === "string" ? found.raw : JSON.stringify(found.raw);
    const date = typeof found.raw === "string" ? parseExpiry(found.raw) : undefined;
    if (!date) {
        const reason = /^\[secure value of /.test(raw)
            ? "a secure: value, which teardown does not decrypt; keep the expiry plain"
            : `not ${EXPIRY_FORMAT}`;
        return { stack, status: "malformed", raw, source: found.source, key: found.key, reason };
    }
    return { stack, status: date.getTime() <= now.getTime() ? "expired" : "active", expiresAt: date, raw, source: found.source, key: found.key };
}

/** Every stack of the workspace with its expiry at `now`, in the order listed. */
export async function selectStacks(ws: TeardownWorkspace, project: string, now: Date): Promise<StackExpiry[]> {
    const stacks = await ws.listStacks();
    const result: StackExpiry[] = [];
    for (const stack of stacks) {
        result.push(await stackExpiry(ws, stack, project, now));
    }
    return result;
}

/** The listing, one line per stack. */
export function describeSelection(selection: readonly StackExpiry[], now: Date): string[] {
    if (!selection.length) {
        return ["no stacks"];
    }
    const width = Math.max(...selection.map(s => s.stack.length));
    return selection.map(s => {
        const name = s.stack.padEnd(width);
        switch (s.status) {
            case "expired": return `  ✗ ${name}  expired ${s.raw} (${s.key}): will be destroyed with --yes`;
            case "active": return `  · ${name}  expires ${s.raw} (${s.key}), in ${humanDuration(s.expiresAt.getTime() - now.getTime())}`;
            case "malformed": return `  ? ${name}  ${s.key} is ${JSON.stringify(s.raw)}: ${s.reason}; never destroyed by teardown`;
            case "none": return `  - ${name}  no expiry (set expiresAt in its platform's settings, or the stack tag ${EXPIRY_TAG}); never destroyed by teardown`;
        }
    });
}

function humanDuration(ms: number): string {
    const hours = ms / 3_600_000;
    return hours < 48 ? `${Math.max(1, Math.round(hours))} h` : `${Math.round(hours / 24)} days`;
}

/** What a teardown run did. */
export interface TeardownResult {
    selection: StackExpiry[];
    destroyed: string[];
    failed: { stack: string; error: string }[];
}

/** Destroys the expired stacks of `selection` one after the other; a failure doesn't stop the others. */
export async function destroyExpired(ws: TeardownWorkspace, selection: readonly StackExpiry[], log: (line: string) => void, onOutput: (text: string) => void): Promise<Pick<TeardownResult, "destroyed" | "failed">> {
    const destroyed: string[] = [];
    const failed: { stack: string; error: string }[] = [];
    for (const s of selection) {
        if (s.status !== "expired") {
            continue;
        }
        log(`destroying stack ${s.stack} (expired ${s.raw})…`);
        try {
            await ws.destroy(s.stack, onOutput);
            destroyed.push(s.stack);
            log(`destroyed stack ${s.stack}`);
        } catch (err) {
            const error = err instanceof Error ? err.message : String(err);
            failed.push({ stack: s.stack, error });
            log(`failed to destroy stack ${s.stack}: ${error}`);
        }
    }
    return { destroyed, failed };
}

// ---- Workspaces ------------------------------------------------------------------------------

/** The Pulumi CLI on PATH, or in its default install folder (`~/.pulumi/bin`); undefined when there is none. */
export function findPulumiCli(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string | undefined {
    const names = process.platform === "win32" ? ["pulumi.exe", "pulumi.cmd", "pulumi"] : ["pulumi"];
    const dirs = [...(env.PATH ?? "").split(path.delimiter).filter(Boolean), path.join(env.PULUMI_HOME ?? path.join(home, ".pulumi"), "bin")];
    for (const dir of dirs) {
        for (const name of names) {
            const file = path.join(dir, name);
            try {
                fs.accessSync(file, fs.constants.X_OK);
                if (fs.statSync(file).isFile()) {
                    return file;
                }
            } catch {
                // not here
            }
        }
    }
    return undefined;
}

/** The stack files' config, read without decrypting anything (undefined when the stack has no file). */
function stackFileConfig(root: string, stack: string): Record<string, string> | undefined {
    try {
        return loadStackConfig(root, shortStackName(stack)).config;
    } catch {
        return undefined;
    }
}

/** Lists the stack files of the project (no CLI); cannot destroy. */
export function stackFilesWorkspace(root: string): TeardownWorkspace {
    const dir = readProject(root).stackConfigDir ?? ".";
    return {
        source: `the stack files in ${dir}/ (no Pulumi CLI: stacks that exist only in a backend are not listed)`,
        listStacks: () => Promise.resolve(listStackFiles(root)),
        listTags: () => Promise.resolve({}),
        stackConfig: stack => stackFileConfig(root, stack),
        destroy: () => Promise.reject(new CliMissingError("destroy stacks", "was not found on PATH or in ~/.pulumi/bin")),
    };
}

/**
 * The Pulumi CLI at `cliPath` as the Automation API runs it, checked to be at least
 * {@link MIN_CLI_VERSION}; throws {@link CliMissingError} otherwise.
 */
export async function pulumiCommand(cliPath: string): Promise<PulumiCommand> {
    const { PulumiCommand } = await import("@pulumi/pulumi/automation");
    const bin = path.dirname(cliPath);
    // PulumiCommand runs <root>/bin/pulumi; a CLI elsewhere is run from PATH by name.
    const root = path.basename(bin) === "bin" && path.basename(cliPath) === "pulumi" ? path.dirname(bin) : undefined;
    let cli: PulumiCommand;
    try {
        cli = await PulumiCommand.get(root ? { root } : {});
    } catch (err) {
        throw new CliMissingError("list and destroy stacks", `${cliPath} could not be run: ${(err as Error).message.split("\n")[0]}`);
    }
    if (cli.version && cli.version.compare(MIN_CLI_VERSION) < 0) {
        throw new CliMissingError("list and destroy stacks", `${cliPath} is version ${cli.version.version}, older than ${MIN_CLI_VERSION} (the first whose local backend keeps stack tags)`);
    }
    return cli;
}

/** The project's stacks in the CLI's current backend, through the Automation API's LocalWorkspace. */
export async function automationWorkspace(root: string, cli: PulumiCommand): Promise<TeardownWorkspace> {
    const { LocalWorkspace, Stack } = await import("@pulumi/pulumi/automation");
    const ws = await LocalWorkspace.create({ workDir: root, pulumiCommand: cli });
    const who = await ws.whoAmI().then(w => w.url ?? w.user, () => "the current backend");
    return {
        source: `the backend ${who} (Pulumi CLI ${cli.version?.toString() ?? ""})`.replace(/ \)$/, ")"),
        listStacks: async () => (await ws.listStacks()).map(s => s.name),
        listTags: async stack => {
            const tags = await ws.listTags(stack);
            return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)]));
        },
        stackConfig: stack => stackFileConfig(root, stack),
        destroy: async (stack, onOutput) => {
            const selected = await Stack.select(stack, ws);
            await selected.destroy({ onOutput });
        },
    };
}

// ---- The command -----------------------------------------------------------------------------

export const TEARDOWN_USAGE = [
    "usage: npm run teardown -- [--yes] [--at DATE]",
    "  lists the project's stacks with their expiry (kubelab:<platform>.expiresAt, or the stack tag kubelab:expiresAt)",
    "  --yes      destroy the expired stacks (pulumi destroy through the Automation API; needs the Pulumi CLI)",
    `  --at DATE  judge expiry at DATE instead of now (${EXPIRY_FORMAT})`,
].join("\n");

/** What {@link runTeardown} uses from its surroundings; the tests replace parts of it. */
export interface TeardownDeps {
    root: string;
    now: () => Date;
    /** The Pulumi CLI's path, or undefined. */
    findCli: () => string | undefined;
    /** The workspace over the CLI's backend (throws {@link CliMissingError} for a CLI it can't use). */
    cliWorkspace: (root: string, cliPath: string) => Promise<TeardownWorkspace>;
    /** The workspace over the stack files, without a CLI. */
    filesWorkspace: (root: string) => TeardownWorkspace;
    out: (line: string) => void;
    err: (line: string) => void;
    /** The CLI's own output during a destroy. */
    write: (text: string) => void;
}

export const DEFAULT_DEPS: TeardownDeps = {
    root: path.resolve(__dirname, ".."),
    now: () => new Date(),
    findCli: () => findPulumiCli(),
    cliWorkspace: async (root, cliPath) => automationWorkspace(root, await pulumiCommand(cliPath)),
    filesWorkspace: stackFilesWorkspace,
    out: line => console.log(line),
    err: line => console.error(line),
    write: text => process.stdout.write(text),
};

/**
 * `npm run teardown`: lists the stacks and their expiry; with `--yes` destroys the expired ones.
 * Returns the exit code: 0 done (or nothing to do), 1 a destroy failed, 2 a usage or listing
 * error, {@link EXIT_CLI_MISSING} (3) `--yes` without a usable Pulumi CLI.
 */
export async function runTeardown(argv: string[], deps: Partial<TeardownDeps> = {}): Promise<number> {
    const d: TeardownDeps = { ...DEFAULT_DEPS, ...deps };
    let yes = false;
    let now = d.now();
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--help" || arg === "-h") {
            d.out(TEARDOWN_USAGE);
            return 0;
        } else if (arg === "--yes" || arg === "-y") {
            yes = true;
        } else if (arg === "--at" || arg.startsWith("--at=")) {
            const value = arg === "--at" ? argv[++i] : arg.slice("--at=".length);
            const at = value === undefined ? undefined : parseExpiry(value);
            if (!at) {
                d.err(`error: --at ${value === undefined ? "needs a value" : `${JSON.stringify(value)} is not ${EXPIRY_FORMAT}`}\n${TEARDOWN_USAGE}`);
                return 2;
            }
            now = at;
        } else {
            d.err(`error: unknown argument ${JSON.stringify(arg)}\n${TEARDOWN_USAGE}`);
            return 2;
        }
    }

    let project: string;
    try {
        project = readProject(d.root).name;
    } catch (err) {
        d.err(`error: ${(err as Error).message}`);
        return 2;
    }

    let ws: TeardownWorkspace;
    let cliProblem: CliMissingError | undefined;
    const cliPath = d.findCli();
    if (cliPath) {
        try {
            ws = await d.cliWorkspace(d.root, cliPath);
        } catch (err) {
            if (!(err instanceof CliMissingError)) {
                d.err(`error: could not open the Pulumi workspace: ${(err as Error).message}`);
                return 2;
            }
            cliProblem = err;
            ws = d.filesWorkspace(d.root);
        }
    } else {
        cliProblem = new CliMissingError(yes ? "destroy stacks (teardown --yes)" : "list the backend's stacks", "was not found on PATH or in ~/.pulumi/bin");
        ws = d.filesWorkspace(d.root);
    }
    if (cliProblem && !yes) {
        d.err(`note: ${cliProblem.message}. Listing the stack files only.`);
    }

    let selection: StackExpiry[];
    try {
        selection = await selectStacks(ws, project, now);
    } catch (err) {
        d.err(`error: could not list the stacks of ${ws.source}: ${(err as Error).message}`);
        return 2;
    }
    const expired = selection.filter(s => s.status === "expired");
    d.out(`Stacks of project ${project} in ${ws.source}, at ${now.toISOString()}:`);
    for (const line of describeSelection(selection, now)) {
        d.out(line);
    }
    const count = (status: StackExpiry["status"]) => selection.filter(s => s.status === status).length;
    d.out(`${expired.length} expired, ${count("active")} not yet, ${count("none")} without expiry, ${count("malformed")} with an expiry that is not a date`);

    if (!yes) {
        if (expired.length) {
            d.out(`run \`npm run teardown -- --yes\` to destroy ${expired.length === 1 ? "it" : `these ${expired.length} stacks`} (${expired.map(s => s.stack).join(", ")})`);
        }
        return 0;
    }
    if (cliProblem) {
        d.err(`error: ${cliProblem.message}`);
        return EXIT_CLI_MISSING;
    }
    if (!expired.length) {
        d.out("nothing to destroy");
        return 0;
    }
    const { failed } = await destroyExpired(ws, selection, d.out, d.write);
    if (failed.length) {
        d.err(`error: ${failed.length} of ${expired.length} expired stack(s) could not be destroyed: ${failed.map(f => f.stack).join(", ")}`);
        return 1;
    }
    return 0;
}
