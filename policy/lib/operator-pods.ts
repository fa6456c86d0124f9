/**
 * The main container of the pods a database, messaging or monitoring operator runs for its custom
 * resource, with the resources those pods get: the resource's own (at the field messages name),
 * over the defaults the operator or its CRD fills in. container-requests and
 * container-memory-limit judge these as they judge a workload's containers (a limit still counts
 * as a request: the API server copies it into the pod the operator creates), and
 * namespace-default-deny-ingress counts such a resource as running pods in its namespace. For the
 * databases, brokers and object stores among them, {@link operatorDataStoreOf} gives the labels
 * the operator puts on their data pods (data-store-ingress-restricted's podSelector).
 *
 * Known operators, from their API types and pod builders:
 * - CloudNativePG Cluster (and EDB's): `spec.resources` of the postgres container; no defaults.
 * - Crunchy PGO PostgresCluster, and Percona's fork of it (PerconaPGCluster): each instance set's
 *   `resources` (the database container); no defaults.
 * - Strimzi: a KafkaNodePool's `spec.resources` where it sets them (they replace the Kafka's
 *   whole), a Kafka's `spec.kafka.resources` where it runs its brokers without node pools, and
 *   `spec.zookeeper.resources`; no defaults. A pool without resources of its own takes the
 *   Kafka's, which this per-resource reading can't see, so it is not judged.
 * - MariaDB operator MariaDB: `spec.resources` of the mariadb container; no defaults.
 * - Percona MongoDB: each replica set's `resources`, and the config servers' and mongos' when
 *   sharding is enabled; no defaults.
 * - MinIO Tenant: each pool's `resources`; no defaults.
 * - Percona XtraDB Cluster: `spec.pxc.resources`, and HAProxy's and ProxySQL's when enabled; no defaults.
 * - cass-operator CassandraDatacenter: `spec.resources`, unless the pod template's cassandra
 *   container sets resources, which then win whole; K8ssandraCluster: a datacenter's `resources`
 *   merged over `spec.cassandra.resources`; no defaults.
 * - OT redis-operator: `spec.kubernetesConfig.resources`; a RedisCluster's leaders and followers
 *   take `spec.redisLeader.resources` / `spec.redisFollower.resources` when set; no defaults.
 * - prometheus-operator: a Prometheus's or PrometheusAgent's `spec.resources` (no defaults); an
 *   Alertmanager's or ThanosRuler's, with a 200Mi memory request when it gives none.
 * - ECK Elasticsearch: each node set's elasticsearch container in its pod template, with the
 *   node set's `resources` shortcut over it; ECK gives a 2Gi memory request and limit (no CPU)
 *   when neither requests nor limits are set.
 * - RabbitmqCluster: `spec.resources` (its CRD defaults it to requests of 1 CPU and 2Gi, limits of
 *   2 CPUs and 2Gi when absent), with the StatefulSet override's rabbitmq container over it.
 * - MongoDBCommunity: the mongod container in `spec.statefulSet.spec.template`; the operator's
 *   requests (0.5 CPU, 400M) and limits (1 CPU, 500M) stand for whichever of the two maps it doesn't give.
 * - TiDB Operator TidbCluster: each component's (`pd`, `tikv`, `tidb`, `tiflash`, `ticdc`, `pump`,
 *   `tiproxy`) `requests` and `limits`, written inline in its spec, without `storage`; no defaults.
 * - KubeDB MongoDB, Postgres, MySQL, MariaDB, Redis, Elasticsearch: each member's (kubedb.ts) pod
 *   template's container named for the database (`mongodb`, `postgres`, …; API v1), which gets
 *   KubeDB's defaults when it sets neither requests nor limits, or the pod template's `resources`
 *   (v1alpha2), merged with them key by key. The defaults: requests of 0.5 CPU and 1024Mi with a
 *   1024Mi memory limit; MongoDB 6's 0.8 CPU, MongoDB 8's 0.8 CPU and 1.5Gi; Elasticsearch's 1.5Gi.
 * - OpenSearchCluster: each node pool's `resources`; RedisFailover: `spec.redis.resources` and
 *   `spec.sentinel.resources` (3 pods each by default); ScyllaCluster: each rack's `resources`;
 *   CrdbCluster: `spec.resources`; InnoDBCluster: the mysql container of `spec.podSpec`, which the
 *   operator merges into its pods. None fill anything in. A StackGres SGCluster's come from the
 *   SGInstanceProfile it names, another resource, and are not judged.
 * - Redpanda: the chart's resources (`spec.clusterSpec.resources`: requests and limits as given
 *   when both are, else limits of `cpu.cores` and `memory.container.max`, 1 CPU and 2.5Gi by
 *   default, with requests from `memory.container.min`); SolrCloud:
 *   `spec.customSolrKubeOptions.podOptions.resources` (3 pods by default); Dragonfly:
 *   `spec.resources`. Confluent for Kubernetes is not read here: its defaults were not checked.
 * - ClickHouseInstallation: the clickhouse container (else the first) of each pod template the
 *   installation uses; with none used, the operator's default pod template, which sets no resources.
 * Zalando's postgres-operator is left out: its operator configuration fills in requests and limits
 * for any the manifest leaves out.
 */
