/**
 * The claims that database, messaging, storage and monitoring operators make for the clusters they run: a custom
 * resource names a size and a StorageClass, and the operator creates a PersistentVolumeClaim per
 * member from them. Those claims can only grow in place, whether the operator grows them when the
 * size is raised or they are patched by hand (prometheus-operator's documented procedure), and
 * only on a class that allows volume expansion. The claim policies judge these claims as they judge a
 * StatefulSet's templates, with messages naming the custom resource's own fields.
 *
 * Known operators, with the fields their documentation and API types give:
 * - CloudNativePG (`postgresql.cnpg.io` Cluster, and EDB's `postgresql.k8s.enterprisedb.io` one): `spec.storage`, `spec.walStorage` and each
 *   `spec.tablespaces[].storage`, a StorageConfiguration: `size` and `storageClass` win over the
 *   same settings of its `pvcTemplate` (the class "applied after evaluating the PVC template"),
 *   whose access modes and volume mode the claims take.
 * - Zalando's postgres-operator (`acid.zalan.do` postgresql): `spec.volume.size` and
 *   `spec.volume.storageClass`.
 * - Strimzi (`kafka.strimzi.io` Kafka and KafkaNodePool): `spec.kafka.storage`,
 *   `spec.zookeeper.storage` and a KafkaNodePool's `spec.storage`, of type `persistent-claim`
 *   (`size`, `class`) or `jbod` (a list of such `volumes`); `ephemeral` storage makes no claim.
 * - prometheus-operator (`monitoring.coreos.com` Prometheus, PrometheusAgent, Alertmanager,
 *   ThanosRuler): `spec.storage.volumeClaimTemplate` (a claim template; ReadWriteOnce when it
 *   names no access mode), or the template of `spec.storage.ephemeral` (a generic ephemeral
 *   volume); without either, the data is in an emptyDir.
 * - Elastic's ECK (`elasticsearch.k8s.elastic.co` Elasticsearch): each `spec.nodeSets[]`'s
 *   `volumeClaimTemplates`; a node set without one gets ECK's default claim
 *   `elasticsearch-data` of 1Gi on the cluster's default class, unless its pod template mounts a
 *   volume of that name instead (an emptyDir).
 * - RabbitMQ's cluster operator (`rabbitmq.com` RabbitmqCluster): `spec.persistence.storage`
 *   (default 10Gi; 0 means an emptyDir) and `spec.persistence.storageClassName`, unless
 *   `spec.override.statefulSet.spec.volumeClaimTemplates` replaces them with claim templates.
 * - MongoDB's Community operator (`mongodbcommunity.mongodb.com` MongoDBCommunity): its
 *   `data-volume` (10G) and `logs-volume` (2G) claims, each merged by name with the template of
 *   that name in `spec.statefulSet.spec.volumeClaimTemplates`, plus any other template there.
 * - Crunchy PGO (`postgres-operator.crunchydata.com` PostgresCluster): each instance set's
 *   `dataVolumeClaimSpec`, `walVolumeClaimSpec` and `tablespaceVolumes[].dataVolumeClaimSpec`,
 *   each pgBackRest repo's `volume.volumeClaimSpec` and pgAdmin's `dataVolumeClaimSpec`, all
 *   bare claim specs taken as written. Percona's fork (`pgv2.percona.com` PerconaPGCluster) has
 *   the same instance and repo fields; unlike PGO it keeps the claims when the cluster is deleted,
 *   unless its `percona.com/delete-pvc` finalizer is set.
 * - Percona's MongoDB operator (`psmdb.percona.com` PerconaServerMongoDB): each replica set's
 *   `volumeSpec.persistentVolumeClaim` (a claim spec beside the claim's annotations and labels;
 *   it wins over `hostPath` and `emptyDir`), the own volumeSpec of its enabled non-voting and
 *   hidden members, its `sidecarPVCs`, and the same of `spec.sharding.configsvrReplSet` when
 *   sharding is enabled.
 * - MinIO's operator (`minio.min.io` Tenant): each pool's `volumeClaimTemplate` (volumesPerServer
 *   claims per server) and `spec.sideCars.volumeClaimTemplates`.
 * - The MariaDB operator (`k8s.mariadb.com`, formerly `mariadb.mmontes.io`): a MariaDB's
 *   `spec.storage` (see {@link mariadbStorage} for how size, class and template combine) and a
 *   Backup's `spec.storage.persistentVolumeClaim`.
 * - OT redis-operator (`redis.redis.opstreelabs.in` Redis, RedisReplication, RedisCluster):
 *   `spec.storage.volumeClaimTemplate`; a RedisCluster only with `spec.persistenceEnabled: true`.
 * - cass-operator (`cassandra.datastax.com` CassandraDatacenter) and k8ssandra-operator
 *   (`k8ssandra.io` K8ssandraCluster): a StorageConfig's `cassandraDataVolumeClaimSpec` and each
 *   `additionalVolumes[].pvcSpec`; a K8ssandraCluster datacenter's own storageConfig replaces
 *   the cluster-wide one, and `extraVolumes.pvcs` add claims.
 * - Percona's XtraDB Cluster operator (`pxc.percona.com` PerconaXtraDBCluster): the pxc nodes'
 *   `volumeSpec.persistentVolumeClaim`, ProxySQL's and HAProxy's when enabled, their
 *   `sidecarPVCs`, and a `filesystem` backup storage's `volume.persistentVolumeClaim`.
 * - TiDB Operator (`pingcap.com` TidbCluster): PD's, TiKV's and Pump's `requests.storage` on
 *   `storageClassName`, TiFlash's `storageClaims`, and each component's `storageVolumes`.
 * - Altinity's ClickHouse operator (`clickhouse.altinity.com` ClickHouseInstallation,
 *   `clickhouse-keeper.altinity.com` ClickHouseKeeperInstallation): each of
 *   `spec.templates.volumeClaimTemplates` that a template reference or a container's volume mount
 *   uses; a template nothing uses makes no claim.
 * - KubeDB (`kubedb.com` MongoDB, Postgres, MySQL, MariaDB, Redis, Elasticsearch): each member's
 *   `storage`, a bare claim spec (kubedb.ts lays the members out: a sharded MongoDB's shards and
 *   config servers, an Elasticsearch topology's node roles); `storageType: Ephemeral` makes none.
 * - The OpenSearch operator (`opensearch.org`, before that `opensearch.opster.io`,
 *   OpenSearchCluster): each node pool's data claim, `diskSize` (30Gi unset) on
 *   `persistence.pvc.storageClass`, unless `persistence` is an emptyDir or hostPath.
 * - Spotahome's redis-operator (`databases.spotahome.com` RedisFailover):
 *   `spec.redis.storage.persistentVolumeClaim`, a claim's metadata and spec.
 * - Scylla's operator (`scylla.scylladb.com` ScyllaCluster): each rack's `storage.capacity` on
 *   `storage.storageClassName`.
 * - CockroachDB's operator (`crdb.cockroachlabs.com` CrdbCluster): `spec.dataStore.pvc.spec`, a
 *   claim spec (a `pvc.source` names an existing claim, which it doesn't make).
 * - StackGres (`stackgres.io` SGCluster): `spec.pods.persistentVolume`, `size` on `storageClass`.
 * - MySQL's operator (`mysql.oracle.com` InnoDBCluster): its datadir claim, ReadWriteOnce and 2Gi,
 *   with `spec.datadirVolumeClaimTemplate` merged over it.
 * - Confluent for Kubernetes (`platform.confluent.io` Kafka, KRaftController, Zookeeper, KsqlDB,
 *   ControlCenter): `spec.dataVolumeCapacity` (and a Zookeeper's `logVolumeCapacity`) on
 *   `spec.storageClass.name`.
 * - Redpanda's operator (`cluster.redpanda.com` Redpanda): the chart's
 *   `spec.clusterSpec.storage.persistentVolume` (on, 20Gi, by default).
 * - Apache Solr's operator (`solr.apache.org` SolrCloud): `spec.dataStorage.persistent.pvcTemplate`.
 * - Dragonfly's operator (`dragonflydb.io` Dragonfly): `spec.snapshot.persistentVolumeClaimSpec`
 *   and `spec.tiering.persistentVolumeClaimSpec`.
 * A claim whose settings name no access mode is read as ReadWriteOnce, the mode the operators
 * that fill one in give it (those that don't, like PGO and MinIO, refuse a spec without one). Claims of a few megabytes
 * that an operator keeps for its own configuration and never grows (MariaDB's Galera and MaxScale
 * config volumes, redis-operator's node-conf) are not judged.
 *
 * The settings by which some of these operators delete the claims they made (Strimzi's
 * deleteClaim, ECK's and ClickHouse's defaults, …) are here too ({@link operatorClaimDeletionsOf},
 * which statefulset-retains-claims reports).
 */
