/**
 * The claims that database and messaging operators make for the clusters they run: a custom
 * resource names a size and a StorageClass, and the operator creates a PersistentVolumeClaim per
 * member from them (and grows those claims when the size is raised, which only works on a class
 * that allows volume expansion). The claim policies judge these claims as they judge a
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
 * Every such claim is ReadWriteOnce unless a CloudNativePG pvcTemplate says otherwise.
 */
import type { ClaimLike, FoundClaim } from "./pods";
import { KubeObject, apiGroupOf, describeObject, parseType } from "./k8s";

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
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Fields : undefined;
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
        accessModes: template.accessModes ?? ["ReadWriteOnce"],
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
