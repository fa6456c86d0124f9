/**
 * The pods database, messaging and monitoring operators run for their custom resources
 * (policy/lib/operator-pods.ts), as the policies that judge pods see them: their main container's
 * requests and memory limit, the namespace they run in, and the data stores among them.
 */
import * as assert from "assert";
import { ManifestObject } from "../tools/manifests";
import { PolicyPackConfigFile } from "../tools/policy-harness";
import { checkObjects, violationsOf } from "./helpers";

interface Resources { requests?: Record<string, unknown>; limits?: Record<string, unknown> }

/** The messages one policy reported, without the description line the engine puts first. */
async function messages(policy: string, objects: ManifestObject[], config: PolicyPackConfigFile = {}): Promise<string[]> {
    return violationsOf(await checkObjects(objects, config), policy).map(v => v.message.slice(v.description.length + 1));
}

describe("container-requests and container-memory-limit on the pods operators run", () => {
    const custom = (apiVersion: string, kind: string, spec: Record<string, unknown>, name = "db"): ManifestObject => ({ apiVersion, kind, metadata: { name, namespace: "lab" }, spec });
    const full: Resources = { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "1Gi" } };

    it("judges the main container of a database operator's resource by the resource's own field, where the operator fills in nothing", async () => {
        const objects = [
            custom("postgresql.cnpg.io/v1", "Cluster", { instances: 3, storage: { size: "1Gi" } }, "pg"),
            custom("postgresql.cnpg.io/v1", "Cluster", { instances: 3, storage: { size: "1Gi" }, resources: full }, "pg-sized"),
            custom("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster", { instances: [{ name: "a", resources: { limits: { cpu: "1", memory: "1Gi" } } }, { replicas: 2 }] }, "hippo"),
            custom("pgv2.percona.com/v2", "PerconaPGCluster", { instances: [{ name: "instance1", replicas: 3, resources: { requests: { cpu: "1" } } }] }, "cluster1"),
            custom("psmdb.percona.com/v1", "PerconaServerMongoDB", { replsets: [{ name: "rs0", resources: full }], sharding: { enabled: true, configsvrReplSet: { resources: full }, mongos: { resources: { requests: { cpu: "100m" } } } } }, "mongo"),
        ];
        assert.deepStrictEqual(await messages("container-requests", objects), [
            "CloudNativePG Cluster lab/pg: postgres container has no cpu or memory request; set spec.resources.requests.cpu and spec.resources.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
            // A limit alone counts: the API server copies it into the pod the operator creates.
            "PGO PostgresCluster lab/hippo: instance set '01' database container has no cpu or memory request; set spec.instances[1].resources.requests.cpu and spec.instances[1].resources.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
            "PerconaPGCluster lab/cluster1: instance set 'instance1' database container has no memory request; set spec.instances[0].resources.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
            "PerconaServerMongoDB lab/mongo: mongos container has no memory request; set spec.sharding.mongos.resources.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
        ]);
        assert.deepStrictEqual(await messages("container-memory-limit", objects.slice(0, 2)), [
            "CloudNativePG Cluster lab/pg: postgres container has no memory limit; set spec.resources.limits.memory (at least its memory request, e.g. 128Mi), or give namespace lab a LimitRange with a default memory limit for containers.",
        ]);
        // A LimitRange's defaults reach an operator's pods as any other; an exempt namespace is not judged.
        const limits: ManifestObject = { apiVersion: "v1", kind: "LimitRange", metadata: { name: "defaults", namespace: "lab" }, spec: { limits: [{ type: "Container", defaultRequest: { cpu: "50m", memory: "64Mi" }, default: { memory: "128Mi" } }] } };
        assert.deepStrictEqual(await messages("container-requests", [limits, objects[0]]), []);
        assert.deepStrictEqual(await messages("container-memory-limit", [limits, objects[0]]), []);
        assert.deepStrictEqual(await messages("container-requests", [objects[0]], { "container-requests": { exemptNamespaces: ["lab"] } }), []);
    });

    it("counts what the operator or its CRD fills in: RabbitMQ's and MongoDB's defaults, ECK's memory-only one, Alertmanager's memory request", async () => {
        const rabbit = (spec: Record<string, unknown>) => custom("rabbitmq.com/v1beta1", "RabbitmqCluster", { replicas: 3, ...spec }, "mq");
        const mongo = (resources?: Resources) => custom("mongodbcommunity.mongodb.com/v1", "MongoDBCommunity", {
            members: 3, type: "ReplicaSet", version: "6.0.5",
            ...(resources ? { statefulSet: { spec: { template: { spec: { containers: [{ name: "mongod", resources }] } } } } } : {}),
        }, "rs");
        const es = (podTemplate?: Record<string, unknown>) => custom("elasticsearch.k8s.elastic.co/v1", "Elasticsearch", { version: "8.15.0", nodeSets: [{ name: "default", count: 3, ...(podTemplate ? { podTemplate } : {}) }] }, "es");
        const alertmanager = custom("monitoring.coreos.com/v1", "Alertmanager", { replicas: 2 }, "main");
        assert.deepStrictEqual(await messages("container-requests", [
            rabbit({}), rabbit({ resources: { requests: { memory: "1Gi" } } }),
            mongo(), mongo({ requests: { memory: "1G" } }), mongo({ requests: { memory: "1G" }, limits: { memory: "1G" } }),
            es(), es({ spec: { containers: [{ name: "elasticsearch", resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { memory: "4Gi" } } }] } }),
            alertmanager,
        ]), [
            // ECK's default is memory only; so is Alertmanager's.
            "Alertmanager lab/main: alertmanager container has no cpu request; set spec.resources.requests.cpu (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
            "ECK Elasticsearch lab/es: nodeSet 'default' elasticsearch container has no cpu request; set spec.nodeSets[0].podTemplate.spec.containers[elasticsearch].resources.requests.cpu (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
            // A partial spec.resources gets no per-key default from the CRD.
            "RabbitmqCluster lab/mq: rabbitmq container has no cpu request; set spec.resources.requests.cpu (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
            // MongoDB's operator keeps its default limits beside given requests (the CPU limit becomes the request), but given limits replace them.
            "MongoDBCommunity lab/rs: mongod container has no cpu request; set spec.statefulSet.spec.template.spec.containers[mongod].resources.requests.cpu (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
        ]);
        assert.deepStrictEqual(await messages("container-memory-limit", [rabbit({}), es(), alertmanager]), [
            "Alertmanager lab/main: alertmanager container has no memory limit; set spec.resources.limits.memory (at least its memory request, e.g. 128Mi), or give namespace lab a LimitRange with a default memory limit for containers.",
        ]);
    });

    it("a PerconaXtraDBCluster's pxc nodes, and its HAProxy or ProxySQL when enabled", async () => {
        const pxc = custom("pxc.percona.com/v1", "PerconaXtraDBCluster", {
            pxc: { size: 3, resources: { requests: { cpu: "600m", memory: "1G" }, limits: { memory: "1G" } } },
            haproxy: { enabled: true, size: 3 },
            proxysql: { enabled: false, size: 3 },
        }, "cluster1");
        assert.deepStrictEqual(await messages("container-requests", [pxc]), [
            "PerconaXtraDBCluster lab/cluster1: haproxy container has no cpu or memory request; set spec.haproxy.resources.requests.cpu and spec.haproxy.resources.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
        ]);
    });

    it("a TidbCluster's components, each by the requests and limits written inline in its spec, without the storage the operator strips", async () => {
        const tidb = (labels?: Record<string, string>) => ({
            ...custom("pingcap.com/v1alpha1", "TidbCluster", {
                version: "v8.5.0",
                // PD's request holds only the claim's size, which never reaches the container.
                pd: { replicas: 3, requests: { storage: "10Gi" } },
                tikv: { replicas: 3, requests: { cpu: "2", memory: "8Gi", storage: "100Gi" }, limits: { memory: "8Gi", storage: "100Gi" } },
                tidb: { replicas: 2, limits: { cpu: "2", memory: "4Gi" } },
            }, "basic"),
            ...(labels ? { metadata: { name: "basic", namespace: "lab", labels } } : {}),
        });
        assert.deepStrictEqual(await messages("container-requests", [tidb()]), [
            "TidbCluster lab/basic: pd container has no cpu or memory request; set spec.pd.requests.cpu and spec.pd.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
        ]);
        assert.deepStrictEqual(await messages("container-memory-limit", [tidb()]), [
            "TidbCluster lab/basic: pd container has no memory limit; set spec.pd.limits.memory (at least its memory request, e.g. 128Mi), or give namespace lab a LimitRange with a default memory limit for containers.",
        ]);
        // Its pods are labelled with the cluster's own instance label where it has one.
        const selectorOf = async (o: ManifestObject) => /podSelector (\{.*?\}\}) \(the labels/.exec((await messages("data-store-ingress-restricted", [o]))[0] ?? "")?.[1];
        assert.strictEqual(await selectorOf(tidb()), JSON.stringify({ matchLabels: { "app.kubernetes.io/name": "tidb-cluster", "app.kubernetes.io/instance": "basic" } }));
        assert.strictEqual(await selectorOf(tidb({ "app.kubernetes.io/instance": "prod" })), JSON.stringify({ matchLabels: { "app.kubernetes.io/name": "tidb-cluster", "app.kubernetes.io/instance": "prod" } }));
        // quota-fit counts each component's pods; the storage in a request is no container's.
        const quota: ManifestObject = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace: "lab" }, spec: { hard: { "requests.memory": "20Gi" } } };
        assert.deepStrictEqual(await messages("quota-fit", [quota, tidb()]), [
            "TidbCluster lab/basic: pd container sets no requests.memory, which ResourceQuota lab/q tracks; the API server rejects its pods (\"must specify requests.memory\"). " +
            "Set spec.pd.requests.memory, or give namespace lab a LimitRange with defaults (which also reach the containers its operator adds beside it, whose resources this resource may not set).",
            "ResourceQuota lab/q: requests.memory is 20Gi, but the workloads of namespace lab need 32Gi at full scale (TidbCluster basic tikv container 3×8Gi = 24Gi; TidbCluster basic tidb container 2×4Gi = 8Gi). " +
            "The API server refuses pods past the quota (\"exceeded quota\"), so whichever workload scales out last stays short of its replicas; even at their smallest scale they need 32Gi, so some pods can never start. " +
            "Raise the quota or lower replicas, maxReplicas or requests.",
        ]);
    });

    it("a KubeDB database's containers: v1's named container gets KubeDB's defaults only when it sets nothing, v1alpha2's pod template resources are merged with them key by key", async () => {
        const kubedb = (apiVersion: string, kind: string, spec: Record<string, unknown>, name: string) => custom(`kubedb.com/${apiVersion}`, kind, { deletionPolicy: "Halt", storageType: "Ephemeral", ...spec }, name);
        const objects = [
            // No resources: the defaults, which set requests and a memory limit.
            kubedb("v1", "Postgres", { version: "16.4", replicas: 3 }, "defaults"),
            // v1: a container that sets only a CPU request gets nothing more.
            kubedb("v1", "Postgres", { version: "16.4", podTemplate: { spec: { containers: [{ name: "postgres", resources: { requests: { cpu: "1" } } }] } } }, "cpu-only"),
            // v1alpha2: the memory request becomes the memory limit and the default CPU request stands.
            kubedb("v1alpha2", "MongoDB", { version: "4.4.26", podTemplate: { spec: { resources: { requests: { memory: "600Mi" } } } } }, "merged"),
            // A sharded MongoDB's members, each by its own pod template.
            kubedb("v1", "MongoDB", { version: "8.0.17", shardTopology: {
                shard: { shards: 2, replicas: 3, podTemplate: { spec: { containers: [{ name: "mongodb", resources: { limits: { memory: "2Gi" } } }] } } },
                configServer: { replicas: 3 }, mongos: { replicas: 2 },
            } }, "sharded"),
        ];
        assert.deepStrictEqual(await messages("container-requests", objects), [
            "KubeDB MongoDB lab/sharded: shard mongodb container has no cpu request; set spec.shardTopology.shard.podTemplate.spec.containers[mongodb].resources.requests.cpu (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
            "KubeDB Postgres lab/cpu-only: postgres container has no memory request; set spec.podTemplate.spec.containers[postgres].resources.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
        ]);
        assert.deepStrictEqual(await messages("container-memory-limit", objects), [
            "KubeDB Postgres lab/cpu-only: postgres container has no memory limit; set spec.podTemplate.spec.containers[postgres].resources.limits.memory (at least its memory request, e.g. 128Mi), or give namespace lab a LimitRange with a default memory limit for containers.",
        ]);
        // quota-fit counts the members' pods at KubeDB's defaults: MongoDB 8's 0.8 CPU, Postgres' 0.5.
        const quota: ManifestObject = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace: "lab" }, spec: { hard: { "requests.cpu": "5", pods: "13" } } };
        assert.deepStrictEqual(await messages("quota-fit", [quota, objects[0], objects[3]]), [
            "KubeDB MongoDB lab/sharded: shard mongodb container sets no requests.cpu, which ResourceQuota lab/q tracks; the API server rejects its pods (\"must specify requests.cpu\"). " +
            "Set spec.shardTopology.shard.podTemplate.spec.containers[mongodb].resources.requests.cpu, or give namespace lab a LimitRange with defaults (which also reach the containers its operator adds beside it, whose resources this resource may not set).",
            "ResourceQuota lab/q: requests.cpu is 5, but the workloads of namespace lab need 5500m at full scale (KubeDB MongoDB sharded config server mongodb container 3×800m = 2400m; KubeDB MongoDB sharded mongos mongodb container 2×800m = 1600m; KubeDB Postgres defaults postgres container 3×500m = 1500m). " +
            "The API server refuses pods past the quota (\"exceeded quota\"), so whichever workload scales out last stays short of its replicas; even at their smallest scale they need 5500m, so some pods can never start. " +
            "Raise the quota or lower replicas, maxReplicas or requests.",
            // The shards run shards × replicas pods.
            "ResourceQuota lab/q: pods is 13, but the workloads of namespace lab run 14 pods at full scale (KubeDB MongoDB sharded shard mongodb container 6; KubeDB MongoDB sharded config server mongodb container 3; KubeDB MongoDB sharded mongos mongodb container 2; KubeDB Postgres defaults postgres container 3); pods past the quota are refused. Raise the quota or lower replicas or maxReplicas.",
        ]);
    });

    it("OpenSearch node pools, a RedisFailover's redis and sentinels, Scylla racks, a CockroachDB cluster, an InnoDBCluster's mysql container; a StackGres cluster's profile is not read", async () => {
        const objects = [
            custom("opensearch.org/v1", "OpenSearchCluster", { nodePools: [{ component: "masters", replicas: 3, resources: full }, { component: "data", replicas: 2 }] }, "search"),
            custom("databases.spotahome.com/v1", "RedisFailover", { redis: { resources: full }, sentinel: { replicas: 0 } }, "cache"),
            custom("scylla.scylladb.com/v1", "ScyllaCluster", { datacenter: { racks: [{ name: "a", members: 3, resources: { limits: { cpu: "1", memory: "1Gi" } } }] } }, "scylla"),
            custom("crdb.cockroachlabs.com/v1alpha1", "CrdbCluster", { nodes: 3, resources: { requests: { cpu: "500m" } } }, "crdb"),
            custom("mysql.oracle.com/v2", "InnoDBCluster", { instances: 3, podSpec: { containers: [{ name: "mysql", resources: full }] } }, "my"),
            custom("mysql.oracle.com/v2", "InnoDBCluster", { instances: 3 }, "my-bare"),
            custom("stackgres.io/v1", "SGCluster", { instances: 2, sgInstanceProfile: "size-s" }, "pg"),
        ];
        assert.deepStrictEqual(await messages("container-requests", objects), [
            "OpenSearchCluster lab/search: node pool 'data' opensearch container has no cpu or memory request; set spec.nodePools[1].resources.requests.cpu and spec.nodePools[1].resources.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
            "RedisFailover lab/cache: sentinel container has no cpu or memory request; set spec.sentinel.resources.requests.cpu and spec.sentinel.resources.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
            "CrdbCluster lab/crdb: db container has no memory request; set spec.resources.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
            "InnoDBCluster lab/my-bare: mysql container has no cpu or memory request; set spec.podSpec.containers[mysql].resources.requests.cpu and spec.podSpec.containers[mysql].resources.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
        ]);
        // The pods quota-fit counts: a RedisFailover's sides run 3 pods each when their replicas are unset or not positive.
        const quota: ManifestObject = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace: "lab" }, spec: { hard: { pods: "20" } } };
        assert.deepStrictEqual(await messages("quota-fit", [quota, ...objects]), [
            "ResourceQuota lab/q: pods is 20, but the workloads of namespace lab run 23 pods at full scale (OpenSearchCluster search node pool 'masters' opensearch container 3; OpenSearchCluster search node pool 'data' opensearch container 2; RedisFailover cache redis container 3; RedisFailover cache sentinel container 3; ScyllaCluster scylla rack 'a' scylla container 3; CrdbCluster crdb db container 3; InnoDBCluster my mysql container 3; InnoDBCluster my-bare mysql container 3); pods past the quota are refused. Raise the quota or lower replicas or maxReplicas.",
        ]);
        // The labels of their data pods; an OpenSearchCluster of the operator's old group gets none (its label keys moved between releases).
        const selectors = (await messages("data-store-ingress-restricted", [...objects, custom("opensearch.opster.io/v1", "OpenSearchCluster", { nodePools: [] }, "legacy")]))
            .map(m => `${m.split(" runs a data store")[0]} ${/podSelector (\{.*?\}\}) \(the labels/.exec(m)?.[1] ?? ""}`);
        assert.deepStrictEqual(selectors, [
            'OpenSearchCluster lab/search {"matchLabels":{"opensearch.org/opensearch-cluster":"search"}}',
            'RedisFailover lab/cache {"matchLabels":{"app.kubernetes.io/name":"cache","app.kubernetes.io/component":"redis","app.kubernetes.io/part-of":"redis-failover"}}',
            'ScyllaCluster lab/scylla {"matchLabels":{"app.kubernetes.io/name":"scylla","scylla/cluster":"scylla"}}',
            'CrdbCluster lab/crdb {"matchLabels":{"app.kubernetes.io/name":"cockroachdb","app.kubernetes.io/instance":"crdb"}}',
            'StackGres SGCluster lab/pg {"matchLabels":{"app":"StackGresCluster","stackgres.io/cluster-name":"pg"}}',
            'InnoDBCluster lab/my {"matchLabels":{"mysql.oracle.com/cluster":"my","component":"mysqld"}}',
            'InnoDBCluster lab/my-bare {"matchLabels":{"mysql.oracle.com/cluster":"my-bare","component":"mysqld"}}',
        ]);
    });

    it("a Redpanda's chart resources (1 CPU and 2.5Gi limits by default, requests only with memory.container.min), a SolrCloud's pod options, a Dragonfly's resources", async () => {
        const redpanda = (clusterSpec: Record<string, unknown>, name: string) => custom("cluster.redpanda.com/v1alpha2", "Redpanda", { clusterSpec }, name);
        const objects = [
            redpanda({}, "defaults"),
            redpanda({ resources: { cpu: { cores: 2 }, memory: { container: { min: "4Gi", max: "8Gi" } } }, statefulset: { replicas: 5 } }, "sized"),
            // Requests without limits are not used as given: the chart's limits stand, so the memory request is the limit's.
            redpanda({ resources: { requests: { cpu: "1" } } }, "half"),
            custom("solr.apache.org/v1beta1", "SolrCloud", {}, "solr"),
            custom("dragonflydb.io/v1alpha1", "Dragonfly", { replicas: 2, resources: { requests: { cpu: "500m", memory: "500Mi" }, limits: { memory: "750Mi" } } }, "df"),
        ];
        assert.deepStrictEqual(await messages("container-requests", objects), [
            "SolrCloud lab/solr: solrcloud-node container has no cpu or memory request; set spec.customSolrKubeOptions.podOptions.resources.requests.cpu and spec.customSolrKubeOptions.podOptions.resources.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
        ]);
        const quota: ManifestObject = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace: "lab" }, spec: { hard: { "requests.memory": "30Gi" } } };
        assert.deepStrictEqual((await messages("quota-fit", [quota, ...objects])).map(m => m.split(" at full scale ")[1]?.split("). ")[0] ?? m.split(":")[0]), [
            "SolrCloud lab/solr",
            "(Redpanda defaults redpanda container 3×2560Mi = 7680Mi; Redpanda sized redpanda container 5×4Gi = 20Gi; Redpanda half redpanda container 3×2560Mi = 7680Mi; Dragonfly df dragonfly container 2×500Mi = 1000Mi",
        ]);
        const selectors = (await messages("data-store-ingress-restricted", objects)).map(m => /podSelector (\{.*?\}\}) \(the labels/.exec(m)?.[1]);
        assert.deepStrictEqual(selectors, [
            '{"matchLabels":{"app.kubernetes.io/name":"redpanda","app.kubernetes.io/instance":"defaults"}}',
            '{"matchLabels":{"app.kubernetes.io/name":"redpanda","app.kubernetes.io/instance":"sized"}}',
            '{"matchLabels":{"app.kubernetes.io/name":"redpanda","app.kubernetes.io/instance":"half"}}',
            '{"matchLabels":{"solr-cloud":"solr","technology":"solr-cloud"}}',
            '{"matchLabels":{"app":"df","app.kubernetes.io/name":"dragonfly"}}',
        ]);
    });

    it("Strimzi: a node pool's resources, a Kafka's where it runs its own brokers; redis-operator's leaders and followers; a ClickHouse installation's used pod templates", async () => {
        const kafka = (kafkaSpec: Record<string, unknown>) => custom("kafka.strimzi.io/v1beta2", "Kafka", { kafka: kafkaSpec }, "kafka");
        const pool = (resources?: Resources) => custom("kafka.strimzi.io/v1beta2", "KafkaNodePool", { replicas: 3, roles: ["broker"], ...(resources ? { resources } : {}) }, "pool");
        const cluster = custom("redis.redis.opstreelabs.in/v1beta2", "RedisCluster", { clusterSize: 3, kubernetesConfig: { image: "redis:7" }, redisLeader: { resources: full } }, "rc");
        const chi = (podTemplate?: string) => custom("clickhouse.altinity.com/v1", "ClickHouseInstallation", {
            ...(podTemplate ? { defaults: { templates: { podTemplate } } } : {}),
            templates: { podTemplates: [{ name: "sized", spec: { containers: [{ name: "clickhouse", image: "clickhouse/clickhouse-server:24.8", resources: full }] } }] },
        }, "ch");
        assert.deepStrictEqual(await messages("container-requests", [kafka({ replicas: 3 }), kafka({ listeners: [] }), pool(), pool({ requests: { cpu: "1" } }), cluster, chi("sized"), chi()]), [
            "Strimzi Kafka lab/kafka: kafka container has no cpu or memory request; set spec.kafka.resources.requests.cpu and spec.kafka.resources.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
            "Strimzi KafkaNodePool lab/pool: kafka container has no memory request; set spec.resources.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
            "RedisCluster lab/rc: follower redis container has no cpu or memory request; set spec.kubernetesConfig.resources.requests.cpu and spec.kubernetesConfig.resources.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
            "ClickHouseInstallation lab/ch: clickhouse container (the operator's default pod template: no spec.templates.podTemplates entry is used) has no cpu or memory request; set spec.templates.podTemplates[].spec.containers[clickhouse].resources.requests.cpu and spec.templates.podTemplates[].spec.containers[clickhouse].resources.requests.memory (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.",
        ]);
    });

    it("reads malformed operator resources without failing: a value of the wrong shape sets no resources", async () => {
        const odd = [
            custom("postgresql.cnpg.io/v1", "Cluster", { resources: "lots" }, "a"),
            custom("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster", { instances: [null, 3, { resources: { requests: [1] } }] }, "b"),
            custom("elasticsearch.k8s.elastic.co/v1", "Elasticsearch", { nodeSets: [{ podTemplate: { spec: { containers: "x" } }, resources: 5 }] }, "c"),
            custom("mongodbcommunity.mongodb.com/v1", "MongoDBCommunity", { statefulSet: { spec: { template: { spec: { containers: [null, { name: "mongod", resources: [] }] } } } } }, "d"),
            custom("clickhouse.altinity.com/v1", "ClickHouseInstallation", { defaults: { templates: { podTemplate: 7 } }, templates: { podTemplates: [{ name: "x", spec: 3 }] } }, "e"),
            custom("k8ssandra.io/v1alpha1", "K8ssandraCluster", { cassandra: { resources: { limits: "x" }, datacenters: [{ resources: { requests: null } }] } }, "f"),
            custom("kubedb.com/v1", "MongoDB", { version: 8, shardTopology: { shard: { podTemplate: { spec: { containers: [null, { name: "mongodb", resources: "x" }] } } }, mongos: 3 } }, "g"),
            custom("kubedb.com/v1alpha2", "Postgres", { podTemplate: { spec: { resources: { requests: [], limits: { memory: 5 } } } } }, "h"),
            custom("databases.spotahome.com/v1", "RedisFailover", { redis: { replicas: "3", resources: full }, sentinel: { replicas: -1, resources: full } }, "i"),
            custom("mysql.oracle.com/v2", "InnoDBCluster", { podSpec: { containers: "mysql" } }, "j"),
            custom("cluster.redpanda.com/v1alpha2", "Redpanda", { clusterSpec: { resources: { cpu: "lots", memory: { container: 3 } }, statefulset: { replicas: "3" } } }, "k"),
        ];
        const run = await checkObjects(odd);
        assert.deepStrictEqual(run.diagnostics.filter(d => /fails|TypeError|Error validating/.test(d.message)).map(d => d.message), []);
        // What can't be read sets nothing: a, b's third instance set, c (ECK's memory-only default), e (the default pod template) and f have no request; d keeps MongoDB's defaults,
        // g and h KubeDB's (h's unreadable requests count as none, so the defaults fill them in); i sets its own; j's pod spec holds no container; k keeps the chart's defaults.
        assert.deepStrictEqual(violationsOf(run, "container-requests").map(v => v.message.slice(v.description.length + 1).split(":")[0]),
            ["CloudNativePG Cluster lab/a", "PGO PostgresCluster lab/b", "K8ssandraCluster lab/f", "ECK Elasticsearch lab/c", "InnoDBCluster lab/j", "ClickHouseInstallation lab/e"]);
    });
});