import type { ClaimLike, FoundClaim } from "./pods";
import { Fields, KubeObject, asFields, describeObject, indexedMappings, namesUnder } from "./k8s";
import { KubedbKind, kubedbMembers, perKubedbKind } from "./kubedb";
import { OperatorTable, operatorOf } from "./operators";
import { compareQuantities } from "./quantity";

/** One claim an operator makes, before it is named: the settings and where they are written. */
interface OperatorStorage {
    /** What part of the resource it is: `storage`, `walStorage`, `tablespace 'idx' storage`. */
    part: string;
    /** The field path of the settings, for messages: `spec.storage`. */
    at: string;
    /** The names of the class and size fields there. */
    classField: string;
    sizeField: string;
    claim: ClaimLike;
}

/** A template's access modes, ReadWriteOnce when it names none (or writes something that is no list). */
function accessModesOf(modes: unknown): string[] {
    return Array.isArray(modes) ? modes as string[] : ["ReadWriteOnce"];
}

/** The claim a CloudNativePG StorageConfiguration makes, or none where it is not given. */
function cnpgStorage(config: unknown, part: string, at: string): OperatorStorage[] {
    const c = asFields(config);
    if (!c) {
        return [];
    }
    const template = (asFields(c.pvcTemplate) ?? {}) as NonNullable<ClaimLike["spec"]> & { volumeMode?: string };
    const size = c.size ?? template.resources?.requests?.storage;
    const storageClassName = c.storageClass !== undefined ? c.storageClass as string | null : template.storageClassName;
    const spec = {
        ...template,
        accessModes: accessModesOf(template.accessModes),
        resources: { ...template.resources, requests: { ...template.resources?.requests, storage: size } },
        ...(storageClassName !== undefined ? { storageClassName } : {}),
    };
    return [{ part, at, classField: "storageClass", sizeField: "size", claim: { spec } }];
}

/** The claims of a CloudNativePG Cluster: its data, its WAL and each tablespace. */
function cnpgCluster(spec: Fields): OperatorStorage[] {
    return [
        ...cnpgStorage(spec.storage, "storage", "spec.storage"),
        ...cnpgStorage(spec.walStorage, "walStorage", "spec.walStorage"),
        ...(Array.isArray(spec.tablespaces) ? spec.tablespaces : []).flatMap((t, i) =>
            cnpgStorage(asFields(t)?.storage, `tablespace '${String(asFields(t)?.name ?? i)}' storage`, `spec.tablespaces[${i}].storage`)),
    ];
}

/** A ReadWriteOnce claim of `size` on class `className` (unset: the cluster's default). */
function plainClaim(size: unknown, className: unknown): ClaimLike {
    return {
        spec: {
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: size } },
            ...(className !== undefined ? { storageClassName: className as string | null } : {}),
        },
    };
}

/** The claims of a Strimzi storage setting: persistent-claim, or each persistent-claim volume of a jbod. */
function strimziStorage(storage: unknown, part: string, at: string): OperatorStorage[] {
    const s = asFields(storage);
    if (!s) {
        return [];
    }
    if (s.type === "jbod") {
        return (Array.isArray(s.volumes) ? s.volumes : []).flatMap((v, i) => {
            const volume = asFields(v);
            const id = volume?.id ?? i;
            return volume ? strimziStorage(volume, `${part} volume ${String(id)}`, `${at}.volumes[${i}]`) : [];
        });
    }
    return s.type === "persistent-claim"
        ? [{ part, at, classField: "class", sizeField: "size", claim: plainClaim(s.size, s.class) }]
        : [];
}

/** A claim template (a PersistentVolumeClaim's metadata and spec) as the claim it makes: ReadWriteOnce when it names no access mode. */
function templateClaim(template: unknown): ClaimLike {
    const t = (asFields(template) ?? {}) as ClaimLike;
    return { ...t, spec: { ...t.spec, accessModes: accessModesOf(t.spec?.accessModes) } };
}

/** Where a claim template (or the claim an operator makes in its place) writes its class and size. */
const TEMPLATE_FIELDS = { classField: "storageClassName", sizeField: "resources.requests.storage" } as const;

/** A claim template's name, as messages give it. */
function templateName(template: unknown): string {
    return String(asFields(asFields(template)?.metadata)?.name ?? "(unnamed)");
}

/** Entry `j` of the claim-template list at `list` (`spec.nodeSets[0].volumeClaimTemplates`), named `<prefix>claim template '<name>'`. */
function listedTemplate(template: unknown, list: string, j: number, prefix = ""): OperatorStorage {
    return { part: `${prefix}claim template '${templateName(template)}'`, at: `${list}[${j}].spec`, ...TEMPLATE_FIELDS, claim: templateClaim(template) };
}

/** The claim of a prometheus-operator resource's `spec.storage`: its claim template, or its ephemeral volume's. */
function prometheusStorage(spec: Fields): OperatorStorage[] {
    const storage = asFields(spec.storage);
    const claimTemplate = storage?.volumeClaimTemplate;
    const ephemeral = asFields(storage?.ephemeral)?.volumeClaimTemplate;
    const [template, at] = claimTemplate !== undefined ? [claimTemplate, "spec.storage.volumeClaimTemplate.spec"] : [ephemeral, "spec.storage.ephemeral.volumeClaimTemplate.spec"];
    return template === undefined ? [] : [{ part: "storage", at, ...TEMPLATE_FIELDS, claim: templateClaim(template) }];
}

/** prometheus-operator passes `spec.persistentVolumeClaimRetentionPolicy` (Prometheus and PrometheusAgent from v0.70, Alertmanager from v0.79) to its StatefulSet as is. */
function prometheusDeletions(spec: Fields): ClaimDeletion[] {
    return retentionPolicyDeletions(spec.persistentVolumeClaimRetentionPolicy, "spec.persistentVolumeClaimRetentionPolicy", "the resource");
}

/** ECK's claim for a node set that gives no template. */
const ECK_DEFAULT_CLAIM = "elasticsearch-data";

