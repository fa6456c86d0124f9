/**
 * NanoMon's database schema, run once by the postgres image on an empty data directory: the
 * ConfigMap `nanomon-sql-init` holds it under {@link INIT_SQL_FILE}, mounted read-only at
 * `/docker-entrypoint-initdb.d` (LABS.md §2, "schema").
 *
 * - It refuses to run in a database not named `nanomon` (the image runs init scripts in
 *   `POSTGRES_DB`; anywhere else they would create NanoMon's tables in the wrong database).
 * - `monitors` holds what to check; `results` each check's outcome, deleted with its monitor
 *   (`ON DELETE CASCADE`), indexed by monitor and by date (the API lists both ways).
 * - Row triggers on `monitors` tell listeners what changed through `pg_notify`: the runner
 *   listens, so a new, changed or deleted monitor takes effect without a restart:
 *   `new_monitor` and `monitor_updated` carry the row as JSON (`id`, `name`, `type`,
 *   `interval`, `target`, `rule`, `enabled`, `updated`, `group`, `properties`),
 *   `monitor_deleted` the old row's id.
 *
 * The tests run this script on a real PostgreSQL (PGlite): schema.test.ts.
 */

/** File name of the script in the ConfigMap, and so in `/docker-entrypoint-initdb.d`. */
export const INIT_SQL_FILE = "nanomon-init.sql";

/** The database the script insists on (`POSTGRES_DB`, and `dbname` in the DSN). */
export const NANOMON_DATABASE = "nanomon";

/** Notification channels the triggers send on. */
export const MONITOR_CHANNELS = {
    created: "new_monitor",
    updated: "monitor_updated",
    deleted: "monitor_deleted",
} as const;

export const INIT_SQL = `-- NanoMon schema (kubelab, components/labs/nanomon/schema.ts). Runs once, in database ${NANOMON_DATABASE}.

DO $guard$
BEGIN
    IF current_database() <> '${NANOMON_DATABASE}' THEN
        RAISE EXCEPTION 'nanomon init: refusing to run in database "%": this script creates NanoMon''s tables in database ${NANOMON_DATABASE} only (POSTGRES_DB=${NANOMON_DATABASE})', current_database();
    END IF;
END
$guard$;

CREATE TABLE IF NOT EXISTS monitors (
    id          serial PRIMARY KEY,
    name        varchar(100) NOT NULL,
    type        varchar(100) NOT NULL,
    interval    varchar(50)  NOT NULL,
    target      varchar(512) NOT NULL,
    rule        varchar(255) NOT NULL,
    enabled     boolean      DEFAULT true,
    updated     timestamptz  DEFAULT now(),
    group_name  varchar(100) DEFAULT 'default',
    properties  jsonb        DEFAULT '{}'
);

CREATE TABLE IF NOT EXISTS results (
    id              serial PRIMARY KEY,
    date            timestamptz      DEFAULT now(),
    monitor_id      int REFERENCES monitors (id) ON DELETE CASCADE,
    monitor_name    varchar(100)     NOT NULL,
    monitor_target  varchar(512)     NOT NULL,
    status          int              NOT NULL,
    value           double precision NOT NULL,
    message         varchar(512)     DEFAULT '',
    outputs         jsonb            DEFAULT '{}'
);

CREATE INDEX IF NOT EXISTS results_monitor_id_idx ON results (monitor_id);
CREATE INDEX IF NOT EXISTS results_date_idx ON results (date);

-- The row as listeners read it: the column group_name is "group" in the payload.
CREATE OR REPLACE FUNCTION monitor_json(m monitors) RETURNS text
LANGUAGE sql STABLE AS $fn$
    SELECT json_build_object(
        'id', m.id, 'name', m.name, 'type', m.type, 'interval', m.interval, 'target', m.target,
        'rule', m.rule, 'enabled', m.enabled, 'updated', m.updated, 'group', m.group_name,
        'properties', m.properties
    )::text
$fn$;

CREATE OR REPLACE FUNCTION notify_new_monitor() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_notify('${MONITOR_CHANNELS.created}', monitor_json(NEW));
    RETURN NEW;
END
$fn$;

CREATE OR REPLACE FUNCTION notify_monitor_updated() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_notify('${MONITOR_CHANNELS.updated}', monitor_json(NEW));
    RETURN NEW;
END
$fn$;

CREATE OR REPLACE FUNCTION notify_monitor_deleted() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_notify('${MONITOR_CHANNELS.deleted}', OLD.id::text);
    RETURN OLD;
END
$fn$;

DROP TRIGGER IF EXISTS monitor_created ON monitors;
CREATE TRIGGER monitor_created AFTER INSERT ON monitors
    FOR EACH ROW EXECUTE FUNCTION notify_new_monitor();

DROP TRIGGER IF EXISTS monitor_updated ON monitors;
CREATE TRIGGER monitor_updated AFTER UPDATE ON monitors
    FOR EACH ROW EXECUTE FUNCTION notify_monitor_updated();

DROP TRIGGER IF EXISTS monitor_deleted ON monitors;
CREATE TRIGGER monitor_deleted AFTER DELETE ON monitors
    FOR EACH ROW EXECUTE FUNCTION notify_monitor_deleted();
`;