import type { Container, Fields, KubeObject } from "./k8s";
import { asFields, countIn, describeObject, indexedMappings, namesUnder } from "./k8s";
import { KUBEDB_KINDS, KubedbKind, kubedbMembers, perKubedbKind } from "./kubedb";
import { compareQuantities } from "./quantity";
import { OperatorTable, operatorKinds, operatorOf } from "./operators";
import type { Indexed, StackIndex } from "./stack";

type Resources = NonNullable<Container["resources"]>;

/** One container an operator runs, as container-requests names it. */
export interface OperatorContainer {
    /** `postgres container`, `replset 'rs0' mongod container` */
    label: string;
    /** Where its resources are written (requests and limits are under it): `spec.resources`. */
    at: string;
    /** The container as the pods get it: only its resources matter. */
    container: Container;
    /** How many pods run it (the resource's replica count, or the operator's default), where that is known. */
    pods?: number;
}

/** `resources` as a container's, or none when it is no mapping. */
function resourcesOf(v: unknown): Resources | undefined {
    const r = asFields(v);
    return r ? { requests: asFields(r.requests), limits: asFields(r.limits) } : undefined;
}

/** A main container whose resources are the value at `at`. */
function one(label: string, at: string, resources: unknown, pods?: number): OperatorContainer {
    return { label, at, container: { resources: resourcesOf(resources) }, pods };
}

/** `over`'s requests and limits, key by key, over `under`'s. */
function mergeResources(under: Resources | undefined, over: Resources | undefined): Resources | undefined {
    if (!under || !over) {
        return over ?? under;
    }
    return { requests: { ...under.requests, ...over.requests }, limits: { ...under.limits, ...over.limits } };
}

/** A pod template's container named `name` (or the first, where `firstIfNone`). */
function namedContainer(podSpec: unknown, name: string, firstIfNone = false): Fields | undefined {
    const containers = indexedMappings(asFields(podSpec)?.containers).map(([c]) => c);
    return containers.find(c => c.name === name) ?? (firstIfNone ? containers[0] : undefined);
}

function pgoContainers(spec: Fields): OperatorContainer[] {
    return indexedMappings(spec.instances).map(([instance, i]) =>
        one(`instance set '${String(instance.name ?? String(i).padStart(2, "0"))}' database container`, `spec.instances[${i}].resources`, instance.resources, countIn(instance.replicas) ?? 1));
}

/**
 * A Kafka's brokers take `spec.kafka.resources` unless node pools run them: a pool's own
 * resources then replace it whole, and a pool without them falls back to it. So a Kafka's own are
 * judged only where it runs its brokers itself (a `spec.kafka.replicas`, which node-pool clusters
 * leave to their pools), and a KafkaNodePool's where it sets them.
 */
function strimziKafkaContainers(spec: Fields): OperatorContainer[] {
    const kafka = asFields(spec.kafka);
    return [
        ...(kafka && kafka.replicas !== undefined ? [one("kafka container", "spec.kafka.resources", kafka.resources, countIn(kafka.replicas))] : []),
        ...(asFields(spec.zookeeper) ? [one("zookeeper container", "spec.zookeeper.resources", asFields(spec.zookeeper)?.resources, countIn(asFields(spec.zookeeper)?.replicas))] : []),
    ];
}

function psmdbContainers(spec: Fields): OperatorContainer[] {
    const containers = indexedMappings(spec.replsets).map(([rs, i]) => one(`replset '${String(rs.name ?? i)}' mongod container`, `spec.replsets[${i}].resources`, rs.resources, countIn(rs.size)));
    const sharding = asFields(spec.sharding);
    if (sharding?.enabled === true) {
        if (asFields(sharding.configsvrReplSet)) {
            containers.push(one("config server mongod container", "spec.sharding.configsvrReplSet.resources", asFields(sharding.configsvrReplSet)?.resources, countIn(asFields(sharding.configsvrReplSet)?.size)));
        }
        if (asFields(sharding.mongos)) {
            containers.push(one("mongos container", "spec.sharding.mongos.resources", asFields(sharding.mongos)?.resources, countIn(asFields(sharding.mongos)?.size)));
        }
    }
    return containers;
}