/** The claims of an ECK Elasticsearch: each node set's templates, or ECK's default claim. */
function eckStorage(spec: Fields): OperatorStorage[] {
    return (Array.isArray(spec.nodeSets) ? spec.nodeSets : []).flatMap((n, i) => {
        const nodeSet = asFields(n) ?? {};
        const set = `nodeSet '${String(nodeSet.name ?? i)}'`;
        const templates = Array.isArray(nodeSet.volumeClaimTemplates) ? nodeSet.volumeClaimTemplates : [];
        if (templates.length) {
            return templates.map((t, j) => listedTemplate(t, `spec.nodeSets[${i}].volumeClaimTemplates`, j, `${set} `));
        }
        const volumes = asFields(asFields(nodeSet.podTemplate)?.spec)?.volumes;
        if (Array.isArray(volumes) && volumes.some(v => asFields(v)?.name === ECK_DEFAULT_CLAIM)) {
            return []; // the data volume is the pod template's own (an emptyDir)
        }
        return [{
            part: `${set} default claim '${ECK_DEFAULT_CLAIM}' (ECK's 1Gi, no template given)`,
            at: `spec.nodeSets[${i}].volumeClaimTemplates[0].spec`, ...TEMPLATE_FIELDS,
            claim: plainClaim("1Gi", undefined),
        }];
    });
}

/**
 * A RabbitmqCluster's claims: the StatefulSet override's claim templates when it gives any (they
 * replace the operator's list), else `spec.persistence`, 10Gi unless it says otherwise, none at
 * size 0 (an emptyDir).
 */
function rabbitmqStorage(spec: Fields): OperatorStorage[] {
    const overridden = asFields(asFields(asFields(spec.override)?.statefulSet)?.spec)?.volumeClaimTemplates;
    if (Array.isArray(overridden) && overridden.length) {
        return overridden.map((t, j) => listedTemplate(t, "spec.override.statefulSet.spec.volumeClaimTemplates", j, "override "));
    }
    const persistence = asFields(spec.persistence) ?? {};
    const size = persistence.storage ?? "10Gi";
    if (compareQuantities(size, "0") === 0) {
        return [];
    }
    return [{ part: "persistence", at: "spec.persistence", classField: "storageClassName", sizeField: "storage", claim: plainClaim(size, persistence.storageClassName) }];
}

/** The MongoDB Community operator's claims for a replica set member, by name, with their default size. */
const MONGODB_DEFAULT_CLAIMS: readonly { name: string; size: string }[] = [{ name: "data-volume", size: "10G" }, { name: "logs-volume", size: "2G" }];

/**
 * A MongoDBCommunity's claims: the operator's data-volume (10G) and logs-volume (2G), each merged
 * by name with the template of that name in `spec.statefulSet.spec.volumeClaimTemplates` (its
 * settings win, its access modes are added to ReadWriteOnce), and every other template there.
 */
function mongodbStorage(spec: Fields): OperatorStorage[] {
    const statefulSet = asFields(asFields(spec.statefulSet)?.spec);
    const given = statefulSet?.volumeClaimTemplates;
    // Upstream's own hostPath sample nests its templates one level too deep, under the pod template, where the operator never reads them.
    const misplaced = asFields(statefulSet?.template)?.volumeClaimTemplates !== undefined
        ? ": the templates at spec.statefulSet.spec.template.volumeClaimTemplates are under the pod template, where the operator doesn't read them" : "";
    const listed: unknown[] = Array.isArray(given) ? given : [];
    const names = listed.map(templateName);
    const list = "spec.statefulSet.spec.volumeClaimTemplates";
    const claims: OperatorStorage[] = MONGODB_DEFAULT_CLAIMS.map(({ name, size }) => {
        const j = names.indexOf(name);
        const own = asFields(listed[j]) ?? {};
        const spec = asFields(own.spec) ?? {};
        const resources = asFields(spec.resources) ?? {};
        return {
            part: j >= 0 ? `claim template '${name}'` : `claim '${name}' (the operator's ${size}, no template given${misplaced})`,
            at: `${list}[${j >= 0 ? j : ""}].spec`, ...TEMPLATE_FIELDS,
            claim: {
                ...own,
                spec: {
                    ...spec,
                    accessModes: ["ReadWriteOnce", ...(Array.isArray(spec.accessModes) ? spec.accessModes as string[] : [])],
                    resources: { ...resources, requests: { storage: size, ...asFields(resources.requests) } },
                },
            } as ClaimLike,
        };
    });
    listed.forEach((t, j) => {
        if (!MONGODB_DEFAULT_CLAIMS.some(d => d.name === names[j])) {
            claims.push(listedTemplate(t, list, j));
        }
    });
    return claims;
}

/** The claim a bare PersistentVolumeClaimSpec makes (`at` is where it is written), or none where it is not given. */
function specClaim(spec: unknown, part: string, at: string, metadata?: ClaimLike["metadata"]): OperatorStorage[] {
    return asFields(spec) ? [{ part, at, ...TEMPLATE_FIELDS, claim: { ...templateClaim({ spec }), ...(metadata ? { metadata } : {}) } }] : [];
}

/**
 * A Crunchy PGO PostgresCluster's claims, each a bare claim spec: every instance set's data, WAL
 * and tablespace volumes (one claim per replica), each pgBackRest repo on a volume, and pgAdmin's.
 */
function pgoStorage(spec: Fields): OperatorStorage[] {
    const claims: OperatorStorage[] = [];
    for (const [instance, i] of indexedMappings(spec.instances)) {
        // PGO names an unnamed set by its position: 00, 01, …
        const set = `instance set '${String(instance.name ?? String(i).padStart(2, "0"))}'`;
        const at = `spec.instances[${i}]`;
        claims.push(...specClaim(instance.dataVolumeClaimSpec, `${set} data`, `${at}.dataVolumeClaimSpec`));
        claims.push(...specClaim(instance.walVolumeClaimSpec, `${set} WAL`, `${at}.walVolumeClaimSpec`));
        for (const [t, j] of indexedMappings(instance.tablespaceVolumes)) {
            claims.push(...specClaim(t.dataVolumeClaimSpec, `${set} tablespace '${String(t.name ?? j)}'`, `${at}.tablespaceVolumes[${j}].dataVolumeClaimSpec`));
        }
    }
    for (const [repo, k] of indexedMappings(asFields(asFields(spec.backups)?.pgbackrest)?.repos)) {
        claims.push(...specClaim(asFields(repo.volume)?.volumeClaimSpec, `pgBackRest repo '${String(repo.name ?? k)}'`, `spec.backups.pgbackrest.repos[${k}].volume.volumeClaimSpec`));
    }
    claims.push(...specClaim(asFields(asFields(spec.userInterface)?.pgAdmin)?.dataVolumeClaimSpec, "pgAdmin data", "spec.userInterface.pgAdmin.dataVolumeClaimSpec"));
    return claims;
}

/**
 * The claim of a Percona MongoDB volumeSpec: its persistentVolumeClaim (a claim spec, beside the
 * claim's own annotations and labels), which wins over hostPath and emptyDir; none without one.
 */
function psmdbVolume(volumeSpec: unknown, part: string, at: string): OperatorStorage[] {
    const pvc = asFields(asFields(volumeSpec)?.persistentVolumeClaim);
    if (!pvc) {
        return [];
    }
    const { annotations, labels, ...claimSpec } = pvc;
    return specClaim(claimSpec, part, `${at}.persistentVolumeClaim`, { annotations: asFields(annotations) as Record<string, string> | undefined, labels: asFields(labels) as Record<string, string> | undefined });
}

