/**
 * The plan's output folder, written so that it can never cost a user a file:
 *
 * - the plan records what it wrote in a manifest inside the folder, {@link MANIFEST}; a later
 *   plan removes only files that manifest lists, and only after writing the new output in full;
 * - it refuses (an {@link OutputError}, exit 2) a folder that holds anything a previous plan did
 *   not write (a file the manifest doesn't list, a subfolder, or anything at all without a
 *   manifest), a file or symbolic link where the folder should be, the project root, the home
 *   folder, `/`, and every folder that contains the project root;
 * - the new output is written into a temporary sibling folder, then swapped in with renames: a
 *   failed plan leaves the previous output as it was, never half new and half old.
 *
 * The manifest has no `.yaml`/`.yml`/`.json` extension, so that `kubectl apply -f <folder>` and
 * `npm run check -- <folder>` (which read files by extension) skip it.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The manifest file a plan leaves in its output folder. */
export const MANIFEST = ".kubelab-plan";

const GENERATOR = "kubelab plan";

/** What {@link MANIFEST} holds (JSON). */
export interface OutputManifest {
    generator: typeof GENERATOR;
    /** Plain file names, in the order they were written. */
    files: string[];
    /** The stack the plan was of, for the reader. */
    stack?: string;
}

/** The output folder can't be used; the message names the folder and why. */
export class OutputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "OutputError";
    }
}

export interface OutputFile {
    /** A plain file name (no folders), not the manifest's. */
    name: string;
    content: string;
}

export interface OutputOptions {
    /** The project root: refused as a target, as are its ancestors. */
    root: string;
    /** Recorded in the manifest. */
    stack?: string;
}

/** `dir` with symbolic links of its existing part resolved (the rest appended as given). */
function realPath(dir: string): string {
    const missing: string[] = [];
    let at = path.resolve(dir);
    for (;;) {
        try {
            return path.join(fs.realpathSync(at), ...missing.reverse());
        } catch {
            const parent = path.dirname(at);
            if (parent === at) {
                return path.resolve(dir);
            }
            missing.push(path.basename(at));
            at = parent;
        }
    }
}