function cassandraDatacenterContainers(spec: Fields): OperatorContainer[] {
    const templated = namedContainer(asFields(asFields(spec.podTemplateSpec)?.spec), "cassandra");
    const own = resourcesOf(templated?.resources);
    // The pod template's cassandra container, when it sets any resources, replaces spec.resources whole.
    return own && (own.requests || own.limits)
        ? [one("cassandra container", "spec.podTemplateSpec.spec.containers[cassandra].resources", templated?.resources, countIn(spec.size))]
        : [one("cassandra container", "spec.resources", spec.resources, countIn(spec.size))];
}

function k8ssandraContainers(spec: Fields): OperatorContainer[] {
    const cassandra = asFields(spec.cassandra) ?? {};
    const shared = resourcesOf(cassandra.resources);
    return indexedMappings(cassandra.datacenters).map(([dc, i]) => ({
        label: `datacenter '${String(asFields(dc.metadata)?.name ?? i)}' cassandra container`,
        at: dc.resources !== undefined ? `spec.cassandra.datacenters[${i}].resources` : "spec.cassandra.resources",
        container: { resources: mergeResources(shared, resourcesOf(dc.resources)) },
        pods: countIn(dc.size),
    }));
}

/** A Redis runs one pod; a RedisReplication `clusterSize` pods. */
function redisContainers(pods: (spec: Fields) => number | undefined): (spec: Fields) => OperatorContainer[] {
    return spec => [one("redis container", "spec.kubernetesConfig.resources", asFields(spec.kubernetesConfig)?.resources, pods(spec))];
}

function redisClusterContainers(spec: Fields): OperatorContainer[] {
    const shared = asFields(spec.kubernetesConfig)?.resources;
    return (["redisLeader", "redisFollower"] as const).map(role => {
        const own = asFields(spec[role])?.resources;
        // Each side runs its own replicas, else clusterSize.
        const pods = countIn(asFields(spec[role])?.replicas) ?? countIn(spec.clusterSize);
        return own !== undefined
            ? one(`${role === "redisLeader" ? "leader" : "follower"} redis container`, `spec.${role}.resources`, own, pods)
            : one(`${role === "redisLeader" ? "leader" : "follower"} redis container`, "spec.kubernetesConfig.resources", shared, pods);
    });
}

/** A prometheus-operator resource's main container; Alertmanager and ThanosRuler get a 200Mi memory request when theirs gives none. */
function prometheusContainers(container: string, memoryDefault?: string): (spec: Fields) => OperatorContainer[] {
    return spec => {
        const own = resourcesOf(spec.resources);
        const requests = memoryDefault && own?.requests?.memory === undefined ? { ...own?.requests, memory: memoryDefault } : own?.requests;
        // One replica by default (a Prometheus runs that many per shard, one shard by default).
        const shards = container === "prometheus" ? countIn(spec.shards) ?? 1 : 1;
        const replicas = countIn(spec.replicas) ?? 1;
        return [{ label: `${container} container`, at: "spec.resources", container: { resources: { ...own, requests } }, pods: replicas * shards }];
    };
}

/** ECK's defaults for the elasticsearch container, when neither requests nor limits are set: memory only. */
const ECK_DEFAULT_RESOURCES: Resources = { requests: { memory: "2Gi" }, limits: { memory: "2Gi" } };

function eckContainers(spec: Fields): OperatorContainer[] {
    return indexedMappings(spec.nodeSets).map(([nodeSet, i]) => {
        const templated = resourcesOf(namedContainer(asFields(asFields(nodeSet.podTemplate)?.spec), "elasticsearch")?.resources);
        const shortcut = resourcesOf(nodeSet.resources);
        const given = mergeResources(templated, shortcut);
        const set = given?.requests || given?.limits ? given : ECK_DEFAULT_RESOURCES;
        return {
            label: `nodeSet '${String(nodeSet.name ?? i)}' elasticsearch container`,
            at: shortcut ? `spec.nodeSets[${i}].resources` : `spec.nodeSets[${i}].podTemplate.spec.containers[elasticsearch].resources`,
            container: { resources: set },
            pods: countIn(nodeSet.count),
        };
    });
}

/** The RabbitmqCluster CRD's default for an absent `spec.resources`. */
const RABBITMQ_DEFAULT_RESOURCES: Resources = { requests: { cpu: "1000m", memory: "2Gi" }, limits: { cpu: "2000m", memory: "2Gi" } };