describe("namespace-default-deny-ingress and data-store-ingress-restricted on the pods operators run", () => {
    const custom = (apiVersion: string, kind: string, spec: Record<string, unknown>, name: string, namespace = "db"): ManifestObject => ({ apiVersion, kind, metadata: { name, namespace }, spec });
    const pg = custom("postgresql.cnpg.io/v1", "Cluster", { instances: 3, storage: { size: "1Gi" } }, "pg");
    const prometheus = custom("monitoring.coreos.com/v1", "Prometheus", { replicas: 2 }, "main", "monitoring");
    const denyAll: ManifestObject = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "default-deny", namespace: "db" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } };

    it("a namespace where an operator's resource runs its pods needs a default-deny ingress policy like any other", async () => {
        assert.deepStrictEqual(await messages("namespace-default-deny-ingress", [pg, prometheus]), [
            "Namespace db runs CloudNativePG Cluster db/pg but has no default-deny ingress NetworkPolicy; add one with podSelector: {}, policyTypes: [Ingress] and no ingress rules, then allow each path its pods need (from the ingress controller, from the pods that call them).",
            "Namespace monitoring runs Prometheus monitoring/main but has no default-deny ingress NetworkPolicy; add one with podSelector: {}, policyTypes: [Ingress] and no ingress rules, then allow each path its pods need (from the ingress controller, from the pods that call them).",
        ]);
        assert.deepStrictEqual(await messages("namespace-default-deny-ingress", [pg, denyAll]), []);
    });

    it("an operator's data store in a namespace with no Ingress NetworkPolicy is open to every pod, and the message gives the labels of its data pods", async () => {
        const kafka = custom("kafka.strimzi.io/v1beta2", "Kafka", { kafka: { listeners: [] } }, "events");
        const redis = custom("redis.redis.opstreelabs.in/v1beta2", "RedisCluster", { clusterSize: 3 }, "cache");
        const perconaPg = custom("pgv2.percona.com/v2", "PerconaPGCluster", { instances: [{ name: "instance1" }] }, "cluster1");
        const found = await messages("data-store-ingress-restricted", [pg, kafka, redis, prometheus, perconaPg]);
        assert.deepStrictEqual(found.map(m => m.split(": no NetworkPolicy")[0]), [
            "CloudNativePG Cluster db/pg runs a data store (the pods its operator runs for it) reachable from everywhere",
            "PerconaPGCluster db/cluster1 runs a data store (the pods its operator runs for it) reachable from everywhere",
            "Strimzi Kafka db/events runs a data store (the pods its operator runs for it) reachable from everywhere",
            "RedisCluster db/cache runs a data store (the pods its operator runs for it) reachable from everywhere",
        ]);
        assert.match(found[0], /podSelector \{"matchLabels":\{"cnpg\.io\/cluster":"pg","cnpg\.io\/podRole":"instance"\}\} \(the labels its operator gives its data pods\)/);
        assert.match(found[2], /podSelector \{"matchLabels":\{"strimzi\.io\/cluster":"events","strimzi\.io\/name":"events-kafka"\}\}/);
        assert.match(found[3], /podSelector \{"matchExpressions":\[\{"key":"app","operator":"In","values":\["cache-leader","cache-follower"\]\}\]\}/);
        // KubeDB labels every pod of a database with its CRD's plural and the database's name.
        const kubedb = await messages("data-store-ingress-restricted", [custom("kubedb.com/v1", "Postgres", { storageType: "Ephemeral", deletionPolicy: "Halt" }, "quick")]);
        assert.match(kubedb[0], /^KubeDB Postgres db\/quick runs a data store .*podSelector \{"matchLabels":\{"app\.kubernetes\.io\/name":"postgreses\.kubedb\.com","app\.kubernetes\.io\/instance":"quick"\}\}/);
        // Percona's fork keeps PGO's labels on the instance pods.
        assert.match(found[1], /podSelector \{"matchLabels":\{"postgres-operator\.crunchydata\.com\/cluster":"cluster1"\},"matchExpressions":\[\{"key":"postgres-operator\.crunchydata\.com\/instance-set","operator":"Exists"\}\]\}/);
        // Any Ingress policy in the namespace: which of the operator's pods it selects is not judged.
        assert.deepStrictEqual(await messages("data-store-ingress-restricted", [pg, denyAll]), []);
        assert.deepStrictEqual(await messages("data-store-ingress-restricted", [pg], { "data-store-ingress-restricted": { exemptNamespaces: ["db"] } }), []);
    });
});