/** A Percona MongoDB replica set's claims: its members' data, its enabled non-voting and hidden members' own, and its sidecar claims. */
function psmdbReplset(rs: Fields, name: string, at: string): OperatorStorage[] {
    const claims = psmdbVolume(rs.volumeSpec, `${name} data`, `${at}.volumeSpec`);
    for (const role of ["nonvoting", "hidden"]) {
        const members = asFields(rs[role]);
        // Members without a volumeSpec of their own take the replica set's, judged above.
        if (members?.enabled === true) {
            claims.push(...psmdbVolume(members.volumeSpec, `${name} ${role} data`, `${at}.${role}.volumeSpec`));
        }
    }
    for (const [t, j] of indexedMappings(rs.sidecarPVCs)) {
        claims.push(listedTemplate(t, `${at}.sidecarPVCs`, j, `${name} sidecar `));
    }
    return claims;
}

/** A PerconaServerMongoDB's claims: each replica set's, and the config servers' when sharded. */
function psmdbStorage(spec: Fields): OperatorStorage[] {
    const claims = indexedMappings(spec.replsets).flatMap(([rs, i]) => psmdbReplset(rs, `replset '${String(rs.name ?? i)}'`, `spec.replsets[${i}]`));
    const sharding = asFields(spec.sharding);
    const configsvr = asFields(sharding?.configsvrReplSet);
    if (sharding?.enabled === true && configsvr) {
        claims.push(...psmdbReplset(configsvr, "config server replset", "spec.sharding.configsvrReplSet"));
    }
    return claims;
}

/**
 * A PerconaXtraDBCluster's claims: the pxc nodes' `volumeSpec.persistentVolumeClaim` (as Percona's
 * MongoDB operator reads it), ProxySQL's and HAProxy's when they are enabled, each one's
 * `sidecarPVCs`, and the claim a backup to a `filesystem` storage makes from its
 * `volume.persistentVolumeClaim`.
 */
function pxcStorage(spec: Fields): OperatorStorage[] {
    const claims: OperatorStorage[] = [];
    for (const component of ["pxc", "proxysql", "haproxy"]) {
        const c = asFields(spec[component]);
        if (!c || (component !== "pxc" && c.enabled !== true)) {
            continue;
        }
        claims.push(...psmdbVolume(c.volumeSpec, `${component} data`, `spec.${component}.volumeSpec`));
        for (const [t, j] of indexedMappings(c.sidecarPVCs)) {
            claims.push(listedTemplate(t, `spec.${component}.sidecarPVCs`, j, `${component} sidecar `));
        }
    }
    for (const [name, storage] of Object.entries(asFields(asFields(spec.backup)?.storages) ?? {})) {
        const s = asFields(storage);
        if (s?.type === "filesystem") {
            claims.push(...specClaim(asFields(s.volume)?.persistentVolumeClaim, `backup storage '${name}'`, `spec.backup.storages.${name}.volume.persistentVolumeClaim`));
        }
    }
    return claims;
}

/** The TiDB components whose StatefulSets make a data claim from their `requests.storage` and `storageClassName`. */
const TIDB_DATA_COMPONENTS = ["pd", "tikv", "pump"];

/**
 * A TidbCluster's claims, all ReadWriteOnce: the data claim of PD, TiKV and Pump (`requests.storage`
 * on `storageClassName`), each TiFlash `storageClaims` entry, and each component's
 * `storageVolumes` (`storageSize`, on their own class or the component's).
 */
function tidbStorage(spec: Fields): OperatorStorage[] {
    const claims: OperatorStorage[] = [];
    for (const component of ["pd", "tikv", "tidb", "ticdc", "pump", "tiflash"]) {
        const c = asFields(spec[component]);
        if (!c) {
            continue;
        }
        if (TIDB_DATA_COMPONENTS.includes(component)) {
            claims.push({ part: component, at: `spec.${component}`, classField: "storageClassName", sizeField: "requests.storage", claim: plainClaim(asFields(c.requests)?.storage, c.storageClassName) });
        }
        for (const [claim, j] of indexedMappings(c.storageClaims)) {
            claims.push({ part: `${component} storage claim ${j}`, at: `spec.${component}.storageClaims[${j}]`, classField: "storageClassName", sizeField: "resources.requests.storage",
                claim: plainClaim(asFields(asFields(claim.resources)?.requests)?.storage, claim.storageClassName) });
        }
        for (const [volume, j] of indexedMappings(c.storageVolumes)) {
            const className = volume.storageClassName ?? c.storageClassName;
            claims.push({ part: `${component} storage volume '${String(volume.name ?? j)}'`, at: `spec.${component}.storageVolumes[${j}]`,
                classField: volume.storageClassName !== undefined || c.storageClassName === undefined ? "storageClassName" : `storageClassName (or spec.${component}.storageClassName)`,
                sizeField: "storageSize", claim: plainClaim(volume.storageSize, className) });
        }
    }
    return claims;
}

/** TiDB deletes the claims a scale-in leaves unused when `spec.enablePVReclaim` is true. */
function tidbDeletions(spec: Fields): ClaimDeletion[] {
    return spec.enablePVReclaim === true
        ? [{ setting: "has spec.enablePVReclaim: true", what: "the claims of the members it removes", when: "on scale-in", fix: "set it to false (or leave it unset)" }]
        : [];
}

/** A MinIO Tenant's claims: each pool's claim template (volumesPerServer claims per server) and the sidecars' templates, added to every pool. */
function minioStorage(spec: Fields): OperatorStorage[] {
    const claims = indexedMappings(spec.pools).flatMap(([pool, i]): OperatorStorage[] => pool.volumeClaimTemplate === undefined ? [] : [{
        // The operator names an unnamed pool by its position.
        part: `pool '${String(pool.name ?? `pool-${i}`)}' claim template`,
        at: `spec.pools[${i}].volumeClaimTemplate.spec`, ...TEMPLATE_FIELDS,
        claim: templateClaim(pool.volumeClaimTemplate),
    }]);
    for (const [t, j] of indexedMappings(asFields(spec.sideCars)?.volumeClaimTemplates)) {
        claims.push(listedTemplate(t, "spec.sideCars.volumeClaimTemplates", j, "sidecar "));
    }
    return claims;
}

/**
 * A MariaDB's data claims (one per replica). `spec.storage.size` and `storageClassName` win: the
 * operator replaces a volumeClaimTemplate with a ReadWriteOnce claim of that size and class
 * whenever the template's size or class differs (or it has none), and uses the template as given
 * otherwise. `ephemeral: true` makes no claim. Before v0.0.26 the template was `spec.volumeClaimTemplate`
 * (with `spec.ephemeralStorage`). The Galera and MaxScale config claims (100Mi, which the operator
 * never grows) are not judged.
 */
