/**
 * A MongoDB replica set that initiates and grows itself: the decision, the mongosh script that
 * acts on it, and the names and connection string the rest of a lab needs.
 *
 * The tutorial (LABS.md §5) runs `rs.initiate()` in `mongo-0` and then `rs.add("mongo-1.mongo-service:27017")`,
 * `rs.add("mongo-2.mongo-service:27017")` by hand. kubelab does the same from stack config:
 *
 * - {@link decideReplicaSetAction} is a pure function. Given the desired members
 *   (`mongo-N.mongo-service:27017` for N < replicas) and what one member reports (replSetGetStatus,
 *   or its error code, NotYetInitialized being 94; rs.conf(); db.hello(); which members answer a
 *   ping), it picks exactly one action: `initiate` (all members, `_id` 0..n-1), `add` (the members
 *   missing from rs.conf(), on the primary only), `wait` (not primary yet, a member unreachable…,
 *   with a reason), `none` (all in place) or `fail` (a state kubelab must not repair by itself, such
 *   as members in rs.conf() that are no longer desired: scaling down is not automated).
 * - {@link replicaSetInitScript} generates the mongosh script from the SAME code: the compiled source
 *   of `decideReplicaSetAction`, of the driver {@link runReplicaSetInit} and of the mongosh bindings
 *   {@link mongoshShell} is embedded with `Function.prototype.toString()`, followed by the
 *   desired spec and retry bounds as JSON and one call. There is no second copy of the logic to
 *   drift. Because of that, those three functions must stay self-contained: they may use only
 *   their parameters, their own locals and mongosh's globals (declared below), never another
 *   binding of this module or an import (the tests run the generated script in an empty context
 *   to prove it).
 * - The driver observes, decides, acts (rs.initiate / rs.add) and observes again, at most
 *   `attempts` times with `sleepMs` between observations, and exits non-zero with the last reason
 *   when the bound is hit or the decision is `fail`.
 *
 * Why a Job and not logic in the pods
 * - One actor at a time. Logic in the pods (an entrypoint wrapper, a postStart hook, a sidecar)
 *   runs in every member on every start; members racing to initiate can each create a different
 *   one-member set. A Job is a single run against the whole set.
 * - It runs when the member list changes, and `pulumi up` waits for it: pulumi-kubernetes awaits a
 *   Job until it is Complete and fails the update when it Fails, so a deploy reports success only
 *   once the set is initiated or grown, and a refused change (scale-down) fails the deploy with the
 *   script's message instead of hiding it in a pod log. {@link initJobName} changes with the member
 *   list and stays the same for the same list, so each `pulumi up` that changes `replicas` runs a new
 *   Job and an unchanged one runs nothing. The script is idempotent anyway (`none` on a complete set).
 * - The database pods stay the stock `mongod` image and command: changing the init logic never
 *   changes the StatefulSet's pod template, so it never rolls the database. (It changes the Job's
 *   command, the compiled script text, so Pulumi replaces that Job under the same name; the new run
 *   finds the set in place and does nothing.)
 *
 * What the Job needs ({@link initJobSettings} gathers it)
 * - Network access to every member's port through the headless Service's DNS. The member names are
 *   namespace-less short names (`mongo-0.mongo-service`), so the Job must run in the StatefulSet's
 *   namespace; where ingress is denied by default, a NetworkPolicy must admit the Job's pods (and
 *   the members themselves, which replicate to each other) on the port; the Service should publish not-ready
 *   addresses so members resolve before they are ready. The pods' readiness must not depend on
 *   replica-set membership (pods start in order: `mongo-1` waits for `mongo-0` to be Ready, and the
 *   set is initiated with all members only once all of them answer).
 * - An image with `mongosh`: the same `mongo:5` image as the members (nothing extra to mirror).
 *   Command: `mongosh --nodb --quiet --eval <script>` (the script connects itself, so a member that
 *   is not up yet is a retry, not a crash).
 * - No Kubernetes API access: it never talks to the API server, so no Role, no RoleBinding and
 *   `automountServiceAccountToken: false` (no ServiceAccount token in the pod).
 * - `restartPolicy: Never` (the script retries within its own bound), Pulumi `customTimeouts` above
 *   {@link maxInitSeconds}, and the `pulumi.com/replaceUnready: "true"` annotation so that a Job that
 *   failed (e.g. a member never came up) is re-created by the next `pulumi up` rather than awaited
 *   again with the same name. No `ttlSecondsAfterFinished`: a Job deleted by Kubernetes would be
 *   re-created by the next `pulumi up` after a refresh.
 * - No credentials: the lab's mongod runs without authentication, as in the tutorial.
 */
