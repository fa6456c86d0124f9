/**
 * The MongoDB replica set initializer: the pure decision case by case, the names and connection
 * string, and the generated mongosh script run against a fake mongosh in an empty `vm` context
 * (which also proves the embedded functions need nothing from this repository).
 */
import * as assert from "assert";
import * as vm from "vm";
import {
    DEFAULT_INIT_BOUNDS,
    InitBounds,
    ReplicaSetAction,
    ReplicaSetMember,
    ReplicaSetObservation,
    ReplicaSetOptions,
    connectionString,
    decideReplicaSetAction,
    initJobName,
    initJobSettings,
    maxInitSeconds,
    mongoshShell,
    replicaSetInitScript,
    replicaSetMembers,
    replicaSetSpec,
    runReplicaSetInit,
} from "../components/data/mongo-rs-init";

/** LABS.md §5. */
const LAB: ReplicaSetOptions = { statefulSetName: "mongo", serviceName: "mongo-service", replicas: 3, port: 27017, setName: "myReplicaSet" };
const M = ["mongo-0.mongo-service:27017", "mongo-1.mongo-service:27017", "mongo-2.mongo-service:27017", "mongo-3.mongo-service:27017", "mongo-4.mongo-service:27017"];
const spec3 = replicaSetSpec(LAB);
const spec5 = replicaSetSpec({ ...LAB, replicas: 5 });
const spec2 = replicaSetSpec({ ...LAB, replicas: 2 });

const members = (hosts: string[], ids?: number[]): ReplicaSetMember[] => hosts.map((host, i) => ({ _id: ids ? ids[i] : i, host }));
const conf = (hosts: string[], ids?: number[]) => ({ set: "myReplicaSet", members: members(hosts, ids) });
const NOT_INITIATED = { ok: false as const, code: 94, codeName: "NotYetInitialized", message: "no replset config has been received" };

/** An observation through mongo-0, the primary, every member reachable, with `over` on top. */
function obs(over: Partial<ReplicaSetObservation>, hosts: string[] = M.slice(0, 3)): ReplicaSetObservation {
    return { via: M[0], status: { ok: true, set: "myReplicaSet" }, reachable: [...hosts], isPrimary: true, primary: M[0], ...over };
}

function deepFreeze<T>(value: T): T {
    if (typeof value === "object" && value !== null) {
        for (const v of Object.values(value)) deepFreeze(v);
        Object.freeze(value);
    }
    return value;
}