function mariadbStorage(spec: Fields): OperatorStorage[] {
    const storage = asFields(spec.storage);
    if (!storage) {
        const legacy = asFields(spec.volumeClaimTemplate);
        if (legacy) {
            const { metadata, labels, annotations, ...legacySpec } = legacy;
            return specClaim(legacySpec, "storage", "spec.volumeClaimTemplate", (asFields(metadata) ?? { labels: asFields(labels), annotations: asFields(annotations) }) as ClaimLike["metadata"]);
        }
        // Neither size nor template: the operator refuses it, and the claim policies say what to set.
        return spec.ephemeralStorage === true ? [] : [{ part: "storage", at: "spec.storage", classField: "storageClassName", sizeField: "size", claim: plainClaim(undefined, undefined) }];
    }
    if (storage.ephemeral === true) {
        return [];
    }
    const template = asFields(storage.volumeClaimTemplate);
    const { metadata, ...templateSpec } = template ?? {};
    const className = typeof storage.storageClassName === "string" && storage.storageClassName !== "" ? storage.storageClassName : undefined;
    const replaced = storage.size !== undefined && (!template
        || compareQuantities(storage.size, asFields(asFields(templateSpec.resources)?.requests)?.storage) !== 0
        || (className !== undefined && className !== templateSpec.storageClassName));
    if (replaced || !template) {
        return [{ part: "storage", at: "spec.storage", classField: "storageClassName", sizeField: "size", claim: plainClaim(storage.size, className) }];
    }
    return specClaim(templateSpec, "storage", "spec.storage.volumeClaimTemplate", asFields(metadata) as ClaimLike["metadata"]);
}

/** A MariaDB Backup's claim, named after it, where its backups are kept: `spec.storage.persistentVolumeClaim`, a claim spec (S3 or a volume make none). */
function mariadbBackupStorage(spec: Fields): OperatorStorage[] {
    return specClaim(asFields(spec.storage)?.persistentVolumeClaim, "storage", "spec.storage.persistentVolumeClaim");
}

/**
 * An OT redis-operator resource's data claim: `spec.storage.volumeClaimTemplate`, a claim (its
 * metadata replaced by the operator's), one per pod; a RedisCluster makes it only with
 * `spec.persistenceEnabled: true`. The node-conf claim (a few megabytes the operator never grows) is not judged.
 */
function redisStorage(needsPersistence: boolean): (spec: Fields) => OperatorStorage[] {
    return spec => {
        const template = asFields(asFields(spec.storage)?.volumeClaimTemplate);
        if (!template || (needsPersistence && spec.persistenceEnabled !== true)) {
            return [];
        }
        return [{ part: "storage", at: "spec.storage.volumeClaimTemplate.spec", ...TEMPLATE_FIELDS, claim: { spec: templateClaim(template).spec } }];
    };
}

/** A cass-operator StorageConfig's claims: the server-data claim spec and each additional volume's pvcSpec, one each per Cassandra pod. */
function cassandraStorage(config: unknown, prefix: string, at: string): OperatorStorage[] {
    const c = asFields(config);
    if (!c) {
        return [];
    }
    return [
        ...specClaim(c.cassandraDataVolumeClaimSpec, `${prefix}server-data`, `${at}.cassandraDataVolumeClaimSpec`),
        ...indexedMappings(c.additionalVolumes).flatMap(([v, j]) => specClaim(v.pvcSpec, `${prefix}volume '${String(v.name ?? j)}'`, `${at}.additionalVolumes[${j}].pvcSpec`)),
    ];
}

/**
 * A K8ssandraCluster's Cassandra claims: each datacenter's storageConfig, or the cluster-wide one
 * for a datacenter without its own (the datacenter's replaces it whole), and each extra volume.
 */
function k8ssandraStorage(spec: Fields): OperatorStorage[] {
    const cassandra = asFields(spec.cassandra) ?? {};
    const extra = (volumes: unknown, prefix: string, at: string) =>
        indexedMappings(asFields(volumes)?.pvcs).flatMap(([v, j]) => specClaim(v.pvcSpec, `${prefix}volume '${String(v.name ?? j)}'`, `${at}.extraVolumes.pvcs[${j}].pvcSpec`));
    const claims: OperatorStorage[] = [];
    let inherited = false;
    for (const [dc, i] of indexedMappings(cassandra.datacenters)) {
        const name = `datacenter '${String(asFields(dc.metadata)?.name ?? i)}' `;
        if (dc.storageConfig !== undefined) {
            claims.push(...cassandraStorage(dc.storageConfig, name, `spec.cassandra.datacenters[${i}].storageConfig`));
        } else {
            inherited = true;
        }
        claims.push(...extra(dc.extraVolumes, name, `spec.cassandra.datacenters[${i}]`));
    }
    if (inherited) {
        claims.push(...cassandraStorage(cassandra.storageConfig, "", "spec.cassandra.storageConfig"));
    }
    claims.push(...extra(cassandra.extraVolumes, "", "spec.cassandra"));
    return claims;
}

/** The keys by which a ClickHouseInstallation's templates (defaults, clusters, shards, replicas, hosts) name the claim templates their pods use. */
const CLICKHOUSE_TEMPLATE_REFERENCES = ["dataVolumeClaimTemplate", "logVolumeClaimTemplate", "volumeClaimTemplate"];

/** Every name the resource uses a ClickHouse claim template by: a template reference anywhere in it, or a pod template container's volume mount. */
function clickhouseReferences(spec: Fields): Set<string> {
    return namesUnder(spec, (key, value) => {
        if (CLICKHOUSE_TEMPLATE_REFERENCES.includes(key) && typeof value === "string") {
            return [value];
        }
        return key === "volumeMounts" ? indexedMappings(value).flatMap(([m]) => (typeof m.name === "string" ? [m.name] : [])) : undefined;
    });
}

/**
 * A ClickHouseInstallation's (or ClickHouseKeeperInstallation's) claims: each of
 * `spec.templates.volumeClaimTemplates` that something uses (one claim per host); a template
 * nothing refers to makes no claim.
 */
function clickhouseStorage(spec: Fields): OperatorStorage[] {
    const used = clickhouseReferences(spec);
    return indexedMappings(asFields(spec.templates)?.volumeClaimTemplates).flatMap(([t, j]) =>
        typeof t.name === "string" && used.has(t.name)
            ? [{ part: `claim template '${t.name}'`, at: `spec.templates.volumeClaimTemplates[${j}].spec`, ...TEMPLATE_FIELDS, claim: templateClaim(t) }]
            : []);
}

/**
 * A setting of a resource that makes Kubernetes or an operator delete the claims it made, as
 * messages say it: `<resource> <setting>, which deletes <what> <when>; <fix>.`
 */
export interface ClaimDeletion {
    /** `has spec.kafka.storage.deleteClaim: true`, `sets no reclaimPolicy on claim template 'data' (…)` */
    setting: string;
    /** `its claims`, `the pool's claims` */
    what: string;
    /** `with the StatefulSet`, `on scale-down` */
    when: string;
    fix: string;
}

/**
 * What a StatefulSet persistentVolumeClaimRetentionPolicy at `at` deletes: claims with the
 * StatefulSet (`whenDeleted`) or on scale-down (`whenScaled`), for any value but Retain. Field
 * names are matched exactly, as the API server's strict decoding reads them.
 */
export function retentionPolicyDeletions(policy: unknown, at: string, owner = "the StatefulSet"): ClaimDeletion[] {
    const p = asFields(policy) ?? {};
    return (["whenDeleted", "whenScaled"] as const).flatMap(when => p[when] !== undefined && p[when] !== "Retain"
        ? [{ setting: `has ${at}.${when}: ${String(p[when])}`, what: "claims", when: when === "whenDeleted" ? `with ${owner}` : "on scale-down", fix: "set it to Retain (or leave it unset)" }]
        : []);
}

