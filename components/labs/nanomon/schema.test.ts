/**
 * NanoMon's init SQL, executed on a real PostgreSQL: PGlite (PostgreSQL compiled to WebAssembly)
 * runs the script the ConfigMap `nanomon-sql-init` carries, and the tests use the schema as
 * NanoMon does: monitors in, notifications out, results cascading away with their monitor.
 *
 * One data folder for the whole file (a fresh PGlite runs initdb, which takes seconds): first
 * opened as database `postgres`, where the script must refuse to run; then `nanomon` is created
 * and the folder reopened as `nanomon`, where the script runs.
 */
import { PGlite } from "@electric-sql/pglite";
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as v8 from "v8";
import { INIT_SQL, MONITOR_CHANNELS, NANOMON_DATABASE } from "./schema";

interface MonitorPayload {
    id: number; name: string; type: string; interval: string; target: string; rule: string;
    enabled: boolean; updated: string; group: string; properties: Record<string, unknown>;
}

type Channel = (typeof MONITOR_CHANNELS)[keyof typeof MONITOR_CHANNELS];

describe("nanomon init SQL on PostgreSQL (PGlite)", function () {
    // initdb in WebAssembly on a shared 2-core machine: allow for it once, in before().
    this.timeout(180000);
    let dataDir: string;
    let db: PGlite;
    /** What running the script in database `postgres` did. */
    let elsewhere: { error?: Error; tablesAfter: number };
    /** Notifications received, by channel, in order. */
    const received = new Map<Channel, string[]>();

    before(async () => {
        // PostgreSQL's WebAssembly is large: V8 compiles it quickly (Liftoff), then again, optimized,
        // on background threads, which for these few statements costs ~2 s of CPU and gains
        // nothing. Baseline code only, while this file runs (restored in after()).
        v8.setFlagsFromString("--liftoff-only");
        dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-nanomon-pg-"));
        const postgres = await PGlite.create({ dataDir });
        let error: Error | undefined;
        try {
            await postgres.exec(INIT_SQL);
        } catch (err) {
            error = err as Error;
        }
        const tables = await postgres.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('monitors', 'results')");
        elsewhere = { error, tablesAfter: tables.rows[0].n };
        await postgres.exec(`CREATE DATABASE ${NANOMON_DATABASE}`);
        await postgres.close();

        db = await PGlite.create({ dataDir, database: NANOMON_DATABASE });
        await db.exec(INIT_SQL);
        for (const channel of Object.values(MONITOR_CHANNELS)) {
            received.set(channel, []);
            await db.listen(channel, payload => received.get(channel)!.push(payload));
        }
    });

    after(async () => {
        v8.setFlagsFromString("--no-liftoff-only");
        await db?.close();
        if (dataDir) {
            fs.rmSync(dataDir, { recursive: true, force: true });
        }
    });

    /** Waits until `channel` has received `count` notifications, and returns them. */
    async function notifications(channel: Channel, count: number): Promise<string[]> {
        for (let i = 0; i < 100 && received.get(channel)!.length < count; i++) {
            await new Promise(resolve => setTimeout(resolve, 20));
        }
        return received.get(channel)!;
    }

    async function addMonitor(name: string, extra: Record<string, unknown> = {}): Promise<number> {
        const columns = ["name", "type", "interval", "target", "rule", ...Object.keys(extra)];
        const values = [name, "http", "30s", `http://${name}.example.com/`, "status == 200", ...Object.values(extra)];
        const res = await db.query<{ id: number }>(
            `INSERT INTO monitors (${columns.join(", ")}) VALUES (${values.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING id`, values);
        return res.rows[0].id;
    }

    it("refuses to run in a database not named nanomon, naming it, and creates nothing there", () => {
        assert.ok(elsewhere.error, "the script ran in database postgres");
        assert.match(elsewhere.error.message, /refusing to run in database "postgres"/);
        assert.strictEqual(elsewhere.tablesAfter, 0);
    });

    it("runs in database nanomon, and can run again without failing", async () => {
        assert.deepStrictEqual((await db.query("SELECT current_database() AS db")).rows, [{ db: "nanomon" }]);
        await db.exec(INIT_SQL);
    });

    it("creates monitors and results with the columns, types and defaults NanoMon reads", async () => {
        const res = await db.query<{ table_name: string; column_name: string; data_type: string; len: number | null; nullable: string; def: string | null }>(`
            SELECT table_name, column_name, data_type, character_maximum_length AS len, is_nullable AS nullable, column_default AS def
            FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('monitors', 'results')
            ORDER BY table_name, ordinal_position`);
        const cols = res.rows.map(c => `${c.table_name}.${c.column_name} ${c.data_type}${c.len ? `(${c.len})` : ""}${c.nullable === "NO" ? " not null" : ""}${c.def ? ` default ${c.def}` : ""}`);
        assert.deepStrictEqual(cols, [
            "monitors.id integer not null default nextval('monitors_id_seq'::regclass)",
            "monitors.name character varying(100) not null",
            "monitors.type character varying(100) not null",
            "monitors.interval character varying(50) not null",
            "monitors.target character varying(512) not null",
            "monitors.rule character varying(255) not null",
            "monitors.enabled boolean default true",
            "monitors.updated timestamp with time zone default now()",
            "monitors.group_name character varying(100) default 'default'::character varying",
            "monitors.properties jsonb default '{}'::jsonb",
            "results.id integer not null default nextval('results_id_seq'::regclass)",
            "results.date timestamp with time zone default now()",
            "results.monitor_id integer",
            "results.monitor_name character varying(100) not null",
            "results.monitor_target character varying(512) not null",
            "results.status integer not null",
            "results.value double precision not null",
            "results.message character varying(512) default ''::character varying",
            "results.outputs jsonb default '{}'::jsonb",
        ]);
        const pks = await db.query<{ t: string; def: string }>(
            "SELECT conrelid::regclass::text AS t, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype IN ('p', 'f') AND connamespace = 'public'::regnamespace ORDER BY t, def");
        assert.deepStrictEqual(pks.rows, [
            { t: "monitors", def: "PRIMARY KEY (id)" },
            { t: "results", def: "FOREIGN KEY (monitor_id) REFERENCES monitors(id) ON DELETE CASCADE" },
            { t: "results", def: "PRIMARY KEY (id)" },
        ]);
    });

    it("indexes results by monitor_id and by date", async () => {
        const res = await db.query<{ indexdef: string }>(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'results' AND indexname NOT LIKE '%_pkey'");
        const columns = res.rows.map(r => /\(([^)]*)\)\s*$/.exec(r.indexdef)?.[1]).sort();
        assert.deepStrictEqual(columns, ["date", "monitor_id"]);
    });

    it("sends new_monitor with the row as JSON on insert (group_name as group)", async () => {
        const id = await addMonitor("inserted", { group_name: "web", properties: JSON.stringify({ timeout: "5s" }) });
        const [payload] = (await notifications(MONITOR_CHANNELS.created, 1)).map(p => JSON.parse(p) as MonitorPayload);
        const row = (await db.query<{ updated: Date }>("SELECT updated FROM monitors WHERE id = $1", [id])).rows[0];
        assert.deepStrictEqual(Object.keys(payload), ["id", "name", "type", "interval", "target", "rule", "enabled", "updated", "group", "properties"]);
        assert.deepStrictEqual({ ...payload, updated: new Date(payload.updated).getTime() }, {
            id, name: "inserted", type: "http", interval: "30s", target: "http://inserted.example.com/", rule: "status == 200",
            enabled: true, updated: row.updated.getTime(), group: "web", properties: { timeout: "5s" },
        });
    });

    it("sends monitor_updated with the new row on update", async () => {
        const id = await addMonitor("to-update");
        await db.query("UPDATE monitors SET enabled = false, interval = '1m', rule = 'status == 204' WHERE id = $1", [id]);
        const updates = (await notifications(MONITOR_CHANNELS.updated, 1)).map(p => JSON.parse(p) as MonitorPayload);
        const mine = updates.filter(u => u.id === id);
        assert.strictEqual(mine.length, 1);
        assert.deepStrictEqual(
            { enabled: mine[0].enabled, interval: mine[0].interval, rule: mine[0].rule, name: mine[0].name, group: mine[0].group, properties: mine[0].properties },
            { enabled: false, interval: "1m", rule: "status == 204", name: "to-update", group: "default", properties: {} });
    });

    it("sends monitor_deleted with the old id on delete, and deletes the monitor's results with it", async () => {
        const id = await addMonitor("to-delete");
        const keep = await addMonitor("to-keep");
        for (const monitor of [id, id, keep]) {
            await db.query("INSERT INTO results (monitor_id, monitor_name, monitor_target, status, value) VALUES ($1, 'm', 't', 0, 12.5)", [monitor]);
        }
        const before = await db.query<{ message: string; outputs: unknown; date: Date | null }>("SELECT message, outputs, date FROM results WHERE monitor_id = $1", [keep]);
        assert.deepStrictEqual({ message: before.rows[0].message, outputs: before.rows[0].outputs }, { message: "", outputs: {} });
        assert.ok(before.rows[0].date instanceof Date);

        await db.query("DELETE FROM monitors WHERE id = $1", [id]);
        const deleted = await notifications(MONITOR_CHANNELS.deleted, 1);
        assert.deepStrictEqual(deleted, [String(id)]);
        const left = await db.query<{ monitor_id: number; n: number }>("SELECT monitor_id, count(*)::int AS n FROM results GROUP BY monitor_id");
        assert.deepStrictEqual(left.rows, [{ monitor_id: keep, n: 1 }]);
    });

    it("rejects a result for a monitor that does not exist, and a monitor without its required fields", async () => {
        await assert.rejects(db.query("INSERT INTO results (monitor_id, monitor_name, monitor_target, status, value) VALUES (999999, 'm', 't', 0, 1)"),
            /violates foreign key constraint/);
        await assert.rejects(db.query("INSERT INTO monitors (name, type, interval, target) VALUES ('x', 'http', '1m', 'http://x/')"),
            /null value in column "rule"/);
    });
});