function rabbitmqContainers(spec: Fields): OperatorContainer[] {
    const base = spec.resources === undefined ? RABBITMQ_DEFAULT_RESOURCES : resourcesOf(spec.resources);
    const overridden = namedContainer(asFields(asFields(asFields(asFields(asFields(spec.override)?.statefulSet)?.spec)?.template)?.spec), "rabbitmq");
    return [{ label: "rabbitmq container", at: "spec.resources", container: { resources: mergeResources(base, resourcesOf(overridden?.resources)) }, pods: countIn(spec.replicas) ?? 1 }];
}

/** The MongoDB Community operator's resources for mongod: each of the two maps stands where the resource gives none. */
const MONGODB_DEFAULT_RESOURCES = { requests: { cpu: "0.5", memory: "400M" }, limits: { cpu: "1.0", memory: "500M" } };

function mongodbContainers(spec: Fields): OperatorContainer[] {
    const template = asFields(asFields(asFields(spec.statefulSet)?.spec)?.template);
    const own = resourcesOf(namedContainer(asFields(template?.spec), "mongod")?.resources);
    return [{
        label: "mongod container", at: "spec.statefulSet.spec.template.spec.containers[mongod].resources",
        container: { resources: { requests: own?.requests ?? MONGODB_DEFAULT_RESOURCES.requests, limits: own?.limits ?? MONGODB_DEFAULT_RESOURCES.limits } },
        pods: countIn(spec.members),
    }];
}

/** Every name a ClickHouseInstallation uses its pod templates by: a `podTemplate` reference anywhere in it (outside the templates themselves). */
function podTemplateReferences(spec: Fields): Set<string> {
    return namesUnder(spec, (key, value) => (key === "podTemplate" && typeof value === "string" ? [value] : key === "podTemplates" ? [] : undefined));
}

function clickhouseContainers(spec: Fields): OperatorContainer[] {
    const used = podTemplateReferences(spec);
    const templates = indexedMappings(asFields(spec.templates)?.podTemplates).filter(([t]) => typeof t.name === "string" && used.has(t.name));
    if (!templates.length) {
        return [one("clickhouse container (the operator's default pod template: no spec.templates.podTemplates entry is used)", "spec.templates.podTemplates[].spec.containers[clickhouse].resources", undefined)];
    }
    return templates.map(([t, j]) => {
        const container = namedContainer(t.spec, "clickhouse", true);
        return one(`pod template '${String(t.name)}' ${String(container?.name ?? "clickhouse")} container`, `spec.templates.podTemplates[${j}].spec.containers[${String(container?.name ?? "clickhouse")}].resources`, container?.resources);
    });
}

/** A resource list without its `storage` (a claim's size or a capacity, never a container's), or none when it is no mapping. */
function withoutStorage(list: unknown): Fields | undefined {
    const f = asFields(list);
    if (!f) {
        return undefined;
    }
    const { storage: _storage, ...rest } = f;
    return rest;
}

/** A TidbCluster's components, each run as a StatefulSet (Deployment for none) of its main container, named as the component. */
const TIDB_COMPONENTS = ["pd", "tikv", "tidb", "tiflash", "ticdc", "pump", "tiproxy"] as const;

/**
 * A TidbCluster's main containers, one per component it gives (an absent component is not
 * deployed): a component's `requests` and `limits` are written inline in its spec, and the
 * operator strips `storage` (the claim's size, or TiKV's and TiFlash's capacity) before putting
 * them on the container. The operator fills in no CPU or memory.
 */
function tidbContainers(spec: Fields): OperatorContainer[] {
    return TIDB_COMPONENTS.flatMap(component => {
        const c = asFields(spec[component]);
        if (!c) {
            return [];
        }
        const resources = c.requests === undefined && c.limits === undefined ? undefined : { requests: withoutStorage(c.requests), limits: withoutStorage(c.limits) };
        return [{ label: `${component} container`, at: `spec.${component}`, container: { resources }, pods: countIn(c.replicas) }];
    });
}

/**
 * A TidbCluster's pods, every component's (PD, TiKV and TiFlash hold its data; TiDB serves it):
 * the operator labels them with the cluster's own `app.kubernetes.io/instance` label where it
 * has one, else its name.
 */
function tidbPods(name: string, _spec: Fields, labels: Fields): PodSelector {
    const instance = labels["app.kubernetes.io/instance"];
    return { matchLabels: { "app.kubernetes.io/name": "tidb-cluster", "app.kubernetes.io/instance": typeof instance === "string" && instance ? instance : name } };
}