/** Strimzi's `deleteClaim: true` on persistent-claim storage (or a JBOD volume of it): the claims go with the cluster or node pool, and with scaled-down brokers. */
function strimziDeletions(storage: unknown, at: string): ClaimDeletion[] {
    const s = asFields(storage);
    if (s?.type === "jbod") {
        return indexedMappings(s.volumes).flatMap(([v, i]) => strimziDeletions(v, `${at}.volumes[${i}]`));
    }
    return s?.type === "persistent-claim" && s.deleteClaim === true
        ? [{ setting: `has ${at}.deleteClaim: true`, what: "its claims", when: "with the cluster or node pool, and on scale-down", fix: "set it to false (or leave it unset)" }]
        : [];
}

/** ECK deletes a cluster's claims with it unless `spec.volumeClaimDeletePolicy` is DeleteOnScaledownOnly (a scaled-down node's claim goes either way, after ECK has moved its data off). */
function eckDeletions(spec: Fields, claims: readonly OperatorStorage[]): ClaimDeletion[] {
    const policy = spec.volumeClaimDeletePolicy;
    if (policy === "DeleteOnScaledownOnly" || claims.length === 0) {
        return [];
    }
    return [{
        setting: policy === undefined ? "sets no spec.volumeClaimDeletePolicy (ECK's default is DeleteOnScaledownAndClusterDeletion)" : `has spec.volumeClaimDeletePolicy: ${String(policy)}`,
        what: "its claims", when: "with the Elasticsearch resource", fix: "set spec.volumeClaimDeletePolicy to DeleteOnScaledownOnly",
    }];
}

/**
 * redis-operator deletes the claims of a resource with storage when the resource is deleted,
 * unless `spec.storage.keepAfterDelete` is true; `spec.kubernetesConfig.persistentVolumeClaimRetentionPolicy`
 * goes to its StatefulSets.
 */
function redisDeletions(spec: Fields, claims: readonly OperatorStorage[]): ClaimDeletion[] {
    const kept = asFields(spec.storage)?.keepAfterDelete;
    const deletions = retentionPolicyDeletions(asFields(spec.kubernetesConfig)?.persistentVolumeClaimRetentionPolicy, "spec.kubernetesConfig.persistentVolumeClaimRetentionPolicy", "the resource");
    if (claims.length && kept !== true) {
        deletions.unshift({
            setting: kept === undefined ? "sets no spec.storage.keepAfterDelete (the operator's default is false)" : `has spec.storage.keepAfterDelete: ${String(kept)}`,
            what: "its claims", when: "with the resource", fix: "set spec.storage.keepAfterDelete to true",
        });
    }
    return deletions;
}

/** MinIO's `reclaimStorage: true` on a pool (honoured by the operator's releases from late 2023 to mid-2024, ignored since). */
function minioDeletions(spec: Fields): ClaimDeletion[] {
    return indexedMappings(spec.pools).flatMap(([pool, i]) => pool.reclaimStorage === true
        ? [{ setting: `has spec.pools[${i}].reclaimStorage: true`, what: "the pool's claims", when: "with the Tenant (on the operator releases that honour it, from late 2023 to mid-2024)", fix: "remove it" }]
        : []);
}

/**
 * A ClickHouse claim template used by the installation deletes its claims with the installation
 * and with hosts removed on scale-down unless its reclaimPolicy (or
 * `spec.defaults.storageManagement.reclaimPolicy`) is Retain: the operator's default is Delete.
 */
function clickhouseDeletions(spec: Fields): ClaimDeletion[] {
    const fallback = asFields(asFields(spec.defaults)?.storageManagement)?.reclaimPolicy;
    const used = clickhouseReferences(spec);
    return indexedMappings(asFields(spec.templates)?.volumeClaimTemplates).flatMap(([t, j]) => {
        const policy = t.reclaimPolicy ?? fallback;
        if (typeof t.name !== "string" || !used.has(t.name) || policy === "Retain") {
            return [];
        }
        const at = t.reclaimPolicy !== undefined ? `spec.templates.volumeClaimTemplates[${j}].reclaimPolicy` : "spec.defaults.storageManagement.reclaimPolicy";
        return [{
            setting: policy === undefined ? `sets no reclaimPolicy for claim template '${t.name}' (the operator's default is Delete)` : `has ${at}: ${String(policy)} for claim template '${t.name}'`,
            what: "its claims", when: "with the installation and with the hosts removed on scale-down",
            fix: `set spec.templates.volumeClaimTemplates[${j}].reclaimPolicy (or spec.defaults.storageManagement.reclaimPolicy) to Retain`,
        }];
    });
}

/** A KubeDB database's claims: each member's `storage`, a bare claim spec ({@link kubedbMembers}). */
function kubedbStorage(kind: KubedbKind): (spec: Fields) => OperatorStorage[] {
    return spec => kubedbMembers(kind, spec).filter(m => m.claims).flatMap(m =>
        specClaim(m.fields.storage, m.part ? `${m.part} storage` : "storage", `${m.at}.storage`));
}

/**
 * KubeDB deletes a database's claims with it under `spec.deletionPolicy` Delete (its default) or
 * WipeOut; Halt and DoNotTerminate keep them. Releases before the field was renamed call it
 * `spec.terminationPolicy`.
 */
function kubedbDeletions(spec: Fields, claims: readonly OperatorStorage[]): ClaimDeletion[] {
    const field = spec.deletionPolicy === undefined && spec.terminationPolicy !== undefined ? "terminationPolicy" : "deletionPolicy";
    const policy = spec[field];
    if ((policy !== undefined && policy !== "Delete" && policy !== "WipeOut") || claims.length === 0) {
        return [];
    }
    return [{
        setting: policy === undefined ? "sets no spec.deletionPolicy (KubeDB's default is Delete)" : `has spec.${field}: ${String(policy)}`,
        what: "its claims", when: "when it is deleted",
        fix: `set spec.${field} to Halt (which keeps the claims and secrets) or DoNotTerminate (which refuses the deletion)`,
    }];
}

/** The OpenSearch operator's claim for a node pool without `persistence`, or with `persistence.pvc`, of `diskSize` (30Gi when unset). */
const OPENSEARCH_DEFAULT_DISK = "30Gi";

/**
 * An OpenSearchCluster's claims: each node pool's data claim, made unless its `persistence` is an
 * emptyDir or hostPath: `diskSize` (30Gi when unset) on `persistence.pvc.storageClass` (else the
 * cluster's default), with `persistence.pvc.accessModes` (ReadWriteOnce when `persistence` is unset).
 */
function opensearchStorage(spec: Fields): OperatorStorage[] {
    return indexedMappings(spec.nodePools).flatMap(([pool, i]): OperatorStorage[] => {
        const persistence = asFields(pool.persistence);
        const pvc = asFields(persistence?.pvc);
        if (persistence && !pvc) {
            return [];
        }
        const claim = plainClaim(pool.diskSize ?? OPENSEARCH_DEFAULT_DISK, pvc?.storageClass);
        return [{
            part: `node pool '${String(pool.component ?? i)}' data`, at: `spec.nodePools[${i}]`,
            classField: "persistence.pvc.storageClass", sizeField: "diskSize",
            claim: { spec: { ...claim.spec, accessModes: accessModesOf(pvc?.accessModes) } },
        }];
    });
}

/** A RedisFailover's claim: `spec.redis.storage.persistentVolumeClaim`, a claim's metadata and spec, one per redis pod (an emptyDir without it). */
function redisFailoverStorage(spec: Fields): OperatorStorage[] {
    const claim = asFields(asFields(asFields(spec.redis)?.storage)?.persistentVolumeClaim);
    return claim ? [{ part: `claim '${templateName(claim)}'`, at: "spec.redis.storage.persistentVolumeClaim.spec", ...TEMPLATE_FIELDS, claim: templateClaim(claim) }] : [];
}