function isSameOrInside(child: string, parent: string): boolean {
    const rel = path.relative(parent, child);
    return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** Reads a folder's manifest; undefined if it has none or it isn't one of ours. */
export function readManifest(dir: string): OutputManifest | undefined {
    let text: string;
    try {
        text = fs.readFileSync(path.join(dir, MANIFEST), "utf8");
    } catch {
        return legacyManifest(dir);
    }
    try {
        const value = JSON.parse(text) as Partial<OutputManifest>;
        if (value && value.generator === GENERATOR && Array.isArray(value.files) && value.files.every(f => typeof f === "string")) {
            return { generator: GENERATOR, files: value.files, stack: typeof value.stack === "string" ? value.stack : undefined };
        }
    } catch {
        // not ours
    }
    return undefined;
}

/**
 * Plans before the manifest wrote `report.json` and `all.yaml` beside the objects' files, and
 * the report listed each object's file: such a folder counts as a previous plan's output.
 */
function legacyManifest(dir: string): OutputManifest | undefined {
    try {
        const report = JSON.parse(fs.readFileSync(path.join(dir, "report.json"), "utf8")) as { stack?: unknown; objects?: { file?: unknown }[] };
        if (typeof report.stack !== "string" || !Array.isArray(report.objects) || !report.objects.every(o => typeof o?.file === "string")) {
            return undefined;
        }
        const files = report.objects.map(o => path.basename(o.file as string));
        return { generator: GENERATOR, files: [...files, "all.yaml", "report.json"], stack: report.stack };
    } catch {
        return undefined;
    }
}

/**
 * Throws an {@link OutputError} unless `dir` may be (re)written by a plan: it doesn't exist
 * yet, or it is an empty folder, or a folder holding only files a previous plan listed in its
 * manifest. Returns the manifest found, if any.
 */
export function checkOutputDir(dir: string, opts: OutputOptions): OutputManifest | undefined {
    const shown = path.resolve(dir);
    const target = realPath(dir);
    const root = realPath(opts.root);
    const refuse = (why: string) => new OutputError(`refusing to write the plan to ${shown}: ${why}; choose an empty or new folder (the default is out/<stack>/)`);
    if (target === path.parse(target).root) {
        throw refuse("it is the file system's root");
    }
    if (target === realPath(os.homedir())) {
        throw refuse("it is your home folder");
    }
    if (target === root) {
        throw refuse("it is the project root");
    }
    if (isSameOrInside(root, target)) {
        throw refuse(`it contains the project (${root})`);
    }
    let st: fs.Stats | undefined;
    try {
        st = fs.lstatSync(shown, { throwIfNoEntry: false });
    } catch (err) {
        throw refuse((err as NodeJS.ErrnoException).code === "ENOTDIR" ? "a part of its path is a file, not a folder" : (err as Error).message);
    }
    if (!st) {
        return undefined;
    }
    if (st.isSymbolicLink()) {
        throw refuse("it is a symbolic link (give the folder it points to)");
    }
    if (!st.isDirectory()) {
        throw refuse("it is a file, not a folder");
    }
    const entries = fs.readdirSync(shown, { withFileTypes: true });
    if (!entries.length) {
        return undefined;
    }
    const manifest = readManifest(shown);
    if (!manifest) {
        const names = entries.map(e => e.name).sort();
        throw refuse(`it holds ${entries.length} item(s) a previous plan did not write (${names.slice(0, 3).join(", ")}${names.length > 3 ? ", …" : ""}), and the plan only ever replaces its own output`);
    }
    const listed = new Set(manifest.files);
    const foreign = entries.filter(e => e.name !== MANIFEST && !(listed.has(e.name) && e.isFile())).map(e => e.name).sort();
    if (foreign.length) {
        throw refuse(`it holds ${foreign.length} item(s) the previous plan did not write (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", …" : ""}); move them elsewhere first`);
    }
    return manifest;
}

function checkName(name: string): void {
    if (!name || name === MANIFEST || name === "." || name === ".." || name !== path.basename(name) || /[\\/\0]/.test(name)) {
        throw new Error(`the plan may not write an output file named ${JSON.stringify(name)}`);
    }
}

function tempSibling(dir: string, tag: string): string {
    return path.join(path.dirname(dir), `.${path.basename(dir)}.${tag}-${process.pid}-${crypto.randomBytes(4).toString("hex")}`);
}

/**
 * Replaces the output folder `dir` with exactly `files` and a manifest listing them. Checks the
 * folder first ({@link checkOutputDir}); writes the new files into a temporary sibling folder
 * and swaps it in. If anything fails (including `files` throwing while it is read), the
 * previous folder is left as it was and the error is rethrown.
 */
export function writeOutputDir(dir: string, files: Iterable<OutputFile>, opts: OutputOptions): OutputManifest {
    const target = path.resolve(dir);
    checkOutputDir(target, opts);
    const temp = tempSibling(target, "new");
    try {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.mkdirSync(temp);
    } catch (err) {
        throw new OutputError(`cannot write the plan to ${target}: ${(err as Error).message} (the plan writes its output into a new folder beside ${path.basename(target)} and then swaps it in, so the folder that holds it must be writable)`);
    }
    const manifest: OutputManifest = { generator: GENERATOR, files: [], stack: opts.stack };
    try {
        const seen = new Set<string>();
        for (const file of files) {
            checkName(file.name);
            if (seen.has(file.name)) {
                throw new Error(`the plan would write ${file.name} twice`);
            }
            seen.add(file.name);
            fs.writeFileSync(path.join(temp, file.name), file.content, { flag: "wx" });
            manifest.files.push(file.name);
        }
        fs.writeFileSync(path.join(temp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { flag: "wx" });
    } catch (err) {
        fs.rmSync(temp, { recursive: true, force: true });
        throw err;
    }
    // Checked again right before the swap: the folder may have changed while the plan ran.
    try {
        checkOutputDir(target, opts);
    } catch (err) {
        fs.rmSync(temp, { recursive: true, force: true });
        throw err;
    }
    const old = fs.existsSync(target) ? tempSibling(target, "old") : undefined;
    try {
        if (old) {
            fs.renameSync(target, old);
        }
        try {
            fs.renameSync(temp, target);
        } catch (err) {
            if (old) {
                fs.renameSync(old, target);
            }
            throw err;
        }
    } catch (err) {
        fs.rmSync(temp, { recursive: true, force: true });
        throw new OutputError(`could not replace ${target}: ${(err as Error).message}; the previous output is unchanged`);
    }
    if (old) {
        removePreviousOutput(old);
    }
    return manifest;
}

/** Deletes a previous output folder moved aside: only the files its manifest lists, then the folder if empty. */
function removePreviousOutput(dir: string): void {
    const manifest = readManifest(dir);
    const listed = new Set(manifest?.files ?? []);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.isFile() && (entry.name === MANIFEST || listed.has(entry.name))) {
            fs.unlinkSync(path.join(dir, entry.name));
        }
    }
    try {
        fs.rmdirSync(dir);
    } catch {
        // Something appeared in it meanwhile: keep it (and what it holds) rather than delete it.
    }
}

/**
 * Writes a single file (the report) atomically: a temporary sibling, then a rename. Refuses a
 * folder, and a file that is not a previous plan report (`isPrevious` decides), so that
 * `--report README.md` can't overwrite a user's file.
 */
export function writeFileAtomically(file: string, content: string, isPrevious: (existing: string) => boolean): void {
    const target = path.resolve(file);
    const st = fs.lstatSync(target, { throwIfNoEntry: false });
    if (st?.isDirectory()) {
        throw new OutputError(`refusing to write the report to ${target}: it is a folder; give a file name such as out/<stack>.report.json`);
    }
    if (st && (!st.isFile() || !isPrevious(fs.readFileSync(target, "utf8")))) {
        throw new OutputError(`refusing to write the report to ${target}: the file exists and is not a previous plan report; remove it or choose another name`);
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const temp = tempSibling(target, "new");
    try {
        fs.writeFileSync(temp, content, { flag: "wx" });
        fs.renameSync(temp, target);
    } catch (err) {
        fs.rmSync(temp, { force: true });
        throw new OutputError(`could not write the report to ${target}: ${(err as Error).message}`);
    }
}