/** KubeDB's resources for a database container that sets neither requests nor limits (DefaultResources in its constants.go). */
const KUBEDB_DEFAULT_RESOURCES: Resources = { requests: { cpu: "500m", memory: "1024Mi" }, limits: { memory: "1024Mi" } };

/** KubeDB's defaults by kind: MongoDB's grow with its major version (6 and 8), Elasticsearch's memory is 1.5Gi. */
function kubedbDefaults(kind: KubedbKind, spec: Fields): Resources {
    if (kind === "Elasticsearch") {
        return { requests: { cpu: "500m", memory: "1.5Gi" }, limits: { memory: "1.5Gi" } };
    }
    if (kind === "MongoDB") {
        // The version names a MongoDBVersion catalog entry ("6.0.12", "percona-7.0.4"), whose major version picks the default.
        const major = Number(/(\d+)\.\d+/.exec(String(spec.version ?? ""))?.[1] ?? 0);
        if (major >= 8) {
            return { requests: { cpu: "800m", memory: "1.5Gi" }, limits: { memory: "1.5Gi" } };
        }
        if (major >= 6) {
            return { requests: { cpu: "800m", memory: "1024Mi" }, limits: { memory: "1024Mi" } };
        }
    }
    return KUBEDB_DEFAULT_RESOURCES;
}

/**
 * KubeDB's SetDefaultResourceLimits: key by key over `defaults`, a request is the one given, else
 * the limit given, else the default; a limit is the larger of the request and limit given, else
 * the default.
 */
function kubedbMerge(given: Resources | undefined, defaults: Resources): Resources {
    const requests: Fields = { ...given?.requests };
    const limits: Fields = { ...given?.limits };
    for (const [key, fallback] of Object.entries(defaults.limits ?? {})) {
        const request = given?.requests?.[key];
        const limit = given?.limits?.[key];
        limits[key] = request !== undefined ? (limit !== undefined && (compareQuantities(limit, request) ?? 1) > 0 ? limit : request) : limit ?? fallback;
    }
    for (const [key, fallback] of Object.entries(defaults.requests ?? {})) {
        requests[key] = given?.requests?.[key] ?? given?.limits?.[key] ?? fallback;
    }
    return { requests, limits };
}

/**
 * A KubeDB database's containers, one per member ({@link kubedbMembers}). API v1 writes them in
 * the container named for the database in the member's pod template, which gets KubeDB's defaults
 * only when it sets neither requests nor limits; v1alpha2 in the pod template's own `resources`,
 * which its releases merged key by key with the defaults ({@link kubedbMerge}).
 */
function kubedbContainers(kind: KubedbKind): (spec: Fields) => OperatorContainer[] {
    const name = KUBEDB_KINDS[kind].container;
    return spec => kubedbMembers(kind, spec).map(m => {
        const label = `${m.part ? `${m.part} ` : ""}${name} container`;
        const podSpec = asFields(asFields(m.fields.podTemplate)?.spec);
        const named = namedContainer(podSpec, name);
        const defaults = kubedbDefaults(kind, spec);
        if (named || podSpec?.resources === undefined) {
            const given = resourcesOf(named?.resources);
            return { label, at: `${m.at}.podTemplate.spec.containers[${name}].resources`, container: { resources: given?.requests || given?.limits ? given : defaults }, pods: m.pods };
        }
        return { label, at: `${m.at}.podTemplate.spec.resources`, container: { resources: kubedbMerge(resourcesOf(podSpec.resources), defaults) }, pods: m.pods };
    });
}

/** A KubeDB database's pods, every member's: the operator's name and instance labels. */
function kubedbPods(kind: KubedbKind): (name: string) => PodSelector {
    return name => ({ matchLabels: { "app.kubernetes.io/name": `${KUBEDB_KINDS[kind].plural}.kubedb.com`, "app.kubernetes.io/instance": name } });
}

/** An OpenSearchCluster's node pools, each running `replicas` pods of an opensearch container with the pool's `resources`. */
function opensearchContainers(spec: Fields): OperatorContainer[] {
    return indexedMappings(spec.nodePools).map(([pool, i]) => one(`node pool '${String(pool.component ?? i)}' opensearch container`, `spec.nodePools[${i}].resources`, pool.resources, countIn(pool.replicas)));
}

/**
 * The Redpanda chart's redpanda container (GetResourceRequirements): `resources.requests` and
 * `resources.limits` as given when both are; else limits of `cpu.cores` (1) and
 * `memory.container.max` (2.5Gi), with requests only when `memory.container.min` is set.
 */