/** The operator owns a RedisFailover's claims, and so deletes them with it, unless `spec.redis.storage.keepAfterDeletion` is true. */
function redisFailoverDeletions(spec: Fields, claims: readonly OperatorStorage[]): ClaimDeletion[] {
    return claims.length && asFields(asFields(spec.redis)?.storage)?.keepAfterDeletion !== true
        ? [{ setting: "sets no spec.redis.storage.keepAfterDeletion: true", what: "its claims", when: "with the RedisFailover", fix: "set spec.redis.storage.keepAfterDeletion to true" }]
        : [];
}

/** A ScyllaCluster's claims: each rack's `storage` (`capacity` on `storageClassName`), ReadWriteOnce, one per member. */
function scyllaStorage(spec: Fields): OperatorStorage[] {
    return indexedMappings(asFields(spec.datacenter)?.racks).flatMap(([rack, i]): OperatorStorage[] => {
        const storage = asFields(rack.storage);
        return storage ? [{ part: `rack '${String(rack.name ?? i)}' data`, at: `spec.datacenter.racks[${i}].storage`, classField: "storageClassName", sizeField: "capacity", claim: plainClaim(storage.capacity, storage.storageClassName) }] : [];
    });
}

/** A StackGres SGCluster's claim: `spec.pods.persistentVolume` (`size` on `storageClass`), ReadWriteOnce, one per instance. */
function stackgresStorage(spec: Fields): OperatorStorage[] {
    const volume = asFields(asFields(spec.pods)?.persistentVolume);
    return volume ? [{ part: "data", at: "spec.pods.persistentVolume", classField: "storageClass", sizeField: "size", claim: plainClaim(volume.size, volume.storageClass) }] : [];
}

/**
 * An InnoDBCluster's datadir claim: the operator's template (ReadWriteOnce, 2Gi) with
 * `spec.datadirVolumeClaimTemplate` merged over it, one per instance.
 */
function innodbStorage(spec: Fields): OperatorStorage[] {
    const given = (asFields(spec.datadirVolumeClaimTemplate) ?? {}) as NonNullable<ClaimLike["spec"]>;
    const resources = asFields(given.resources);
    const storage = asFields(resources?.requests)?.storage ?? "2Gi";
    return [{
        part: "datadir", at: "spec.datadirVolumeClaimTemplate", ...TEMPLATE_FIELDS,
        claim: { spec: { ...given, accessModes: accessModesOf(given.accessModes), resources: { ...resources, requests: { ...asFields(resources?.requests), storage } } } },
    }];
}

/** An OpenSearchCluster's `spec.general.persistentVolumeClaimRetentionPolicy`, which the operator passes to its node pools' StatefulSets. */
function opensearchDeletions(spec: Fields, claims: readonly OperatorStorage[]): ClaimDeletion[] {
    return claims.length
        ? retentionPolicyDeletions(asFields(spec.general)?.persistentVolumeClaimRetentionPolicy, "spec.general.persistentVolumeClaimRetentionPolicy", "the OpenSearchCluster")
        : [];
}

/**
 * A Confluent for Kubernetes component's claims: its data volume of `spec.dataVolumeCapacity` on
 * `spec.storageClass.name`, and a Zookeeper's transaction log of `spec.logVolumeCapacity`.
 * Without a capacity the claim takes the operator's size, which is not read here, so it is not judged.
 */
function confluentStorage(spec: Fields): OperatorStorage[] {
    const className = asFields(spec.storageClass)?.name;
    return ([["data", "dataVolumeCapacity"], ["transaction log", "logVolumeCapacity"]] as const).flatMap(([part, field]) => spec[field] === undefined ? [] : [{
        part, at: "spec", classField: "storageClass.name", sizeField: field, claim: plainClaim(spec[field], className),
    }]);
}

/** The Redpanda chart's data claim: `storage.persistentVolume` of `spec.clusterSpec` (on unless `enabled: false`, 20Gi; a `storageClass` of "-" asks for none, "" the default). */
function redpandaStorage(spec: Fields): OperatorStorage[] {
    const volume = asFields(asFields(asFields(spec.clusterSpec)?.storage)?.persistentVolume) ?? {};
    if (volume.enabled === false) {
        return [];
    }
    const className = volume.storageClass === "-" ? "" : volume.storageClass === "" ? undefined : volume.storageClass;
    return [{ part: "datadir", at: "spec.clusterSpec.storage.persistentVolume", classField: "storageClass", sizeField: "size", claim: plainClaim(volume.size ?? "20Gi", className) }];
}

/** A SolrCloud's claim: `spec.dataStorage.persistent.pvcTemplate`, ReadWriteOnce when it names no access mode; none on ephemeral storage (the default). */
function solrStorage(spec: Fields): OperatorStorage[] {
    const persistent = asFields(asFields(spec.dataStorage)?.persistent);
    return persistent ? [{ part: "data", at: "spec.dataStorage.persistent.pvcTemplate.spec", ...TEMPLATE_FIELDS, claim: templateClaim(persistent.pvcTemplate) }] : [];
}

/** A SolrCloud with `spec.dataStorage.persistent.reclaimPolicy: Delete` has the operator delete its claims, with it and on scale-down (Retain is the default). */
function solrDeletions(spec: Fields): ClaimDeletion[] {
    return asFields(asFields(spec.dataStorage)?.persistent)?.reclaimPolicy === "Delete"
        ? [{ setting: "has spec.dataStorage.persistent.reclaimPolicy: Delete", what: "its claims", when: "with the SolrCloud and on scale-down", fix: "set it to Retain (or leave it unset)" }]
        : [];
}

/** A Dragonfly's claims: its snapshots' and its tiering's `persistentVolumeClaimSpec`. */
function dragonflyStorage(spec: Fields): OperatorStorage[] {
    return [
        ...specClaim(asFields(spec.snapshot)?.persistentVolumeClaimSpec, "snapshot claim", "spec.snapshot.persistentVolumeClaimSpec"),
        ...specClaim(asFields(spec.tiering)?.persistentVolumeClaimSpec, "tiering claim", "spec.tiering.persistentVolumeClaimSpec"),
    ];
}

/** Percona's finalizers that delete a cluster's claims when it is deleted, by API group (old releases' names without the `percona.com/` prefix too). */
const PERCONA_CLAIM_FINALIZERS: Readonly<Record<string, readonly string[]>> = {
    "psmdb.percona.com": ["percona.com/delete-psmdb-pvc", "delete-psmdb-pvc"],
    "pxc.percona.com": ["percona.com/delete-pxc-pvc", "delete-pxc-pvc", "percona.com/delete-proxysql-pvc", "delete-proxysql-pvc"],
    "ps.percona.com": ["percona.com/delete-mysql-pvc"],
    "pgv2.percona.com": ["percona.com/delete-pvc"],
};

/** An operator's resource: the claims it makes, and the settings by which the operator deletes them (given those claims, most of which delete nothing without any). */
interface Operator {
    storage: (spec: Fields) => OperatorStorage[];
    deletes?: (spec: Fields, claims: readonly OperatorStorage[]) => ClaimDeletion[];
}

