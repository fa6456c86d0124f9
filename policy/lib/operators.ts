/**
 * The operators whose custom resources the policies read, by API group and kind, with how
 * messages name those resources. What the policies know of each lives beside the concern it
 * serves: the claims an operator makes and the settings by which it deletes them
 * (operator-claims.ts), and the pods it runs (operator-pods.ts). Their tables are
 * {@link OperatorTable}s of this one list, so a resource has one name in every message, and a
 * group or kind missing here can't be written there.
 */
import { KubeObject, apiGroupOf, describeObject, parseType } from "./k8s";

const LABELS = {
    "postgresql.cnpg.io": { Cluster: "CloudNativePG Cluster" },
    // EDB's distribution of CloudNativePG serves the same Cluster type under its own group.
    "postgresql.k8s.enterprisedb.io": { Cluster: "EDB Postgres Cluster" },
    "acid.zalan.do": { postgresql: "Zalando postgresql" },
    "postgres-operator.crunchydata.com": { PostgresCluster: "PGO PostgresCluster" },
    // Percona's fork of PGO: the same instance sets, claims and pod labels under its own kind.
    "pgv2.percona.com": { PerconaPGCluster: "PerconaPGCluster" },
    "kafka.strimzi.io": { Kafka: "Strimzi Kafka", KafkaNodePool: "Strimzi KafkaNodePool" },
    "monitoring.coreos.com": { Prometheus: "Prometheus", PrometheusAgent: "PrometheusAgent", Alertmanager: "Alertmanager", ThanosRuler: "ThanosRuler" },
    "elasticsearch.k8s.elastic.co": { Elasticsearch: "ECK Elasticsearch" },
    "rabbitmq.com": { RabbitmqCluster: "RabbitmqCluster" },
    "mongodbcommunity.mongodb.com": { MongoDBCommunity: "MongoDBCommunity" },
    "psmdb.percona.com": { PerconaServerMongoDB: "PerconaServerMongoDB" },
    "pxc.percona.com": { PerconaXtraDBCluster: "PerconaXtraDBCluster" },
    "minio.min.io": { Tenant: "MinIO Tenant" },
    "k8s.mariadb.com": { MariaDB: "MariaDB", Backup: "MariaDB Backup" },
    // The MariaDB operator's group before v0.0.26.
    "mariadb.mmontes.io": { MariaDB: "MariaDB", Backup: "MariaDB Backup" },
    "redis.redis.opstreelabs.in": { Redis: "Redis", RedisReplication: "RedisReplication", RedisCluster: "RedisCluster" },
    "cassandra.datastax.com": { CassandraDatacenter: "CassandraDatacenter" },
    "k8ssandra.io": { K8ssandraCluster: "K8ssandraCluster" },
    "clickhouse.altinity.com": { ClickHouseInstallation: "ClickHouseInstallation" },
    "clickhouse-keeper.altinity.com": { ClickHouseKeeperInstallation: "ClickHouseKeeperInstallation" },
    "pingcap.com": { TidbCluster: "TidbCluster" },
    // The OpenSearch operator's group until it moved to opensearch.org (which it still serves).
    "opensearch.opster.io": { OpenSearchCluster: "OpenSearchCluster" },
    "opensearch.org": { OpenSearchCluster: "OpenSearchCluster" },
    "databases.spotahome.com": { RedisFailover: "RedisFailover" },
    "scylla.scylladb.com": { ScyllaCluster: "ScyllaCluster" },
    "crdb.cockroachlabs.com": { CrdbCluster: "CrdbCluster" },
    "stackgres.io": { SGCluster: "StackGres SGCluster" },
    "mysql.oracle.com": { InnoDBCluster: "InnoDBCluster" },
    "platform.confluent.io": {
        Kafka: "Confluent Kafka", KRaftController: "Confluent KRaftController", Zookeeper: "Confluent Zookeeper",
        KsqlDB: "Confluent KsqlDB", ControlCenter: "Confluent ControlCenter",
    },
    "cluster.redpanda.com": { Redpanda: "Redpanda" },
    "solr.apache.org": { SolrCloud: "SolrCloud" },
    "dragonflydb.io": { Dragonfly: "Dragonfly" },
    "kubedb.com": {
        MongoDB: "KubeDB MongoDB", Postgres: "KubeDB Postgres", MySQL: "KubeDB MySQL",
        MariaDB: "KubeDB MariaDB", Redis: "KubeDB Redis", Elasticsearch: "KubeDB Elasticsearch",
    },
} as const;

type Labels = typeof LABELS;

/** Something per known operator resource, by API group and kind (of {@link LABELS} only). */
export type OperatorTable<T> = { readonly [G in keyof Labels]?: { readonly [K in keyof Labels[G]]?: T } };

/** The API group and kind a type token names, with the label messages give a resource of that kind (a known operator's, else the kind itself). */
function kindOfType(type: string): { group: string; kind: string; label: string } | undefined {
    const parsed = parseType(type);
    if (!parsed) {
        return undefined;
    }
    const group = apiGroupOf(parsed.apiVersion);
    const label = (LABELS as Readonly<Record<string, Readonly<Record<string, string>> | undefined>>)[group]?.[parsed.kind];
    return { group, kind: parsed.kind, label: label ?? parsed.kind };
}

/** A type token's group, kind and label ({@link kindOfType}) with `table`'s entry for it, if any; undefined when the token names no Kubernetes kind. */
export function operatorOf<T>(table: OperatorTable<T>, type: string): { group: string; kind: string; label: string; entry: T | undefined } | undefined {
    const known = kindOfType(type);
    return known && { ...known, entry: (table as Readonly<Record<string, Readonly<Record<string, T>> | undefined>>)[known.group]?.[known.kind] };
}

/** The kinds of `table` as a stack index lists custom resources: `<group>/<kind>`. */
export function operatorKinds<T>(table: OperatorTable<T>): string[] {
    return Object.entries(table).flatMap(([group, kinds]) => Object.keys(kinds ?? {}).map(kind => `${group}/${kind}`));
}

/** A resource as messages name it, a known operator's by its label: `CloudNativePG Cluster db/pg`. */
export function describeOperatorResource(type: string, props: Record<string, unknown>, name: string): string {
    return describeObject(kindOfType(type)?.label ?? type, props as KubeObject, name);
}
