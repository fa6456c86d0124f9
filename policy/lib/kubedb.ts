/**
 * How KubeDB (`kubedb.com` MongoDB, Postgres, MySQL, MariaDB, Redis, Elasticsearch) lays a
 * database out: the members it runs, each with its own claim spec (`storage`) and pod template
 * (`podTemplate`), and how many pods each runs. operator-claims.ts reads the members' claims and
 * operator-pods.ts their containers, from this one layout.
 *
 * From KubeDB's API types and defaulting (kubedb/apimachinery, apis/kubedb/v1 and v1alpha2):
 * - every kind keeps its claim spec in `spec.storage` and its pod template in `spec.podTemplate`,
 *   and runs `spec.replicas` pods (1 when unset; MySQL's group replication, InnoDB cluster and
 *   semi-sync topologies 3);
 * - a sharded MongoDB (`spec.shardTopology`) replaces them with its shards'
 *   (`shardTopology.shard`: `shards` × `replicas` pods), its config servers' and its mongos'
 *   (no storage); a replica set's hidden members (`spec.hidden`) have their own, a claim even
 *   when the rest is ephemeral (the API requires their `storage`);
 * - an Elasticsearch with `spec.topology` replaces them with each node role's (`master`,
 *   `ingest`, `data`, the data tiers, `ml`, `transform`, `coordinating`), 1 pod each by default;
 * - `spec.storageType: Ephemeral` puts the data on an emptyDir: no member makes a claim.
 * A MariaDB's MaxScale (`spec.topology.maxscale`) is not read: a proxy whose small claim holds its
 * configuration. A Redis in cluster mode runs `spec.cluster.shards` shards of pods whose per-shard count the
 * API's releases have defined differently, so its pod count is left unknown.
 */
import type { Fields } from "./k8s";
import { asFields, countIn } from "./k8s";

/** The KubeDB kinds read here, with their database container and the CRD's plural (the pods' `app.kubernetes.io/name` is `<plural>.kubedb.com`). */
export const KUBEDB_KINDS = {
    MongoDB: { container: "mongodb", plural: "mongodbs" },
    Postgres: { container: "postgres", plural: "postgreses" },
    MySQL: { container: "mysql", plural: "mysqls" },
    MariaDB: { container: "mariadb", plural: "mariadbs" },
    Redis: { container: "redis", plural: "redises" },
    Elasticsearch: { container: "elasticsearch", plural: "elasticsearches" },
} as const;

export type KubedbKind = keyof typeof KUBEDB_KINDS;

/** One set of pods KubeDB runs for a database. */
export interface KubedbMember {
    /** `` for the database's own, else `shard`, `config server`, `mongos`, `hidden`, `node role 'data'`. */
    part: string;
    /** Where its `storage` and `podTemplate` are: `spec`, `spec.shardTopology.shard`. */
    at: string;
    /** The mapping at `at`. */
    fields: Fields;
    /** Whether it makes a claim from its `storage` (not for mongos, nor on ephemeral storage). */
    claims: boolean;
    /** How many pods it runs, where that is known. */
    pods?: number;
}

/** Elasticsearch's node roles under `spec.topology`. */
const ELASTICSEARCH_ROLES = ["master", "ingest", "data", "dataHot", "dataWarm", "dataCold", "dataFrozen", "dataContent", "ml", "transform", "coordinating"];

/** MySQL's topologies that run a group of 3 by default. */
const MYSQL_GROUPS = ["GroupReplication", "InnoDBCluster", "SemiSync"];

/** The members KubeDB runs for a database of `kind` with `spec`. */
export function kubedbMembers(kind: KubedbKind, spec: Fields): KubedbMember[] {
    const durable = spec.storageType !== "Ephemeral";
    const member = (part: string, at: string, fields: Fields | undefined, pods: number | undefined, claims = durable): KubedbMember[] =>
        fields ? [{ part, at, fields, claims, pods }] : [];
    if (kind === "MongoDB") {
        const shards = asFields(spec.shardTopology);
        if (shards) {
            const shard = asFields(shards.shard);
            const perShard = countIn(shard?.replicas);
            const count = countIn(shard?.shards);
            return [
                ...member("shard", "spec.shardTopology.shard", shard, perShard !== undefined && count !== undefined ? perShard * count : undefined),
                ...member("config server", "spec.shardTopology.configServer", asFields(shards.configServer), countIn(asFields(shards.configServer)?.replicas)),
                ...member("mongos", "spec.shardTopology.mongos", asFields(shards.mongos), countIn(asFields(shards.mongos)?.replicas), false),
            ];
        }
        const hidden = asFields(spec.hidden);
        // Hidden members keep their storage on an in-memory or ephemeral replica set too (KubeDB's hidden-node example).
        return [...member("", "spec", spec, countIn(spec.replicas) ?? 1), ...member("hidden", "spec.hidden", hidden, countIn(hidden?.replicas), true)];
    }
    if (kind === "Elasticsearch") {
        const topology = asFields(spec.topology);
        if (topology) {
            return ELASTICSEARCH_ROLES.flatMap(role => {
                const node = asFields(topology[role]);
                return member(`node role '${role}'`, `spec.topology.${role}`, node, countIn(node?.replicas) ?? 1);
            });
        }
    }
    if (kind === "Redis" && spec.mode === "Cluster") {
        return member("", "spec", spec, undefined);
    }
    const mode = asFields(spec.topology)?.mode;
    const replicas = countIn(spec.replicas) ?? (kind === "MySQL" && typeof mode === "string" && MYSQL_GROUPS.includes(mode) ? 3 : 1);
    return member("", "spec", spec, replicas);
}

/** One entry per KubeDB kind, as the operator tables take them. */
export function perKubedbKind<T>(entry: (kind: KubedbKind) => T): Record<KubedbKind, T> {
    const table = {} as Record<KubedbKind, T>;
    for (const kind of Object.keys(KUBEDB_KINDS) as KubedbKind[]) {
        table[kind] = entry(kind);
    }
    return table;
}