/** Where each operator's claims come from, and the settings by which it deletes them (operators.ts names the resources). */
const OPERATORS: OperatorTable<Operator> = {
    "postgresql.cnpg.io": { Cluster: { storage: cnpgCluster } },
    "postgresql.k8s.enterprisedb.io": { Cluster: { storage: cnpgCluster } },
    "acid.zalan.do": {
        postgresql: {
            storage: spec => {
                const volume = asFields(spec.volume);
                return volume ? [{ part: "volume", at: "spec.volume", classField: "storageClass", sizeField: "size", claim: plainClaim(volume.size, volume.storageClass) }] : [];
            },
        },
    },
    "monitoring.coreos.com": {
        Prometheus: { storage: prometheusStorage, deletes: prometheusDeletions },
        PrometheusAgent: { storage: prometheusStorage, deletes: prometheusDeletions },
        Alertmanager: { storage: prometheusStorage, deletes: prometheusDeletions },
        ThanosRuler: { storage: prometheusStorage },
    },
    "elasticsearch.k8s.elastic.co": { Elasticsearch: { storage: eckStorage, deletes: eckDeletions } },
    "rabbitmq.com": {
        RabbitmqCluster: {
            storage: rabbitmqStorage,
            deletes: spec => retentionPolicyDeletions(asFields(asFields(asFields(spec.override)?.statefulSet)?.spec)?.persistentVolumeClaimRetentionPolicy,
                "spec.override.statefulSet.spec.persistentVolumeClaimRetentionPolicy", "the RabbitmqCluster"),
        },
    },
    "mongodbcommunity.mongodb.com": { MongoDBCommunity: { storage: mongodbStorage } },
    "postgres-operator.crunchydata.com": { PostgresCluster: { storage: pgoStorage } },
    "pgv2.percona.com": { PerconaPGCluster: { storage: pgoStorage } },
    "psmdb.percona.com": { PerconaServerMongoDB: { storage: psmdbStorage } },
    "minio.min.io": { Tenant: { storage: minioStorage, deletes: minioDeletions } },
    "pxc.percona.com": { PerconaXtraDBCluster: { storage: pxcStorage } },
    "pingcap.com": { TidbCluster: { storage: tidbStorage, deletes: tidbDeletions } },
    "opensearch.opster.io": { OpenSearchCluster: { storage: opensearchStorage, deletes: opensearchDeletions } },
    "opensearch.org": { OpenSearchCluster: { storage: opensearchStorage, deletes: opensearchDeletions } },
    "databases.spotahome.com": { RedisFailover: { storage: redisFailoverStorage, deletes: redisFailoverDeletions } },
    "scylla.scylladb.com": { ScyllaCluster: { storage: scyllaStorage } },
    "crdb.cockroachlabs.com": { CrdbCluster: { storage: spec => specClaim(asFields(asFields(spec.dataStore)?.pvc)?.spec, "data store", "spec.dataStore.pvc.spec") } },
    "stackgres.io": { SGCluster: { storage: stackgresStorage } },
    "mysql.oracle.com": { InnoDBCluster: { storage: innodbStorage } },
    "platform.confluent.io": {
        Kafka: { storage: confluentStorage }, KRaftController: { storage: confluentStorage }, Zookeeper: { storage: confluentStorage },
        KsqlDB: { storage: confluentStorage }, ControlCenter: { storage: confluentStorage },
    },
    "cluster.redpanda.com": { Redpanda: { storage: redpandaStorage } },
    "solr.apache.org": { SolrCloud: { storage: solrStorage, deletes: solrDeletions } },
    "dragonflydb.io": { Dragonfly: { storage: dragonflyStorage } },
    "kubedb.com": perKubedbKind(kind => ({ storage: kubedbStorage(kind), deletes: kubedbDeletions })),
    "k8s.mariadb.com": { MariaDB: { storage: mariadbStorage }, Backup: { storage: mariadbBackupStorage } },
    "mariadb.mmontes.io": { MariaDB: { storage: mariadbStorage }, Backup: { storage: mariadbBackupStorage } },
    "redis.redis.opstreelabs.in": {
        Redis: { storage: redisStorage(false), deletes: redisDeletions },
        RedisReplication: { storage: redisStorage(false), deletes: redisDeletions },
        RedisCluster: { storage: redisStorage(true), deletes: redisDeletions },
    },
    "cassandra.datastax.com": { CassandraDatacenter: { storage: spec => cassandraStorage(spec.storageConfig, "", "spec.storageConfig") } },
    "k8ssandra.io": { K8ssandraCluster: { storage: k8ssandraStorage } },
    "clickhouse.altinity.com": { ClickHouseInstallation: { storage: clickhouseStorage, deletes: clickhouseDeletions } },
    "clickhouse-keeper.altinity.com": { ClickHouseKeeperInstallation: { storage: clickhouseStorage, deletes: clickhouseDeletions } },
    "kafka.strimzi.io": {
        Kafka: {
            deletes: spec => [
                ...strimziDeletions(asFields(spec.kafka)?.storage, "spec.kafka.storage"),
                ...strimziDeletions(asFields(spec.zookeeper)?.storage, "spec.zookeeper.storage"),
            ],
            storage: spec => [
                ...strimziStorage(asFields(spec.kafka)?.storage, "kafka storage", "spec.kafka.storage"),
                ...strimziStorage(asFields(spec.zookeeper)?.storage, "zookeeper storage", "spec.zookeeper.storage"),
            ],
        },
        KafkaNodePool: {
            deletes: spec => strimziDeletions(spec.storage, "spec.storage"),
            storage: spec => strimziStorage(spec.storage, "storage", "spec.storage"),
        },
    },
};

/** The claims a known operator's resource makes ([] for any other resource), named for messages. */
export function operatorClaimsOf(type: string, props: Record<string, unknown>, name: string): FoundClaim[] {
    const operator = operatorOf(OPERATORS, type);
    if (!operator?.entry) {
        return [];
    }
    const obj = props as KubeObject;
    const what = describeObject(operator.label, obj, name);
    return operator.entry.storage(asFields(obj.spec) ?? {}).map(s => ({
        source: "operator",
        what: `${what} ${s.part}`,
        claim: s.claim,
        fields: { storageClass: `${s.at}.${s.classField}`, size: `${s.at}.${s.sizeField}` },
    }));
}

/**
 * The settings of a known operator's resource that make the operator (or Kubernetes, for a
 * retention policy it passes on) delete the claims it made ([] for any other resource), with the
 * resource named for messages. Percona's clusters delete theirs through a finalizer.
 */
export function operatorClaimDeletionsOf(type: string, props: Record<string, unknown>, name: string): { what: string; deletion: ClaimDeletion }[] {
    const operator = operatorOf(OPERATORS, type);
    const finalizing = operator ? PERCONA_CLAIM_FINALIZERS[operator.group] : undefined;
    if (!operator || (!operator.entry?.deletes && !finalizing)) {
        return []; // every other resource, read no further
    }
    const obj = props as KubeObject;
    const spec = asFields(obj.spec) ?? {};
    const found = operator.entry?.deletes?.(spec, operator.entry.storage(spec)) ?? [];
    const finalizers = asFields(obj.metadata)?.finalizers;
    for (const finalizer of Array.isArray(finalizers) ? finalizers : []) {
        if (finalizing?.includes(finalizer)) {
            found.push({ setting: `has the finalizer ${String(finalizer)}`, what: "its claims", when: "when it is deleted", fix: "remove it from metadata.finalizers" });
        }
    }
    const what = describeObject(operator.label, obj, name);
    return found.map(deletion => ({ what, deletion }));
}