describe("MongoDB replica set initializer", () => {
    describe("names and connection string (LABS.md §5)", () => {
        it("members are mongo-N.mongo-service:27017 for N < replicas, in ordinal order", () => {
            assert.deepStrictEqual(replicaSetMembers(LAB), M.slice(0, 3));
            assert.deepStrictEqual(replicaSetMembers({ ...LAB, replicas: 1 }), [M[0]]);
            assert.deepStrictEqual(replicaSetMembers({ ...LAB, statefulSetName: "db", serviceName: "db-hl", port: 27018, replicas: 2 }),
                ["db-0.db-hl:27018", "db-1.db-hl:27018"]);
        });

        it("the connection string lists every member and replicaSet=myReplicaSet, with an optional database path", () => {
            assert.strictEqual(connectionString(LAB),
                "mongodb://mongo-0.mongo-service:27017,mongo-1.mongo-service:27017,mongo-2.mongo-service:27017/?replicaSet=myReplicaSet");
            assert.strictEqual(connectionString({ ...LAB, replicas: 5 }, "movies"),
                `mongodb://${M.join(",")}/movies?replicaSet=myReplicaSet`);
            assert.throws(() => connectionString(LAB, "a/b"), /database "a\/b" is not a valid MongoDB database name/);
            assert.throws(() => connectionString(LAB, ""), /database ""/);
        });

        it("rejects options it cannot turn into members, naming the setting, the value and what is allowed", () => {
            assert.throws(() => replicaSetMembers({ ...LAB, replicas: 0 }), /replicas 0 must be an integer from 1 to 7/);
            assert.throws(() => replicaSetMembers({ ...LAB, replicas: 8 }), /replicas 8 must be an integer from 1 to 7 \(every member is a voting member/);
            assert.throws(() => replicaSetMembers({ ...LAB, replicas: 1.5 }), /replicas 1.5/);
            assert.throws(() => replicaSetMembers({ ...LAB, statefulSetName: "Mongo" }), /statefulSetName "Mongo" is not a DNS-1123 label/);
            assert.throws(() => replicaSetMembers({ ...LAB, serviceName: "mongo_service" }), /serviceName "mongo_service" is not a DNS-1123 label/);
            assert.throws(() => replicaSetMembers({ ...LAB, port: 0 }), /port 0 must be an integer from 1 to 65535/);
            assert.throws(() => replicaSetMembers({ ...LAB, setName: "my set" }), /setName "my set" must be/);
        });

        it("the Job name changes with the member list and only with it, and is a DNS-1123 label of at most 63 characters", () => {
            const name = initJobName(LAB);
            assert.match(name, /^mongo-rs-init-[0-9a-f]{10}$/);
            assert.strictEqual(initJobName({ setName: "myReplicaSet", port: 27017, replicas: 3, serviceName: "mongo-service", statefulSetName: "mongo" }), name);
            const others = [
                initJobName({ ...LAB, replicas: 4 }), initJobName({ ...LAB, replicas: 2 }), initJobName({ ...LAB, port: 27018 }),
                initJobName({ ...LAB, serviceName: "mongo-hl" }), initJobName({ ...LAB, setName: "rs0" }),
            ];
            assert.strictEqual(new Set([name, ...others]).size, others.length + 1, "every changed member list gives a new name");
            for (const sts of ["a".repeat(63), `${"a".repeat(43)}-${"b".repeat(19)}`, "m"]) {
                const long = initJobName({ ...LAB, statefulSetName: sts });
                assert.ok(long.length <= 63, `${long} has ${long.length} characters`);
                assert.match(long, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
                assert.match(long, /-rs-init-[0-9a-f]{10}$/);
            }
        });

        it("the Job's settings: the script through mongosh without a database, no token, no restarts, replaced when it failed", () => {
            const bounds: InitBounds = { attempts: 10, sleepMs: 1000, timeoutMs: 500 };
            const job = initJobSettings(LAB, bounds);
            assert.strictEqual(job.name, initJobName(LAB));
            assert.deepStrictEqual(job.command, ["mongosh", "--nodb", "--quiet", "--eval", replicaSetInitScript(LAB, bounds)]);
            assert.deepStrictEqual([job.restartPolicy, job.backoffLimit, job.automountServiceAccountToken], ["Never", 0, false]);
            assert.deepStrictEqual(job.annotations, { "pulumi.com/replaceUnready": "true" });
            assert.strictEqual(job.timeoutSeconds, maxInitSeconds(bounds, 3) + 300);
        });

        it("bounds: the worst-case duration covers every attempt, sleep and connection timeout", () => {
            assert.strictEqual(maxInitSeconds({ attempts: 10, sleepMs: 1000, timeoutMs: 500 }, 3), 10 * (1000 + 500 * 5) / 1000);
            assert.ok(maxInitSeconds(DEFAULT_INIT_BOUNDS, 3) >= DEFAULT_INIT_BOUNDS.attempts * DEFAULT_INIT_BOUNDS.sleepMs / 1000);
            assert.throws(() => replicaSetInitScript(LAB, { attempts: 0, sleepMs: 10, timeoutMs: 100 }), /attempts 0 must be an integer from 1 to 1000/);
            assert.throws(() => replicaSetInitScript(LAB, { attempts: 3, sleepMs: -1, timeoutMs: 100 }), /sleepMs -1/);
        });
    });

    describe("the decision, case by case", () => {
        interface Case { name: string; spec?: typeof spec3; observed: ReplicaSetObservation; expect: (a: ReplicaSetAction) => void }
        const cases: Case[] = [
            {
                name: "not initiated, every member answers: initiate with all members, _id 0..n-1, set myReplicaSet",
                observed: obs({ status: NOT_INITIATED, isPrimary: false, primary: undefined }),
                expect: (a) => {
                    assert.strictEqual(a.kind, "initiate");
                    assert.deepStrictEqual(a.kind === "initiate" && a.config, { _id: "myReplicaSet", members: members(M.slice(0, 3)) });
                },
            },
            {
                name: "not initiated, a member unreachable: wait for it (rs.initiate needs every proposed member)",
                observed: obs({ status: NOT_INITIATED, isPrimary: false, primary: undefined, reachable: M.slice(0, 2) }),
                expect: (a) => {
                    assert.strictEqual(a.kind, "wait");
                    assert.match(a.reason, /not initiated; waiting for mongo-2\.mongo-service:27017 to answer before rs\.initiate\(\) with all 3 members/);
                    assert.strictEqual(a.kind === "wait" && a.connectTo, undefined);
                },
            },
            {
                name: "partly configured: add only the missing member, with the next _id",
                observed: obs({ config: conf(M.slice(0, 2)) }),
                expect: (a) => assert.deepStrictEqual(a.kind === "add" && a.members, [{ _id: 2, host: M[2] }]),
            },
            {
                name: "partly configured with gaps in _id: new members get ids above the highest",
                observed: obs({ config: conf([M[0], M[2]], [0, 5]) }),
                expect: (a) => assert.deepStrictEqual(a.kind === "add" && a.members, [{ _id: 6, host: M[1] }]),
            },
            {
                name: "complete: nothing to do",
                observed: obs({ config: conf(M.slice(0, 3)) }),
                expect: (a) => { assert.strictEqual(a.kind, "none"); assert.match(a.reason, /all 3 members of myReplicaSet are in rs\.conf\(\) \(primary: mongo-0/); },
            },
            {
                name: "complete, seen from a secondary with a member down: still nothing to do",
                observed: obs({ via: M[1], isPrimary: false, primary: M[0], reachable: M.slice(0, 2), config: conf(M.slice(0, 3)) }),
                expect: (a) => assert.strictEqual(a.kind, "none"),
            },
            {
                name: "complete, but the host names differ in case only: DNS names compare case-insensitively",
                observed: obs({ config: conf([M[0].toUpperCase(), M[1], M[2]]) }),
                expect: (a) => assert.strictEqual(a.kind, "none"),
            },
            {
                name: "scaled up from 3 to 5: add mongo-3 and mongo-4, in order",
                spec: spec5,
                observed: obs({ config: conf(M.slice(0, 3)) }, M),
                expect: (a) => assert.deepStrictEqual(a.kind === "add" && a.members, [{ _id: 3, host: M[3] }, { _id: 4, host: M[4] }]),
            },
            {
                name: "scaled up, a new member unreachable: wait for it",
                spec: spec5,
                observed: obs({ config: conf(M.slice(0, 3)), reachable: M.slice(0, 4) }),
                expect: (a) => { assert.strictEqual(a.kind, "wait"); assert.match(a.reason, /waiting for mongo-4\.mongo-service:27017 to answer before rs\.add\(\)/); },
            },
            {
                name: "members missing, not primary, the primary known: wait and talk to the primary",
                observed: obs({ config: conf(M.slice(0, 2)), isPrimary: false, primary: M[1] }),
                expect: (a) => {
                    assert.strictEqual(a.kind, "wait");
                    assert.strictEqual(a.kind === "wait" && a.connectTo, M[1]);
                    assert.match(a.reason, /mongo-0\.mongo-service:27017 is not primary: talking to the primary mongo-1/);
                },
            },
            {
                name: "members missing, no primary elected yet: wait where we are",
                observed: obs({ config: conf(M.slice(0, 2)), isPrimary: false, primary: undefined }),
                expect: (a) => {
                    assert.strictEqual(a.kind, "wait");
                    assert.strictEqual(a.kind === "wait" && a.connectTo, undefined);
                    assert.match(a.reason, /not primary and knows no primary yet/);
                },
            },
            {
                name: "rs.conf() has a member that is no longer desired (scaled down 3 to 2): fail and explain",
                spec: spec2,
                observed: obs({ config: conf(M.slice(0, 3)) }),
                expect: (a) => {
                    assert.strictEqual(a.kind, "fail");
                    assert.match(a.reason, /lists mongo-2\.mongo-service:27017, which is not among the desired members/);
                    assert.match(a.reason, /scaling a replica set down is not automated/);
                    assert.match(a.reason, /rs\.remove\("mongo-2\.mongo-service:27017"\)/);
                },
            },
            {
                name: "rs.conf() has the members under other names (a bare rs.initiate() by hand): fail, even with members missing",
                observed: obs({ config: conf(["mongo-0:27017"]) }),
                expect: (a) => { assert.strictEqual(a.kind, "fail"); assert.match(a.reason, /lists mongo-0:27017, which is not among/); assert.match(a.reason, /rs\.reconfig\(\)/); },
            },
            {
                name: "mongod without --replSet: fail with the command line it needs",
                observed: obs({ status: { ok: false, code: 76, codeName: "NoReplicationEnabled", message: "not running with --replSet" } }),
                expect: (a) => { assert.strictEqual(a.kind, "fail"); assert.match(a.reason, /mongod --replSet myReplicaSet --bind_ip_all/); },
            },
            {
                name: "a network error on mongo-1: wait, next time through mongo-0",
                observed: obs({ via: M[1], status: { ok: false, message: "connection closed" } }),
                expect: (a) => {
                    assert.strictEqual(a.kind, "wait");
                    assert.strictEqual(a.kind === "wait" && a.connectTo, M[0]);
                    assert.match(a.reason, /replSetGetStatus on mongo-1\.mongo-service:27017 failed: connection closed/);
                },
            },
            {
                name: "another server error: wait, naming the code",
                observed: obs({ status: { ok: false, code: 13, codeName: "Unauthorized", message: "requires authentication" } }),
                expect: (a) => { assert.strictEqual(a.kind, "wait"); assert.match(a.reason, /failed \(code 13 Unauthorized\): requires authentication/); },
            },
            {
                name: "a set with another name: fail",
                observed: obs({ status: { ok: true, set: "rs0" }, config: { set: "rs0", members: members(M.slice(0, 3)) } }),
                expect: (a) => { assert.strictEqual(a.kind, "fail"); assert.match(a.reason, /belongs to replica set "rs0", not "myReplicaSet"/); },
            },
            {
                name: "initiated but rs.conf() unreadable: wait",
                observed: obs({ config: undefined, configError: "socket closed" }),
                expect: (a) => { assert.strictEqual(a.kind, "wait"); assert.match(a.reason, /rs\.conf\(\) could not be read on mongo-0\.mongo-service:27017: socket closed/); },
            },
        ];

        // The function as this module runs it, and rebuilt from its source alone in an empty context,
        // as the script runs it: both must decide the same.
        const rebuilt = vm.runInNewContext(`(${decideReplicaSetAction.toString()})`) as typeof decideReplicaSetAction;
        for (const c of cases) {
            it(c.name, () => {
                const spec = deepFreeze(structuredClone(c.spec ?? spec3));
                const observed = deepFreeze(structuredClone(c.observed));
                const action = decideReplicaSetAction(spec, observed);
                c.expect(action);
                assert.ok(action.reason.length > 0);
                assert.deepStrictEqual(JSON.parse(JSON.stringify(rebuilt(spec, observed))), JSON.parse(JSON.stringify(action)));
            });
        }
    });

    describe("the generated mongosh script", () => {
        const script = replicaSetInitScript(LAB);

        it("embeds the decision function's compiled source exactly, once, with the driver and the mongosh bindings", () => {
            const source = decideReplicaSetAction.toString();
            assert.ok(source.startsWith("function decideReplicaSetAction("), source.slice(0, 60));
            assert.strictEqual(script.split(source).length, 2, "the decision's source appears exactly once");
            assert.ok(script.includes(runReplicaSetInit.toString()));
            assert.ok(script.includes(mongoshShell.toString()));
            assert.ok(script.includes(`const spec = ${JSON.stringify(spec3)};`));
            assert.ok(script.trimEnd().endsWith("quit(runReplicaSetInit(spec, bounds, decideReplicaSetAction, mongoshShell(bounds.timeoutMs)));"));
            assert.doesNotMatch(script, /\brequire\(|\bexports\.|\b(mongo_rs_init|crypto)_\d/, "nothing from the module system");
            assert.doesNotThrow(() => new vm.Script(script));
        });

        it("connects directly to each member (no replica-set discovery before the set exists) with the bounds' timeout", () => {
            const { connects } = runFake(replicaSetInitScript(LAB, { attempts: 1, sleepMs: 0, timeoutMs: 1234 }), world({ initiated: true, members: members(M.slice(0, 3)) }));
            assert.deepStrictEqual(connects, [`mongodb://${M[0]}/admin?directConnection=true&connectTimeoutMS=1234&serverSelectionTimeoutMS=1234`]);
        });

        it("not initiated: rs.initiate() once, on mongo-0, with all members; exit 0", () => {
            const w = world({});
            const run = runFake(script, w);
            assert.deepStrictEqual(run.calls, [`initiate@${M[0]} ${JSON.stringify({ _id: "myReplicaSet", members: members(M.slice(0, 3)) })}`]);
            assert.strictEqual(run.code, 0);
            assert.deepStrictEqual(run.sleeps, []);
            assert.match(run.prints.at(-1) ?? "", /none: all 3 members of myReplicaSet are in rs\.conf\(\)/);
            // safe to re-run: a second run on the same set does nothing
            const again = runFake(script, w);
            assert.deepStrictEqual([again.calls, again.code], [[], 0]);
        });

        it("partly configured: rs.add() only the missing member, on the primary; exit 0", () => {
            const run = runFake(script, world({ initiated: true, members: members(M.slice(0, 2)) }));
            assert.deepStrictEqual(run.calls, [`add@${M[0]} {"_id":2,"host":"${M[2]}"}`]);
            assert.strictEqual(run.code, 0);
        });

        it("complete: no call that changes anything; exit 0", () => {
            const run = runFake(script, world({ initiated: true, members: members(M.slice(0, 3)) }));
            assert.deepStrictEqual(run.calls, []);
            assert.strictEqual(run.code, 0);
        });

        it("scaled up 3 → 5: adds mongo-3 then mongo-4; after a failed rs.add it adds only what is still missing", () => {
            const w = world({ initiated: true, members: members(M.slice(0, 3)), up: M, failAdds: [M[4]] });
            const run = runFake(replicaSetInitScript({ ...LAB, replicas: 5 }), w);
            assert.deepStrictEqual(run.calls, [
                `add@${M[0]} {"_id":3,"host":"${M[3]}"}`,
                `add@${M[0]} {"_id":4,"host":"${M[4]}"}`, // fails once
                `add@${M[0]} {"_id":4,"host":"${M[4]}"}`,
            ]);
            assert.deepStrictEqual(w.members.map((m) => m.host), M);
            assert.strictEqual(run.code, 0);
            assert.ok(run.prints.some((p) => /rs\.add\(\{"_id":4,.*failed: reconfig in progress/.test(p)), run.prints.join("\n"));
        });

        it("a member unreachable: waits (sleeping between attempts), then initiates once it answers", () => {
            const w = world({ up: M.slice(0, 2), onSleep: (n, x) => { if (n === 2) x.up.add(M[2]); } });
            const run = runFake(script, w);
            assert.deepStrictEqual(run.sleeps, [DEFAULT_INIT_BOUNDS.sleepMs, DEFAULT_INIT_BOUNDS.sleepMs]);
            assert.strictEqual(run.calls.length, 1);
            assert.match(run.calls[0], /^initiate@mongo-0\.mongo-service:27017 /);
            assert.strictEqual(run.code, 0);
        });

        it("the first member not up yet: connecting is retried, not fatal", () => {
            const w = world({ up: M.slice(1, 3), onSleep: (n, x) => { if (n === 1) x.up.add(M[0]); } });
            const run = runFake(script, w);
            assert.match(run.prints[0], /\[1\/60\] cannot connect to mongo-0\.mongo-service:27017: .*ECONNREFUSED/);
            assert.strictEqual(run.calls.length, 1);
            assert.strictEqual(run.code, 0);
        });

        it("a member that never answers: retries within the bound, then exits 1 with the last reason", () => {
            const bounds: InitBounds = { attempts: 4, sleepMs: 10, timeoutMs: 100 };
            const run = runFake(replicaSetInitScript(LAB, bounds), world({ up: M.slice(0, 2) }));
            assert.deepStrictEqual(run.calls, []);
            assert.deepStrictEqual(run.sleeps, [10, 10, 10]);
            assert.strictEqual(run.code, 1);
            assert.match(run.prints.at(-1) ?? "", /FAILED: gave up after 4 attempts 10 ms apart; last: .*waiting for mongo-2\.mongo-service:27017 to answer/);
        });

        it("not primary: follows the primary mongo-1 reports and adds there", () => {
            const w = world({ initiated: true, members: members(M.slice(0, 2)), primary: M[1] });
            const run = runFake(script, w);
            assert.deepStrictEqual(run.connects.map((u) => /^mongodb:\/\/([^/]+)\//.exec(u)?.[1]), [M[0], M[1]]);
            assert.deepStrictEqual(run.calls, [`add@${M[1]} {"_id":2,"host":"${M[2]}"}`]);
            assert.strictEqual(run.code, 0);
        });

        it("rs.conf() has extra members (scaled down): exits 1 at once, changes nothing, says what to do", () => {
            const run = runFake(replicaSetInitScript({ ...LAB, replicas: 2 }), world({ initiated: true, members: members(M.slice(0, 3)) }));
            assert.deepStrictEqual([run.calls, run.sleeps, run.code], [[], [], 1]);
            assert.match(run.prints.at(-1) ?? "", /FAILED: .*scaling a replica set down is not automated.*rs\.remove\("mongo-2\.mongo-service:27017"\)/);
        });

        it("mongod without --replSet: exits 1 at once", () => {
            const run = runFake(script, world({ noReplSet: true }));
            assert.deepStrictEqual([run.calls, run.code], [[], 1]);
            assert.match(run.prints.at(-1) ?? "", /NoReplicationEnabled/);
        });
    });
});

// ---------------------------------------------------------------------------------------------
// A fake mongosh: the globals the script uses, over a simulated replica set.
// ---------------------------------------------------------------------------------------------

interface World {
    setName: string;
    initiated: boolean;
    members: ReplicaSetMember[];
    version: number;
    primary: string | undefined;
    /** Members whose mongod answers. */
    up: Set<string>;
    /** mongod runs without --replSet. */
    noReplSet: boolean;
    /** rs.add of these hosts fails once each. */
    failAdds: string[];
    /** Called after each sleep with the number of sleeps so far. */
    onSleep: (n: number, w: World) => void;
}

function world(over: Partial<Omit<World, "up">> & { up?: string[] }): World {
    const initiated = over.initiated ?? false;
    return {
        setName: "myReplicaSet", version: 1, noReplSet: false, failAdds: [], onSleep: () => undefined,
        members: [], ...over, initiated,
        primary: "primary" in over ? over.primary : initiated ? M[0] : undefined,
        up: new Set(over.up ?? M.slice(0, 3)),
    };
}

class Quit {
    constructor(readonly code: number) {}
}

interface FakeRun { code: number; calls: string[]; connects: string[]; prints: string[]; sleeps: number[] }

function runFake(script: string, w: World): FakeRun {
    const run: FakeRun = { code: NaN, calls: [], connects: [], prints: [], sleeps: [] };
    const serverError = (code: number, codeName: string, message: string) => Object.assign(new Error(message), { code, codeName });
    const hostOf = (uri: string): string => {
        const m = /^mongodb:\/\/([^/,]+)\/admin\?directConnection=true&/.exec(uri);
        if (!m) throw new Error(`fake mongosh: unexpected URI ${uri}`);
        return m[1];
    };
    const reach = (host: string): void => {
        if (!w.up.has(host)) throw Object.assign(new Error(`connect ECONNREFUSED ${host}`), { name: "MongoServerSelectionError" });
    };
    const inConfig = (host: string): boolean => w.members.some((m) => m.host === host);
    const database = (host: string) => ({
        adminCommand(command: Record<string, unknown>): Record<string, unknown> {
            reach(host);
            if ("ping" in command) return { ok: 1 };
            if ("replSetGetStatus" in command) {
                if (w.noReplSet) throw serverError(76, "NoReplicationEnabled", "not running with --replSet");
                if (!w.initiated || !inConfig(host)) throw serverError(94, "NotYetInitialized", "no replset config has been received");
                return { ok: 1, set: w.setName, myState: host === w.primary ? 1 : 2 };
            }
            throw new Error(`fake mongosh: unexpected command ${JSON.stringify(command)}`);
        },
        hello(): Record<string, unknown> {
            reach(host);
            const inSet = w.initiated && inConfig(host);
            return { isWritablePrimary: inSet && host === w.primary, ...(inSet ? { setName: w.setName, primary: w.primary, me: host } : {}) };
        },
        host,
    });
    const replicaSet = (host: string) => ({
        conf(): Record<string, unknown> {
            reach(host);
            if (!w.initiated) throw serverError(94, "NotYetInitialized", "no replset config has been received");
            return { _id: w.setName, version: w.version, members: w.members.map((m) => ({ ...m, priority: 1, votes: 1 })) };
        },
        initiate(config: { _id: string; members: ReplicaSetMember[] }): Record<string, unknown> {
            run.calls.push(`initiate@${host} ${JSON.stringify(config)}`);
            reach(host);
            if (w.initiated) throw serverError(23, "AlreadyInitialized", "already initialized");
            const down = config.members.filter((m) => !w.up.has(m.host));
            if (down.length) throw serverError(74, "NodeNotFound", "replSetInitiate quorum check failed");
            Object.assign(w, { initiated: true, setName: config._id, members: config.members.map((m) => ({ ...m })), primary: host });
            return { ok: 1 };
        },
        add(member: ReplicaSetMember): Record<string, unknown> {
            run.calls.push(`add@${host} ${JSON.stringify(member)}`);
            reach(host);
            if (host !== w.primary) throw serverError(10107, "NotWritablePrimary", "not primary");
            const i = w.failAdds.indexOf(member.host);
            if (i >= 0) { w.failAdds.splice(i, 1); throw serverError(109, "ConfigurationInProgress", "reconfig in progress"); }
            w.members.push({ _id: member._id, host: member.host });
            w.version++;
            return { ok: 1 };
        },
    });
    type Db = ReturnType<typeof database>;
    let db: Db | undefined;
    let rs: ReturnType<typeof replicaSet> | undefined;
    const sandbox: Record<string, unknown> = {
        connect(uri: string): Db {
            run.connects.push(uri);
            const host = hostOf(uri);
            reach(host);
            return database(host);
        },
        Mongo: class {
            private readonly host: string;
            constructor(uri: string) { this.host = hostOf(uri); reach(this.host); }
            getDB(): Db { return database(this.host); }
            close(): void { /* nothing to close */ }
        },
        sleep(ms: number): void { run.sleeps.push(ms); w.onSleep(run.sleeps.length, w); },
        print(line: string): void { run.prints.push(String(line)); },
        quit(code: number): never { throw new Quit(code); },
    };
    // like mongosh: assigning db re-binds rs to it
    Object.defineProperty(sandbox, "db", { get: () => db, set: (v: Db) => { db = v; rs = replicaSet(v.host); } });
    Object.defineProperty(sandbox, "rs", { get: () => rs });
    try {
        vm.runInNewContext(script, sandbox, { timeout: 10_000 });
        assert.fail("the script ended without quit()");
    } catch (e) {
        if (!(e instanceof Quit)) throw e;
        run.code = e.code;
    }
    return run;
}
