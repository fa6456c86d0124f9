/**
 * The claims that database, messaging and monitoring operators make for the clusters they run: a custom
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
 * Every such claim is ReadWriteOnce unless its template says otherwise.
 */
import type { ClaimLike, FoundClaim } from "./pods";
import { KubeObject, apiGroupOf, describeObject, isMapping, parseType } from "./k8s";
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

/** A mapping read from a custom resource, whose fields are not typed. */
type Fields = Record<string, unknown>;

function record(v: unknown): Fields | undefined {
    return isMapping(v) ? v : undefined;
}

/** A template's access modes, ReadWriteOnce when it names none (or writes something that is no list). */
function accessModesOf(modes: unknown): string[] {
    return Array.isArray(modes) ? modes as string[] : ["ReadWriteOnce"];
}

/** The claim a CloudNativePG StorageConfiguration makes, or none where it is not given. */
function cnpgStorage(config: unknown, part: string, at: string): OperatorStorage[] {
    const c = record(config);
    if (!c) {
        return [];
    }
    const template = (record(c.pvcTemplate) ?? {}) as NonNullable<ClaimLike["spec"]> & { volumeMode?: string };
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
            cnpgStorage(record(t)?.storage, `tablespace '${String(record(t)?.name ?? i)}' storage`, `spec.tablespaces[${i}].storage`)),
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
    const s = record(storage);
    if (!s) {
        return [];
    }
    if (s.type === "jbod") {
        return (Array.isArray(s.volumes) ? s.volumes : []).flatMap((v, i) => {
            const volume = record(v);
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
    const t = (record(template) ?? {}) as ClaimLike;
    return { ...t, spec: { ...t.spec, accessModes: accessModesOf(t.spec?.accessModes) } };
}

/** Where a claim template (or the claim an operator makes in its place) writes its class and size. */
const TEMPLATE_FIELDS = { classField: "storageClassName", sizeField: "resources.requests.storage" } as const;

/** A claim template's name, as messages give it. */
function templateName(template: unknown): string {
    return String(record(record(template)?.metadata)?.name ?? "(unnamed)");
}

/** Entry `j` of the claim-template list at `list` (`spec.nodeSets[0].volumeClaimTemplates`), named `<prefix>claim template '<name>'`. */
function listedTemplate(template: unknown, list: string, j: number, prefix = ""): OperatorStorage {
    return { part: `${prefix}claim template '${templateName(template)}'`, at: `${list}[${j}].spec`, ...TEMPLATE_FIELDS, claim: templateClaim(template) };
}

/** The claim of a prometheus-operator resource's `spec.storage`: its claim template, or its ephemeral volume's. */
function prometheusStorage(spec: Fields): OperatorStorage[] {
    const storage = record(spec.storage);
    const claimTemplate = storage?.volumeClaimTemplate;
    const ephemeral = record(storage?.ephemeral)?.volumeClaimTemplate;
    const [template, at] = claimTemplate !== undefined ? [claimTemplate, "spec.storage.volumeClaimTemplate.spec"] : [ephemeral, "spec.storage.ephemeral.volumeClaimTemplate.spec"];
    return template === undefined ? [] : [{ part: "storage", at, ...TEMPLATE_FIELDS, claim: templateClaim(template) }];
}

/** ECK's claim for a node set that gives no template. */
const ECK_DEFAULT_CLAIM = "elasticsearch-data";

/** The claims of an ECK Elasticsearch: each node set's templates, or ECK's default claim. */
function eckStorage(spec: Fields): OperatorStorage[] {
    return (Array.isArray(spec.nodeSets) ? spec.nodeSets : []).flatMap((n, i) => {
        const nodeSet = record(n) ?? {};
        const set = `nodeSet '${String(nodeSet.name ?? i)}'`;
        const templates = Array.isArray(nodeSet.volumeClaimTemplates) ? nodeSet.volumeClaimTemplates : [];
        if (templates.length) {
            return templates.map((t, j) => listedTemplate(t, `spec.nodeSets[${i}].volumeClaimTemplates`, j, `${set} `));
        }
        const volumes = record(record(nodeSet.podTemplate)?.spec)?.volumes;
        if (Array.isArray(volumes) && volumes.some(v => record(v)?.name === ECK_DEFAULT_CLAIM)) {
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
    const overridden = record(record(record(spec.override)?.statefulSet)?.spec)?.volumeClaimTemplates;
    if (Array.isArray(overridden) && overridden.length) {
        return overridden.map((t, j) => listedTemplate(t, "spec.override.statefulSet.spec.volumeClaimTemplates", j, "override "));
    }
    const persistence = record(spec.persistence) ?? {};
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
    const statefulSet = record(record(spec.statefulSet)?.spec);
    const given = statefulSet?.volumeClaimTemplates;
    // Upstream's own hostPath sample nests its templates one level too deep, under the pod template, where the operator never reads them.
    const misplaced = record(statefulSet?.template)?.volumeClaimTemplates !== undefined
        ? ": the templates at spec.statefulSet.spec.template.volumeClaimTemplates are under the pod template, where the operator doesn't read them" : "";
    const listed: unknown[] = Array.isArray(given) ? given : [];
    const names = listed.map(templateName);
    const list = "spec.statefulSet.spec.volumeClaimTemplates";
    const claims: OperatorStorage[] = MONGODB_DEFAULT_CLAIMS.map(({ name, size }) => {
        const j = names.indexOf(name);
        const own = record(listed[j]) ?? {};
        const spec = record(own.spec) ?? {};
        const resources = record(spec.resources) ?? {};
        return {
            part: j >= 0 ? `claim template '${name}'` : `claim '${name}' (the operator's ${size}, no template given${misplaced})`,
            at: `${list}[${j >= 0 ? j : ""}].spec`, ...TEMPLATE_FIELDS,
            claim: {
                ...own,
                spec: {
                    ...spec,
                    accessModes: ["ReadWriteOnce", ...(Array.isArray(spec.accessModes) ? spec.accessModes as string[] : [])],
                    resources: { ...resources, requests: { storage: size, ...record(resources.requests) } },
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

/** How messages name each operator's resource, and where its claims come from, by API group and kind. */
const OPERATORS: Readonly<Record<string, Readonly<Record<string, { label: string; storage: (spec: Fields) => OperatorStorage[] }>>>> = {
    "postgresql.cnpg.io": { Cluster: { label: "CloudNativePG Cluster", storage: cnpgCluster } },
    // EDB's distribution of CloudNativePG serves the same Cluster type under its own group.
    "postgresql.k8s.enterprisedb.io": { Cluster: { label: "EDB Postgres Cluster", storage: cnpgCluster } },
    "acid.zalan.do": {
        postgresql: {
            label: "Zalando postgresql",
            storage: spec => {
                const volume = record(spec.volume);
                return volume ? [{ part: "volume", at: "spec.volume", classField: "storageClass", sizeField: "size", claim: plainClaim(volume.size, volume.storageClass) }] : [];
            },
        },
    },
    "monitoring.coreos.com": {
        Prometheus: { label: "Prometheus", storage: prometheusStorage },
        PrometheusAgent: { label: "PrometheusAgent", storage: prometheusStorage },
        Alertmanager: { label: "Alertmanager", storage: prometheusStorage },
        ThanosRuler: { label: "ThanosRuler", storage: prometheusStorage },
    },
    "elasticsearch.k8s.elastic.co": { Elasticsearch: { label: "ECK Elasticsearch", storage: eckStorage } },
    "rabbitmq.com": { RabbitmqCluster: { label: "RabbitmqCluster", storage: rabbitmqStorage } },
    "mongodbcommunity.mongodb.com": { MongoDBCommunity: { label: "MongoDBCommunity", storage: mongodbStorage } },
    "kafka.strimzi.io": {
        Kafka: {
            label: "Strimzi Kafka",
            storage: spec => [
                ...strimziStorage(record(spec.kafka)?.storage, "kafka storage", "spec.kafka.storage"),
                ...strimziStorage(record(spec.zookeeper)?.storage, "zookeeper storage", "spec.zookeeper.storage"),
            ],
        },
        KafkaNodePool: {
            label: "Strimzi KafkaNodePool",
            storage: spec => strimziStorage(spec.storage, "storage", "spec.storage"),
        },
    },
};

/** The claims a known operator's resource makes ([] for any other resource), named for messages. */
export function operatorClaimsOf(type: string, props: Record<string, unknown>, name: string): FoundClaim[] {
    const parsed = parseType(type);
    const operator = parsed ? OPERATORS[apiGroupOf(parsed.apiVersion)]?.[parsed.kind] : undefined;
    if (!operator) {
        return [];
    }
    const obj = props as KubeObject;
    const what = describeObject(operator.label, obj, name);
    return operator.storage(record(obj.spec) ?? {}).map(s => ({
        source: "operator",
        what: `${what} ${s.part}`,
        claim: s.claim,
        fields: { storageClass: `${s.at}.${s.classField}`, size: `${s.at}.${s.sizeField}` },
    }));
}