import { createHash } from "crypto";

// ---------------------------------------------------------------------------------------------
// Desired state
// ---------------------------------------------------------------------------------------------

/** Where the replica set lives: enough to name every member the way other pods address it. */
export interface ReplicaSetOptions {
    /** StatefulSet name; pods are `<statefulSetName>-<ordinal>` (LABS.md §5: `mongo`). */
    statefulSetName: string;
    /** Headless Service name, the StatefulSet's `serviceName` (LABS.md §5: `mongo-service`). */
    serviceName: string;
    /** Number of members, the StatefulSet's replicas (1..7: every member votes). */
    replicas: number;
    /** Port mongod listens on (LABS.md §5: 27017). */
    port: number;
    /** Replica set name, `mongod --replSet <setName>` (LABS.md §5: `myReplicaSet`). */
    setName: string;
}

/** What the replica set should be: its name and its members' `host:port`, in ordinal order. */
export interface ReplicaSetSpec {
    setName: string;
    /** `mongo-0.mongo-service:27017`, `mongo-1.mongo-service:27017`, … */
    members: string[];
}

/** One member of a replica set configuration, as in rs.conf(). */
export interface ReplicaSetMember {
    _id: number;
    host: string;
}

/** The document passed to rs.initiate(). */
export interface ReplicaSetConfig {
    /** The replica set name. */
    _id: string;
    members: ReplicaSetMember[];
}

/** MongoDB allows at most 7 voting members; kubelab adds every member as a voting one. */
export const MAX_VOTING_MEMBERS = 7;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkOptions(opts: ReplicaSetOptions): void {
    const where = "MongoDB replica set";
    for (const key of ["statefulSetName", "serviceName"] as const) {
        const value = opts[key];
        if (typeof value !== "string" || value.length > 63 || !DNS_LABEL.test(value)) {
            throw new Error(`${where}: ${key} ${JSON.stringify(value)} is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`);
        }
    }
    if (!Number.isInteger(opts.replicas) || opts.replicas < 1 || opts.replicas > MAX_VOTING_MEMBERS) {
        throw new Error(`${where}: replicas ${JSON.stringify(opts.replicas)} must be an integer from 1 to ${MAX_VOTING_MEMBERS} (every member is a voting member and MongoDB allows at most ${MAX_VOTING_MEMBERS})`);
    }
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
        throw new Error(`${where}: port ${JSON.stringify(opts.port)} must be an integer from 1 to 65535`);
    }
    if (typeof opts.setName !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(opts.setName)) {
        throw new Error(`${where}: setName ${JSON.stringify(opts.setName)} must be 1 to 64 letters, digits, '_' or '-' (it appears in connection strings and in mongod --replSet)`);
    }
}

/**
 * The members' `host:port` in ordinal order: `<sts>-N.<service>:<port>` for N < replicas.
 * Short names without the namespace: they resolve only from the StatefulSet's namespace.
 */
export function replicaSetMembers(opts: ReplicaSetOptions): string[] {
    checkOptions(opts);
    const members: string[] = [];
    for (let n = 0; n < opts.replicas; n++) members.push(`${opts.statefulSetName}-${n}.${opts.serviceName}:${opts.port}`);
    return members;
}