function redpandaContainers(spec: Fields): OperatorContainer[] {
    const clusterSpec = asFields(spec.clusterSpec) ?? {};
    const r = asFields(clusterSpec.resources) ?? {};
    const pods = countIn(asFields(clusterSpec.statefulset)?.replicas) ?? 3;
    if (asFields(r.requests) && asFields(r.limits)) {
        return [one("redpanda container", "spec.clusterSpec.resources", r, pods)];
    }
    const cores = asFields(r.cpu)?.cores ?? 1;
    const container = asFields(asFields(r.memory)?.container) ?? {};
    const limits = { cpu: cores, memory: container.max ?? "2.5Gi" };
    const requests = container.min !== undefined ? { cpu: cores, memory: container.min } : undefined;
    return [{ label: "redpanda container", at: "spec.clusterSpec.resources", container: { resources: { limits, ...(requests ? { requests } : {}) } }, pods }];
}

/** A RedisFailover's pods of one side: `replicas`, which the operator sets to 3 when unset or not positive. */
function redisFailoverPods(side: unknown): number {
    const replicas = countIn(asFields(side)?.replicas);
    return replicas !== undefined && replicas > 0 ? replicas : 3;
}

/** A label selector as a NetworkPolicy's podSelector takes it. */
export interface PodSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** An operator's resource: its main containers and, for a data store, the labels its operator gives its data pods. */
interface Operator {
    containers: (spec: Fields) => OperatorContainer[];
    /** The podSelector of the resource's data pods (from the operator's pod builders), for a database, broker or object store; none for monitoring. */
    dataPods?: (name: string, spec: Fields, labels: Fields) => PodSelector;
}

/**
 * A PGO (or Percona PostgreSQL) cluster's instance pods: the cluster's pgBackRest, PgBouncer and
 * pgAdmin pods carry the cluster label too. Percona's fork keeps PGO's labels.
 */
function pgoPods(name: string): PodSelector {
    return { matchLabels: { "postgres-operator.crunchydata.com/cluster": name }, matchExpressions: [{ key: "postgres-operator.crunchydata.com/instance-set", operator: "Exists" }] };
}

/** A MariaDB's mariadb container, on `replicas` pods (one by default). */
function mariadbContainers(spec: Fields): OperatorContainer[] {
    return [one("mariadb container", "spec.resources", spec.resources, countIn(spec.replicas) ?? 1)];
}

/** A MariaDB's pods: the instance label alone would also select a MaxScale of the same name. */
function mariadbPods(name: string): PodSelector {
    return { matchLabels: { "app.kubernetes.io/name": "mariadb", "app.kubernetes.io/instance": name } };
}

/** A label value as cass-operator cleans a cluster name into one: what a label value can't hold is dropped ("My Cluster" → "MyCluster"). */
function cleanLabelValue(value: string): string {
    return value.replace(/[^A-Za-z0-9_.-]/g, "");
}

/** Each operator's main containers and data pods (operators.ts names the resources). */
const OPERATORS: OperatorTable<Operator> = {
    "postgresql.cnpg.io": {
        Cluster: {
            containers: spec => [one("postgres container", "spec.resources", spec.resources, countIn(spec.instances))],
            dataPods: name => ({ matchLabels: { "cnpg.io/cluster": name, "cnpg.io/podRole": "instance" } }),
        },
    },
    "postgresql.k8s.enterprisedb.io": { Cluster: { containers: spec => [one("postgres container", "spec.resources", spec.resources, countIn(spec.instances))] } },
    "postgres-operator.crunchydata.com": { PostgresCluster: { containers: pgoContainers, dataPods: pgoPods } },
    "pgv2.percona.com": { PerconaPGCluster: { containers: pgoContainers, dataPods: pgoPods } },
    "kafka.strimzi.io": {
        // The brokers, of every node pool: strimzi.io/cluster alone also selects ZooKeeper, the entity operator and the exporters.
        Kafka: { containers: strimziKafkaContainers, dataPods: name => ({ matchLabels: { "strimzi.io/cluster": name, "strimzi.io/name": `${name}-kafka` } }) },
        KafkaNodePool: { containers: spec => (spec.resources !== undefined ? [one("kafka container", "spec.resources", spec.resources, countIn(spec.replicas))] : []) },
    },
    "k8s.mariadb.com": { MariaDB: { containers: mariadbContainers, dataPods: mariadbPods } },
    "mariadb.mmontes.io": { MariaDB: { containers: mariadbContainers, dataPods: mariadbPods } },
    "psmdb.percona.com": {
        PerconaServerMongoDB: {
            containers: psmdbContainers,
            dataPods: name => ({ matchLabels: { "app.kubernetes.io/name": "percona-server-mongodb", "app.kubernetes.io/instance": name } }),
        },
    },
    "pxc.percona.com": {
        PerconaXtraDBCluster: {
            containers: spec => ["pxc", "haproxy", "proxysql"].flatMap(component => {
                const c = asFields(spec[component]);
                return c && (component === "pxc" || c.enabled === true) ? [one(`${component} container`, `spec.${component}.resources`, c.resources, countIn(c.size))] : [];
            }),
        },
    },
    "minio.min.io": {
        Tenant: {
            containers: spec => indexedMappings(spec.pools).map(([pool, i]) => one(`pool '${String(pool.name ?? `pool-${i}`)}' minio container`, `spec.pools[${i}].resources`, pool.resources, countIn(pool.servers))),
            dataPods: name => ({ matchLabels: { "v1.min.io/tenant": name } }),
        },
    },
    "cassandra.datastax.com": {
        CassandraDatacenter: { containers: cassandraDatacenterContainers, dataPods: name => ({ matchLabels: { "cassandra.datastax.com/datacenter": cleanLabelValue(name) } }) },
    },
    "k8ssandra.io": {
        K8ssandraCluster: {
            containers: k8ssandraContainers,
            dataPods: (name, spec) => {
                const clusterName = asFields(spec.cassandra)?.clusterName;
                return { matchLabels: { "cassandra.datastax.com/cluster": cleanLabelValue(typeof clusterName === "string" && clusterName ? clusterName : name) } };
            },
        },
    },
    "redis.redis.opstreelabs.in": {
        Redis: { containers: redisContainers(() => 1), dataPods: name => ({ matchLabels: { app: name, redis_setup_type: "standalone" } }) },
        RedisReplication: { containers: redisContainers(spec => countIn(spec.clusterSize)), dataPods: name => ({ matchLabels: { app: name, redis_setup_type: "replication" } }) },
        // Leaders and followers are labelled apart, with no label of the cluster's name alone.
        RedisCluster: { containers: redisClusterContainers, dataPods: name => ({ matchExpressions: [{ key: "app", operator: "In", values: [`${name}-leader`, `${name}-follower`] }] }) },
    },
    "monitoring.coreos.com": {
        Prometheus: { containers: prometheusContainers("prometheus") },
        PrometheusAgent: { containers: prometheusContainers("prometheus") },
        Alertmanager: { containers: prometheusContainers("alertmanager", "200Mi") },
        ThanosRuler: { containers: prometheusContainers("thanos-ruler", "200Mi") },
    },
    "elasticsearch.k8s.elastic.co": {
        Elasticsearch: {
            containers: eckContainers,
            dataPods: name => ({ matchLabels: { "elasticsearch.k8s.elastic.co/cluster-name": name, "common.k8s.elastic.co/type": "elasticsearch" } }),
        },
    },
    "rabbitmq.com": {
        RabbitmqCluster: { containers: rabbitmqContainers, dataPods: name => ({ matchLabels: { "app.kubernetes.io/name": name, "app.kubernetes.io/component": "rabbitmq" } }) },
    },
    "mongodbcommunity.mongodb.com": {
        MongoDBCommunity: {
            containers: mongodbContainers,
            // The operator labels its pods app: <its Service's name>, which spec.statefulSet.spec.serviceName overrides.
            dataPods: (name, spec) => {
                const serviceName = asFields(asFields(spec.statefulSet)?.spec)?.serviceName;
                return { matchLabels: { app: typeof serviceName === "string" && serviceName ? serviceName : `${name}-svc` } };
            },
        },
    },
    "pingcap.com": { TidbCluster: { containers: tidbContainers, dataPods: tidbPods } },
    "opensearch.opster.io": { OpenSearchCluster: { containers: opensearchContainers } },
    // The operator's labels moved with its group; which of the two a release serving both puts on a legacy cluster's pods is not known here.
    "opensearch.org": { OpenSearchCluster: { containers: opensearchContainers, dataPods: name => ({ matchLabels: { "opensearch.org/opensearch-cluster": name } }) } },
    "databases.spotahome.com": {
        RedisFailover: {
            containers: spec => [
                one("redis container", "spec.redis.resources", asFields(spec.redis)?.resources, redisFailoverPods(spec.redis)),
                one("sentinel container", "spec.sentinel.resources", asFields(spec.sentinel)?.resources, redisFailoverPods(spec.sentinel)),
            ],
            dataPods: name => ({ matchLabels: { "app.kubernetes.io/name": name, "app.kubernetes.io/component": "redis", "app.kubernetes.io/part-of": "redis-failover" } }),
        },
    },
    "scylla.scylladb.com": {
        ScyllaCluster: {
            containers: spec => indexedMappings(asFields(spec.datacenter)?.racks).map(([rack, i]) =>
                one(`rack '${String(rack.name ?? i)}' scylla container`, `spec.datacenter.racks[${i}].resources`, rack.resources, countIn(rack.members))),
            dataPods: name => ({ matchLabels: { "app.kubernetes.io/name": "scylla", "scylla/cluster": name } }),
        },
    },
    "crdb.cockroachlabs.com": {
        CrdbCluster: {
            containers: spec => [one("db container", "spec.resources", spec.resources, countIn(spec.nodes))],
            dataPods: name => ({ matchLabels: { "app.kubernetes.io/name": "cockroachdb", "app.kubernetes.io/instance": name } }),
        },
    },
    // Its containers' resources come from the SGInstanceProfile it names, another resource: not judged here.
    "stackgres.io": { SGCluster: { containers: () => [], dataPods: name => ({ matchLabels: { app: "StackGresCluster", "stackgres.io/cluster-name": name } }) } },
    "mysql.oracle.com": {
        InnoDBCluster: {
            containers: spec => [{
                label: "mysql container", at: "spec.podSpec.containers[mysql].resources",
                container: { resources: resourcesOf(namedContainer(spec.podSpec, "mysql")?.resources) }, pods: countIn(spec.instances) ?? 1,
            }],
            // The MySQL servers: the cluster's routers carry the cluster label too.
            dataPods: name => ({ matchLabels: { "mysql.oracle.com/cluster": name, component: "mysqld" } }),
        },
    },
    "cluster.redpanda.com": {
        Redpanda: {
            containers: redpandaContainers,
            dataPods: (name, spec) => {
                const nameOverride = asFields(spec.clusterSpec)?.nameOverride;
                return { matchLabels: { "app.kubernetes.io/name": typeof nameOverride === "string" && nameOverride ? nameOverride : "redpanda", "app.kubernetes.io/instance": name } };
            },
        },
    },
    "solr.apache.org": {
        SolrCloud: {
            containers: spec => [one("solrcloud-node container", "spec.customSolrKubeOptions.podOptions.resources",
                asFields(asFields(spec.customSolrKubeOptions)?.podOptions)?.resources, countIn(spec.replicas) ?? 3)],
            dataPods: name => ({ matchLabels: { "solr-cloud": name, technology: "solr-cloud" } }),
        },
    },
    "dragonflydb.io": {
        Dragonfly: {
            containers: spec => [one("dragonfly container", "spec.resources", spec.resources, countIn(spec.replicas))],
            dataPods: name => ({ matchLabels: { app: name, "app.kubernetes.io/name": "dragonfly" } }),
        },
    },
    "kubedb.com": perKubedbKind(kind => ({ containers: kubedbContainers(kind), dataPods: kubedbPods(kind) })),
    "clickhouse.altinity.com": { ClickHouseInstallation: { containers: clickhouseContainers, dataPods: name => ({ matchLabels: { "clickhouse.altinity.com/chi": name } }) } },
};