/** The desired state the decision compares with what the set reports. */
export function replicaSetSpec(opts: ReplicaSetOptions): ReplicaSetSpec {
    return { setName: opts.setName, members: replicaSetMembers(opts) };
}

/**
 * The connection string clients use: every member and `replicaSet=<setName>`, e.g.
 * `mongodb://mongo-0.mongo-service:27017,mongo-1.mongo-service:27017,mongo-2.mongo-service:27017/?replicaSet=myReplicaSet`.
 * With `database`, it is the path: `…:27017/movies?replicaSet=myReplicaSet`.
 */
export function connectionString(opts: ReplicaSetOptions, database?: string): string {
    if (database !== undefined && !/^[^/\\. "$*<>:|?\x00]{1,63}$/.test(database)) {
        throw new Error(`MongoDB replica set: database ${JSON.stringify(database)} is not a valid MongoDB database name (1 to 63 characters, none of / \\ . space " $ * < > : | ?)`);
    }
    return `mongodb://${replicaSetMembers(opts).join(",")}/${database ?? ""}?replicaSet=${opts.setName}`;
}

/**
 * The initializer Job's name: `<sts>-rs-init-<10 hex digits of sha256(set name and members)>`.
 * The same member list always gives the same name (an unchanged `pulumi up` runs nothing new) and
 * a changed one a new name (a new Job runs). At most 63 characters and a DNS-1123 label, so it is
 * valid as the Job name and as the `job-name` label its pods carry.
 */
export function initJobName(opts: ReplicaSetOptions): string {
    const spec = replicaSetSpec(opts);
    const hash = createHash("sha256").update(JSON.stringify({ setName: spec.setName, members: spec.members })).digest("hex").slice(0, 10);
    const suffix = `-rs-init-${hash}`;
    const prefix = opts.statefulSetName.slice(0, 63 - suffix.length).replace(/-+$/, "");
    return `${prefix}${suffix}`;
}

// ---------------------------------------------------------------------------------------------
// The decision (pure; embedded verbatim in the mongosh script)
// ---------------------------------------------------------------------------------------------

/** What replSetGetStatus returned on the member we talk to: the set name, or the error. */
export type StatusObservation =
    | { ok: true; set: string }
    | {
        ok: false;
        /** Server error code: 94 NotYetInitialized, 76 NoReplicationEnabled; absent for network errors. */
        code?: number;
        codeName?: string;
        message: string;
    };

/** One observation of the replica set, gathered by the driver on one member. */
export interface ReplicaSetObservation {
    /** The member (`host:port`) these answers come from. */
    via: string;
    /** `db.adminCommand({ replSetGetStatus: 1 })`. */
    status: StatusObservation;
    /** `rs.conf()` when it could be read: the set name and its members. */
    config?: { set: string; members: ReplicaSetMember[] };
    /** Why rs.conf() could not be read, when status was ok but the config was not. */
    configError?: string;
    /** Desired members that answered a ping on a connection of their own. */
    reachable: string[];
    /** `db.hello().isWritablePrimary` of `via`. */
    isPrimary: boolean;
    /** `db.hello().primary`: the primary `via` knows of, if any. */
    primary?: string;
}

/** The one thing to do next. Every action carries a reason the script prints. */
export type ReplicaSetAction =
    /** rs.initiate(config) with every desired member, `_id` 0..n-1. */
    | { kind: "initiate"; config: ReplicaSetConfig; reason: string }
    /** rs.add(member) for each member missing from rs.conf(), in order, on the primary. */
    | { kind: "add"; members: ReplicaSetMember[]; reason: string }
    /** Observe again later; `connectTo` names the member to talk to next (the primary, or the first member). */
    | { kind: "wait"; reason: string; connectTo?: string }
    /** Every desired member is in rs.conf(): nothing to do. */
    | { kind: "none"; reason: string }
    /** A state kubelab must not change by itself; the reason says what to do by hand. */
    | { kind: "fail"; reason: string };

/**
 * Decides the one action that brings the observed replica set towards the desired one.
 *
 * Pure and self-contained (its compiled source is embedded in the mongosh script): it reads only
 * its arguments. Hosts compare case-insensitively (DNS names).
 *
 * - replSetGetStatus fails with 94 (NotYetInitialized): `initiate` with all members once every one
 *   of them answers (rs.initiate checks that all proposed members respond), else `wait`.
 * - 76 (NoReplicationEnabled): `fail`, mongod runs without `--replSet`.
 * - any other error (member down, network): `wait`, next time through the first member.
 * - a set with another name: `fail`.
 * - rs.conf() lists members that are not desired: `fail` (scaling down is not automated).
 * - all desired members in rs.conf(): `none` (whether or not `via` is primary).
 * - members missing: `add` them on the primary, once each of them answers; not primary: `wait`,
 *   and talk to the primary `via` reports, if it is a desired member.
 */
export function decideReplicaSetAction(desired: ReplicaSetSpec, observed: ReplicaSetObservation): ReplicaSetAction {
    const members = desired.members;
    const seed = members[0];
    const key = function (host: string): string { return String(host).toLowerCase(); };
    const has = function (list: string[], host: string): boolean {
        for (let i = 0; i < list.length; i++) if (key(list[i]) === key(host)) return true;
        return false;
    };
    const names = function (list: string[]): string { return list.join(", "); };
    if (members.length === 0) {
        return { kind: "fail", reason: "no desired members: the replica set " + desired.setName + " needs at least one" };
    }
    const unreachable = function (list: string[]): string[] {
        return list.filter(function (host) { return !has(observed.reachable, host); });
    };

    const status = observed.status;
    if (!status.ok) {
        if (status.code === 94) {
            // NotYetInitialized: no member has a config yet (or this one was never added).
            const down = unreachable(members);
            if (down.length > 0) {
                return {
                    kind: "wait",
                    reason: "replica set " + desired.setName + " is not initiated; waiting for " + names(down) +
                        " to answer before rs.initiate() with all " + members.length + " members",
                };
            }
            const config: ReplicaSetConfig = {
                _id: desired.setName,
                members: members.map(function (host, i) { return { _id: i, host: host }; }),
            };
            return {
                kind: "initiate",
                config: config,
                reason: "replica set " + desired.setName + " is not initiated (NotYetInitialized on " + observed.via +
                    "): rs.initiate() with " + names(members),
            };
        }
        if (status.code === 76) {
            return {
                kind: "fail",
                reason: "mongod on " + observed.via + " runs without replication (NoReplicationEnabled): start it with " +
                    "`mongod --replSet " + desired.setName + " --bind_ip_all`",
            };
        }
        const what = status.code === undefined ? "" : " (code " + status.code + (status.codeName ? " " + status.codeName : "") + ")";
        return {
            kind: "wait",
            reason: "replSetGetStatus on " + observed.via + " failed" + what + ": " + status.message,
            connectTo: seed,
        };
    }

    if (status.set !== desired.setName) {
        return {
            kind: "fail",
            reason: observed.via + " belongs to replica set " + JSON.stringify(status.set) + ", not " + JSON.stringify(desired.setName) +
                ": the set name is fixed at rs.initiate(); run mongod with --replSet " + desired.setName + " on fresh volumes, or configure setName " + JSON.stringify(status.set),
        };
    }
    const config = observed.config;
    if (!config) {
        return {
            kind: "wait",
            reason: "rs.conf() could not be read on " + observed.via + (observed.configError ? ": " + observed.configError : ""),
            connectTo: seed,
        };
    }
    const configured = config.members.map(function (m) { return m.host; });

    const extra = configured.filter(function (host) { return !has(members, host); });
    if (extra.length > 0) {
        return {
            kind: "fail",
            reason: "rs.conf() of " + desired.setName + " lists " + names(extra) + ", which " + (extra.length === 1 ? "is" : "are") +
                " not among the desired members (" + names(members) + "). kubelab adds members but never removes them: " +
                "scaling a replica set down is not automated, because removing voting members changes the majority. " +
                "Either raise replicas again so that the desired members include them, or remove them by hand on the primary " +
                "(rs.remove(\"" + extra[0] + "\")" + (extra.length > 1 ? " and so on for each" : "") + ") and run pulumi up again. " +
                "A member named differently (e.g. \"mongo-0:27017\" after a bare rs.initiate()) needs rs.reconfig() by hand to use the names above.",
        };
    }

    const missing = members.filter(function (host) { return !has(configured, host); });
    if (missing.length === 0) {
        return {
            kind: "none",
            reason: "all " + members.length + " members of " + desired.setName + " are in rs.conf()" +
                (observed.primary ? " (primary: " + observed.primary + ")" : " (no primary elected yet)"),
        };
    }
    if (!observed.isPrimary) {
        const primary = observed.primary;
        if (primary && key(primary) !== key(observed.via) && has(members, primary)) {
            return {
                kind: "wait",
                reason: names(missing) + " missing from rs.conf(); " + observed.via + " is not primary: talking to the primary " + primary,
                connectTo: primary,
            };
        }
        return {
            kind: "wait",
            reason: names(missing) + " missing from rs.conf(); " + observed.via + " is not primary and knows no primary yet",
        };
    }
    const down = unreachable(missing);
    if (down.length > 0) {
        return {
            kind: "wait",
            reason: names(missing) + " missing from rs.conf(); waiting for " + names(down) + " to answer before rs.add()",
        };
    }
    let next = 0;
    for (let i = 0; i < config.members.length; i++) {
        if (config.members[i]._id >= next) next = config.members[i]._id + 1;
    }
    return {
        kind: "add",
        members: missing.map(function (host, i) { return { _id: next + i, host: host }; }),
        reason: "rs.conf() of " + desired.setName + " has " + configured.length + " of " + members.length + " members: rs.add() " + names(missing) + " on the primary " + observed.via,
    };
}

// ---------------------------------------------------------------------------------------------
// The driver (self-contained; embedded verbatim in the mongosh script)
// ---------------------------------------------------------------------------------------------

/** A document returned by a mongosh call. */
export interface MongoshDocument {
    [field: string]: unknown;
}

/** What the driver needs from mongosh, one method per call it makes (see {@link mongoshShell}). */
export interface MongoShell {
    /** Make `host` the member the following calls talk to (a direct connection); throws when it cannot. */
    connect(host: string): void;
    /** `db.adminCommand({ replSetGetStatus: 1 })`; throws the server error (with `code`) or a network error. */
    replSetGetStatus(): MongoshDocument;
    /** `rs.conf()`. */
    conf(): MongoshDocument;
    /** `db.hello()`. */
    hello(): MongoshDocument;
    /** Whether `host` answers `ping` on a connection of its own. */
    ping(host: string): boolean;
    /** `rs.initiate(config)`. */
    initiate(config: ReplicaSetConfig): MongoshDocument;
    /** `rs.add(member)`. */
    add(member: ReplicaSetMember): MongoshDocument;
    /** `sleep(ms)`. */
    sleep(ms: number): void;
    /** `print(line)`. */
    print(line: string): void;
}

/** How long the driver keeps trying. */
export interface InitBounds {
    /** Observations at most (each may act once). */
    attempts: number;
    /** Pause between an observation that did not finish and the next one, in milliseconds. */
    sleepMs: number;
    /** Connection and server-selection timeout of each connection, in milliseconds. */
    timeoutMs: number;
}

/** 60 observations 5 s apart with 3 s connection timeouts: members of a fresh StatefulSet have minutes to start. */
export const DEFAULT_INIT_BOUNDS: InitBounds = { attempts: 60, sleepMs: 5000, timeoutMs: 3000 };

/** Worst-case run time of the script, in seconds (every connection timing out): a floor for the Job's Pulumi customTimeouts. */
export function maxInitSeconds(bounds: InitBounds, replicas: number): number {
    const perAttemptMs = bounds.sleepMs + bounds.timeoutMs * (2 + replicas);
    return Math.ceil((bounds.attempts * perAttemptMs) / 1000);
}

/**
 * Observes, decides, acts and observes again until the decision is `none` (returns 0) or `fail`
 * (returns 1), or the bound is hit (returns 1 with the last reason). Starts on the first member
 * and follows the decision's `connectTo`. After a successful rs.initiate/rs.add it observes again
 * at once; otherwise it sleeps `bounds.sleepMs` first. Self-contained (embedded in the script).
 */
export function runReplicaSetInit(
    spec: ReplicaSetSpec,
    bounds: InitBounds,
    decide: (desired: ReplicaSetSpec, observed: ReplicaSetObservation) => ReplicaSetAction,
    shell: MongoShell,
): number {
    const prefix = "kubelab rs-init " + spec.setName + ": ";
    const describe = function (e: unknown): { code?: number; codeName?: string; message: string } {
        const d = (typeof e === "object" && e !== null ? e : {}) as { code?: unknown; codeName?: unknown; message?: unknown; errmsg?: unknown };
        const message = typeof d.message === "string" ? d.message : typeof d.errmsg === "string" ? d.errmsg : String(e);
        const out: { code?: number; codeName?: string; message: string } = { message: message };
        if (typeof d.code === "number") out.code = d.code;
        if (typeof d.codeName === "string") out.codeName = d.codeName;
        return out;
    };
    const observe = function (via: string): ReplicaSetObservation {
        const observed: ReplicaSetObservation = { via: via, status: { ok: false, message: "not observed" }, reachable: [], isPrimary: false };
        try {
            const s = shell.replSetGetStatus();
            if (s.ok === 0 || s.ok === false) {
                const e = describe(s);
                observed.status = { ok: false, code: e.code, codeName: e.codeName, message: e.message };
            } else {
                observed.status = { ok: true, set: typeof s.set === "string" ? s.set : "" };
            }
        } catch (e) {
            const d = describe(e);
            observed.status = { ok: false, code: d.code, codeName: d.codeName, message: d.message };
        }
        if (observed.status.ok) {
            try {
                const c = shell.conf();
                const members: ReplicaSetMember[] = [];
                const list = Array.isArray(c.members) ? (c.members as MongoshDocument[]) : [];
                for (let i = 0; i < list.length; i++) members.push({ _id: Number(list[i]._id), host: String(list[i].host) });
                observed.config = { set: String(c._id), members: members };
            } catch (e) {
                observed.configError = describe(e).message;
            }
        }
        try {
            const h = shell.hello();
            observed.isPrimary = h.isWritablePrimary === true || h.ismaster === true;
            if (typeof h.primary === "string") observed.primary = h.primary;
        } catch (e) {
            observed.isPrimary = false;
        }
        for (let i = 0; i < spec.members.length; i++) {
            if (shell.ping(spec.members[i])) observed.reachable.push(spec.members[i]);
        }
        return observed;
    };

    let via = spec.members[0];
    let connected = false;
    let last = "nothing observed";
    for (let attempt = 1; attempt <= bounds.attempts; attempt++) {
        const tag = prefix + "[" + attempt + "/" + bounds.attempts + "] ";
        let acted = false;
        if (!connected) {
            try {
                shell.connect(via);
                connected = true;
            } catch (e) {
                last = "cannot connect to " + via + ": " + describe(e).message;
                shell.print(tag + last);
            }
        }
        if (connected) {
            const action = decide(spec, observe(via));
            shell.print(tag + action.kind + ": " + action.reason);
            last = action.reason;
            if (action.kind === "none") return 0;
            if (action.kind === "fail") {
                shell.print(prefix + "FAILED: " + action.reason);
                return 1;
            }
            if (action.kind === "initiate") {
                try {
                    shell.initiate(action.config);
                    shell.print(tag + "rs.initiate() succeeded");
                    acted = true;
                } catch (e) {
                    last = "rs.initiate() on " + via + " failed: " + describe(e).message;
                    shell.print(tag + last);
                }
            } else if (action.kind === "add") {
                acted = true;
                for (let i = 0; i < action.members.length; i++) {
                    try {
                        shell.add(action.members[i]);
                        shell.print(tag + "rs.add(" + JSON.stringify(action.members[i]) + ") succeeded");
                    } catch (e) {
                        last = "rs.add(" + JSON.stringify(action.members[i]) + ") on " + via + " failed: " + describe(e).message;
                        shell.print(tag + last);
                        acted = false;
                        break;
                    }
                }
            } else if (action.connectTo) {
                via = action.connectTo;
                connected = false;
            }
        }
        if (!acted && attempt < bounds.attempts) shell.sleep(bounds.sleepMs);
    }
    shell.print(prefix + "FAILED: gave up after " + bounds.attempts + " attempts " + bounds.sleepMs + " ms apart; last: " + last);
    return 1;
}

// ---------------------------------------------------------------------------------------------
// mongosh bindings (self-contained; embedded verbatim in the mongosh script)
// ---------------------------------------------------------------------------------------------

/** A mongosh Database (only the calls the script makes). */
interface MongoshDatabase {
    adminCommand(command: MongoshDocument): MongoshDocument;
    hello(): MongoshDocument;
}
/** mongosh's `rs` helper, bound by mongosh to the current `db`. */
interface MongoshReplicaSet {
    conf(): MongoshDocument;
    initiate(config: ReplicaSetConfig): MongoshDocument;
    add(member: ReplicaSetMember): MongoshDocument;
}
/** A mongosh connection (`new Mongo(uri)`). */
interface MongoshConnection {
    getDB(name: string): MongoshDatabase;
    close(): void;
}
// mongosh's globals: they exist only inside mongosh, so they are declared, never imported. Assigning
// `db` makes mongosh re-bind `rs` to the new database (mongosh's setDbFunc).
declare let db: MongoshDatabase;
declare const rs: MongoshReplicaSet;
declare function connect(uri: string): MongoshDatabase;
declare const Mongo: new (uri: string) => MongoshConnection;
declare function sleep(ms: number): void;
declare function print(line: string): void;

/**
 * The {@link MongoShell} made of mongosh's globals: `connect()`, `db.adminCommand`, `db.hello()`,
 * `rs.conf()`, `rs.initiate()`, `rs.add()`, `new Mongo()`, `sleep()`, `print()`. Every connection
 * is direct (`directConnection=true`: no replica-set discovery before the set exists) with
 * `timeoutMs` connection and server-selection timeouts. Only meaningful inside mongosh.
 */
export function mongoshShell(timeoutMs: number): MongoShell {
    const uri = function (host: string): string {
        return "mongodb://" + host + "/admin?directConnection=true&connectTimeoutMS=" + timeoutMs + "&serverSelectionTimeoutMS=" + timeoutMs;
    };
    return {
        connect: function (host: string): void { db = connect(uri(host)); },
        replSetGetStatus: function (): MongoshDocument { return db.adminCommand({ replSetGetStatus: 1 }); },
        conf: function (): MongoshDocument { return rs.conf(); },
        hello: function (): MongoshDocument { return db.hello(); },
        ping: function (host: string): boolean {
            try {
                const connection = new Mongo(uri(host));
                try {
                    connection.getDB("admin").adminCommand({ ping: 1 });
                    return true;
                } finally {
                    connection.close();
                }
            } catch (e) {
                return false;
            }
        },
        initiate: function (config: ReplicaSetConfig): MongoshDocument { return rs.initiate(config); },
        add: function (member: ReplicaSetMember): MongoshDocument { return rs.add(member); },
        sleep: function (ms: number): void { sleep(ms); },
        print: function (line: string): void { print(line); },
    };
}

/**
 * The mongosh script the initializer Job runs (`mongosh --nodb --quiet --eval <script>`): the
 * compiled source of {@link decideReplicaSetAction}, {@link runReplicaSetInit} and
 * {@link mongoshShell}, the desired spec and bounds as JSON, and
 * `quit(runReplicaSetInit(spec, bounds, decideReplicaSetAction, mongoshShell(bounds.timeoutMs)))`.
 * Exit status 0 when the set is complete, 1 with a message otherwise.
 */
export function replicaSetInitScript(opts: ReplicaSetOptions, bounds: InitBounds = DEFAULT_INIT_BOUNDS): string {
    checkBounds(bounds);
    const spec = replicaSetSpec(opts);
    return [
        `// kubelab: initiate and grow MongoDB replica set ${spec.setName}. Generated by components/data/mongo-rs-init.ts`,
        "// from the compiled source of its functions; run with `mongosh --nodb --quiet --eval <this script>`.",
        decideReplicaSetAction.toString(),
        runReplicaSetInit.toString(),
        mongoshShell.toString(),
        `const spec = ${JSON.stringify(spec)};`,
        `const bounds = ${JSON.stringify({ attempts: bounds.attempts, sleepMs: bounds.sleepMs, timeoutMs: bounds.timeoutMs })};`,
        "quit(runReplicaSetInit(spec, bounds, decideReplicaSetAction, mongoshShell(bounds.timeoutMs)));",
        "",
    ].join("\n");
}

function checkBounds(bounds: InitBounds): void {
    const limits: Record<keyof InitBounds, [number, number]> = { attempts: [1, 1000], sleepMs: [0, 600_000], timeoutMs: [100, 600_000] };
    for (const key of Object.keys(limits) as (keyof InitBounds)[]) {
        const [min, max] = limits[key];
        const value = bounds[key];
        if (!Number.isInteger(value) || value < min || value > max) {
            throw new Error(`MongoDB replica set init: ${key} ${JSON.stringify(value)} must be an integer from ${min} to ${max}`);
        }
    }
}

/** What the initializer Job must be; the component that owns the StatefulSet (../mongo-replica-set.ts) maps it onto a `batch/v1` Job. */
export interface InitJobSettings {
    /** `metadata.name`: {@link initJobName}. */
    name: string;
    /** The container's command, in the members' own image (`mongo:5` ships mongosh): `mongosh --nodb --quiet --eval <script>`. */
    command: string[];
    /** The script retries by itself; a failed run must fail the Job (and so `pulumi up`) rather than start over. */
    restartPolicy: "Never";
    backoffLimit: 0;
    /** It never calls the Kubernetes API: no ServiceAccount token in the pod. */
    automountServiceAccountToken: false;
    /** `pulumi.com/replaceUnready: "true"`: a Job that failed is re-created by the next `pulumi up`, not awaited again. */
    annotations: Record<string, string>;
    /** Pulumi `customTimeouts` (create and update) in seconds: the script's worst case plus 5 minutes to schedule and pull. */
    timeoutSeconds: number;
}

/** The initializer Job's settings for a replica set: name, command, restart and token policy, annotation, timeout. */
export function initJobSettings(opts: ReplicaSetOptions, bounds: InitBounds = DEFAULT_INIT_BOUNDS): InitJobSettings {
    return {
        name: initJobName(opts),
        command: ["mongosh", "--nodb", "--quiet", "--eval", replicaSetInitScript(opts, bounds)],
        restartPolicy: "Never",
        backoffLimit: 0,
        automountServiceAccountToken: false,
        annotations: { "pulumi.com/replaceUnready": "true" },
        timeoutSeconds: maxInitSeconds(bounds, opts.replicas) + 300,
    };
}