/** Every resource of the stack that a known operator runs pods for. */
export function operatorResourcesIn(index: StackIndex): Indexed[] {
    return OPERATOR_KINDS.flatMap(kind => index.all(kind));
}

/** The kinds of {@link OPERATORS} as a stack index lists custom resources: `<group>/<kind>`. */
const OPERATOR_KINDS = operatorKinds(OPERATORS);

/** The main containers a known operator runs for a resource ([] for any other), with the resource named for messages. */
export function operatorContainersOf(type: string, props: Record<string, unknown>, name: string): { what: string; label: string; containers: OperatorContainer[] } {
    const operator = operatorOf(OPERATORS, type);
    if (!operator?.entry) {
        return { what: "", label: "", containers: [] };
    }
    const obj = props as KubeObject;
    return { what: describeObject(operator.label, obj, name), label: operator.label, containers: operator.entry.containers(asFields(obj.spec) ?? {}) };
}

/** The data pods a known database, broker or object-store operator runs for a resource, with the resource named for messages; undefined for any other. */
export function operatorDataStoreOf(type: string, props: Record<string, unknown>, name: string): { what: string; dataPods: PodSelector } | undefined {
    const operator = operatorOf(OPERATORS, type);
    if (!operator?.entry?.dataPods) {
        return undefined;
    }
    const obj = props as KubeObject;
    const own = obj.metadata?.name;
    return { what: describeObject(operator.label, obj, name), dataPods: operator.entry.dataPods(typeof own === "string" ? own : name, asFields(obj.spec) ?? {}, asFields(obj.metadata?.labels) ?? {}) };
}
