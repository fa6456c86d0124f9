/**
 * Networking: a data store (a database, a cache, an object store, a message broker) that any pod
 * of the cluster, or any address, can reach is one leaked credential away from being read or
 * wiped. Each data store accepts connections only from its own clients.
 *
 * NetworkPolicy semantics, as the API reference states them (networking.k8s.io/v1
 * NetworkPolicySpec, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort) and the
 * concepts page explains (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
 * - a policy applies to the pods of its own namespace that its podSelector selects (`{}`: all);
 * - policyTypes unset means Ingress, plus Egress when the policy has an egress section;
 * - a pod no Ingress policy selects is not isolated: every source reaches every port;
 * - a selected pod accepts what the union of the ingress rules of all policies selecting it
 *   allows; a policy with Ingress and no rules allows nothing (default deny);
 * - a rule without `from` (or with an empty one) matches all sources; without `ports` (or with
 *   an empty list) all ports; a port matches by number (up to endPort when set) or by the name of a
 *   container port, with the protocol (TCP when unset) equal;
 * - a peer with only a podSelector means pods of the policy's own namespace; a namespaceSelector
 *   `{}` means every namespace; an ipBlock is a CIDR;
 * - for hostNetwork pods the behaviour is undefined ("NetworkPolicy and hostNetwork pods" on the
 *   concepts page): a data store on the node's network counts as reachable from everywhere.
 * Which pods a podSelector selects is decided by ./lib/selectors, over the labels the pods really
 * carry (controller-added ones included), like every other selector of the pack.
 *
 * Props are read lazily, so a value unknown during a preview throws the engine's
 * UnknownValueError from here, as it should (never catch it).
 */
import { Policies, StackValidationPolicy } from "@pulumi/policy";
import { configSchema, readConfig } from "./lib/config";
import { Container, RUN_TO_COMPLETION_KINDS, containersOf, describeObject, objectsIn } from "./lib/k8s";
import { operatorDataStoreOf, operatorResourcesIn } from "./lib/operator-pods";
import { containerLabel } from "./lib/pods";
import { ScaledWorkload, scaledStack } from "./lib/scale";
import { RoutingService, routingServices, serviceTarget } from "./lib/services";
import { compileLabelSelector, ownMatchLabels } from "./lib/selectors";
import { NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec, coversIngress, isEmptySelector } from "./lib/network-policies";
import { Indexed, StackIndex, SYSTEM_NAMESPACES } from "./lib/stack";

// ---------------------------------------------------------------------------------------------
// NetworkPolicy, as the policies read it.

/** A CIDR of every address, IPv4 or IPv6 (prefix length 0). */
function isEveryAddress(cidr: string | undefined): boolean {
    return cidr !== undefined && /\/0$/.test(cidr.trim());
}

/**
 * Why a peer admits every source, or undefined when it is limited: a namespaceSelector `{}` (every
 * namespace, whatever the podSelector beside it: anyone who can create a pod somewhere can give it
 * those labels), or an ipBlock of every address.
 */
export function openPeer(peer: NetworkPolicyPeer): string | undefined {
    if (peer.namespaceSelector !== undefined && peer.namespaceSelector !== null && isEmptySelector(peer.namespaceSelector)) {
        const pods = peer.podSelector && !isEmptySelector(peer.podSelector) ? `pods matching ${JSON.stringify(peer.podSelector)} in ` : "";
        return `from ${pods}every namespace (namespaceSelector: {})`;
    }
    if (peer.ipBlock && isEveryAddress(peer.ipBlock.cidr)) {
        return `from every address (ipBlock ${peer.ipBlock.cidr})`;
    }
    return undefined;
}

/** Why an ingress rule admits every source, or undefined when its sources are limited. */
export function openRule(rule: NetworkPolicyIngressRule): string | undefined {
    const from: unknown[] = Array.isArray(rule.from) ? rule.from : [];
    if (from.length === 0) {
        return "from every source (no from)";
    }
    for (const peer of objectsIn<NonNullable<NetworkPolicyIngressRule["from"]>[number]>(from)) {
        const why = openPeer(peer);
        if (why) {
            return why;
        }
    }
    return undefined;
}

/** A port a pod listens on: a number and name when the container declares them, always a protocol. */
export interface PodPort {
    /** Undefined when the container declares no ports (the process still listens somewhere). */
    number?: number;
    name?: string;
    protocol: string;
}

/**
 * Whether a rule's ports admit a pod port. For a port the container does not declare, a rule
 * limited to ports admits it when one of them is among `candidates` (the well-known data ports).
 */
export function ruleAdmitsPort(listed: NetworkPolicyPort[] | undefined | null, port: PodPort, candidates: number[] = []): boolean {
    const ports = objectsIn<NetworkPolicyPort>(listed);
    if (ports.length === 0) {
        return true;
    }
    return ports.some(p => {
        if ((p.protocol ?? "TCP") !== port.protocol) {
            return false;
        }
        if (p.port === undefined || p.port === null) {
            return true;
        }
        if (typeof p.port === "string") {
            return port.name !== undefined && p.port === port.name;
        }
        const low = p.port;
        const high = p.endPort ?? p.port;
        const inRange = (n: number) => n >= low && n <= high;
        return port.number === undefined ? candidates.some(inRange) : inRange(port.number);
    });
}

/** A NetworkPolicy of the stack, its spec read once and its podSelector compiled. */
export interface StackNetworkPolicy {
    entry: Indexed;
    spec: NetworkPolicySpec;
    selects: (w: ScaledWorkload) => boolean;
}

/** The NetworkPolicies of the stack that cover ingress, by namespace. */
export function ingressPoliciesByNamespace(index: StackIndex): Map<string, StackNetworkPolicy[]> {
    const found = new Map<string, StackNetworkPolicy[]>();
    for (const entry of index.all("NetworkPolicy")) {
        const spec = (entry.obj.spec ?? {}) as NetworkPolicySpec;
        if (!coversIngress(spec)) {
            continue;
        }
        // podSelector is required; `{}` selects every pod of the namespace.
        const selector = compileLabelSelector(spec.podSelector ?? {}, "everything");
        const policy: StackNetworkPolicy = { entry, spec, selects: w => selector(w.labels) };
        found.set(entry.namespace, [...(found.get(entry.namespace) ?? []), policy]);
    }
    return found;
}

/** A rule that admits every source on a port: the policy, the rule's 1-based position, and why. */
export interface OpenRule {
    policy: StackNetworkPolicy;
    rule: number;
    why: string;
}

/**
 * The first ingress rule of the Ingress policies selecting a pod (`selecting`, all of its namespace
 * and non-empty, else the pod is not isolated at all) that admits every source on `port`, or
 * undefined when only limited sources reach it.
 */
export function openRuleFor(selecting: StackNetworkPolicy[], port: PodPort, candidates: number[] = []): OpenRule | undefined {
    for (const policy of selecting) {
        const rules: unknown[] = Array.isArray(policy.spec.ingress) ? policy.spec.ingress : [];
        for (let i = 0; i < rules.length; i++) {
            const rule = rules[i];
            if (typeof rule !== "object" || rule === null) {
                continue; // no rule at all (the API server refuses it); the others keep their numbers
            }
            const why = openRule(rule as NetworkPolicyIngressRule);
            if (why && ruleAdmitsPort((rule as NetworkPolicyIngressRule).ports, port, candidates)) {
                return { policy, rule: i + 1, why };
            }
        }
    }
    return undefined;
}

// ---------------------------------------------------------------------------------------------
// Data stores.

/**
 * Images of data stores, by repository name: the last path segments of the image reference without
 * registry, tag or digest (`postgres` matches `postgres:17` and `docker.io/library/postgres@sha256:…`;
 * `bitnami/postgresql` only that repository). Clients and tools (`minio/mc`, `mongo-express`,
 * exporters) are not data stores and are not listed.
 */
export const DATA_STORE_IMAGES = [
    "mongo", "mongodb", "mongodb-community-server", "mongodb-enterprise-server",
    "postgres", "postgresql", "postgis", "pgvector", "timescaledb", "crunchy-postgres",
    "mysql", "mysql-server", "percona-server", "mariadb",
    "redis", "redis-stack-server", "valkey", "keydb", "dragonfly", "memcached",
    "minio", "seaweedfs",
    "elasticsearch", "opensearch",
    "cassandra", "scylla",
    "etcd",
    "rabbitmq", "kafka", "nats",
    "couchdb", "couchbase", "neo4j", "influxdb", "clickhouse-server", "cockroach", "arangodb",
];

/**
 * Well-known data ports: MongoDB 27017, PostgreSQL 5432, MySQL/MariaDB 3306, Redis 6379,
 * Elasticsearch/OpenSearch 9200, Cassandra 9042, etcd 2379, RabbitMQ 5672. Not MinIO's 9000:
 * php-fpm, SonarQube, Portainer and many gRPC and HTTP servers listen there too; MinIO is known
 * by its image.
 */
export const DATA_STORE_PORTS = [27017, 5432, 3306, 6379, 9200, 9042, 2379, 5672];

/** The repository path of an image reference, in segments: `docker.io/library/postgres:17` → [docker.io, library, postgres]. */
function repositorySegments(image: string): string[] {
    const withoutDigest = String(image).split("@")[0];
    const segments = withoutDigest.split("/");
    const last = segments.length - 1;
    const colon = segments[last].indexOf(":");
    if (colon >= 0) {
        segments[last] = segments[last].slice(0, colon);
    }
    return segments.map(s => s.toLowerCase());
}

/** Whether an image runs one of the listed data stores (see {@link DATA_STORE_IMAGES} for how names match). */
export function isDataStoreImage(image: string | undefined, names: string[]): boolean {
    if (!image) {
        return false;
    }
    const repo = repositorySegments(image);
    return names.some(name => {
        const want = name.toLowerCase().split("/").filter(s => s.length > 0);
        return want.length > 0 && want.length <= repo.length && want.every((s, i) => repo[repo.length - want.length + i] === s);
    });
}

interface ContainerPort {
    name?: string;
    containerPort?: number;
    protocol?: string;
}

/** A port of a data store, with the container that listens on it and why it counts. */
export interface DataPort {
    port: PodPort;
    container: Container;
    /** `image postgres:17`, `port 6379`. */
    because: string;
}

/**
 * The data ports of a workload's pods: every declared port of a container running a data store
 * image (one undeclared port when it declares none), and each well-known data port any other
 * container declares. Init containers and run-to-completion kinds (Jobs, CronJobs) are tools such
 * as `pg_isready` waits and dumps, not servers.
 */
export function dataPortsOf(w: ScaledWorkload, images: string[], ports: number[]): DataPort[] {
    if (RUN_TO_COMPLETION_KINDS.includes(w.w.kind)) {
        return [];
    }
    const found: DataPort[] = [];
    for (const { container } of containersOf(w.w.pod).filter(c => c.role === "container")) {
        const declared = objectsIn<ContainerPort>((container as { ports?: unknown }).ports);
        const toPort = (p: ContainerPort): PodPort => ({ number: p.containerPort, name: p.name, protocol: p.protocol ?? "TCP" });
        if (isDataStoreImage(container.image, images) && !(declared.length === 0 && runsClientOnly(container))) {
            const because = `image ${container.image}`;
            if (declared.length === 0) {
                found.push({ port: { protocol: "TCP" }, container, because });
            }
            for (const p of declared) {
                found.push({ port: toPort(p), container, because });
            }
            continue;
        }
        for (const p of declared) {
            if (p.containerPort !== undefined && ports.includes(p.containerPort)) {
                found.push({ port: toPort(p), container, because: `port ${p.containerPort}` });
            }
        }
    }
    return found;
}

/** Data stores' client tools, which their images carry: a container running one of them and no server is a client. */
const CLIENT_TOOLS = ["redis-cli", "psql", "pg_dump", "pg_dumpall", "pg_restore", "pg_isready", "mysql", "mysqldump", "mysqladmin", "mariadb", "mariadb-dump",
    "mongosh", "mongo", "mongodump", "mongorestore", "mongoimport", "mc", "cqlsh", "etcdctl", "rabbitmqadmin", "rabbitmqctl", "kafka-console-consumer",
    "kafka-console-producer", "kafka-topics", "nats"];
/** The servers of those images. */
const SERVERS = ["redis-server", "postgres", "mysqld", "mariadbd", "mongod", "minio", "etcd", "rabbitmq-server", "kafka-server-start", "kafka-server-start.sh",
    "nats-server", "cassandra", "elasticsearch", "docker-entrypoint.sh"];

/** One pattern for a list of programs: any of them as a word of a command line (after a space, a path's '/', a shell operator or a quote). */
function programsPattern(programs: string[]): RegExp {
    const names = programs.map(p => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
    return new RegExp(`(^|[\\s/;&|'"(])(${names})(?=$|[\\s;&|'")])`);
}

const CLIENT_TOOL = programsPattern(CLIENT_TOOLS);
const SERVER = programsPattern(SERVERS);

/**
 * Whether a container of a data store's image runs one of its client tools instead of the
 * server (a `redis-cli` loop consuming a stream, a `pg_dump` sidecar): its command and args name
 * a client tool and no server. Such a container listens on nothing.
 */
function runsClientOnly(container: Container): boolean {
    const c = container as Container & { command?: unknown[]; args?: unknown[] };
    const text = [...(c.command ?? []), ...(c.args ?? [])].map(String).join(" ");
    return text !== "" && CLIENT_TOOL.test(text) && !SERVER.test(text);
}

/** How messages name a pod port: `port 5432/TCP ('postgres')`, or the undeclared one. */
export function describePort(port: PodPort): string {
    if (port.number === undefined) {
        return `its ${port.protocol} ports (the container declares none)`;
    }
    return `port ${port.number}/${port.protocol}${port.name ? ` ('${port.name}')` : ""}`;
}

/** How messages say why a workload is a data store: `container 'db', image postgres:17`, each container once. */
function storesOf(dataPorts: DataPort[]): string {
    return [...new Set(dataPorts.map(d => `${containerLabel(d.container, "container")}, ${d.because}`))].join("; ");
}

interface DataStoreSettings {
    exemptNamespaces: string[];
    images: string[];
    extraImages: string[];
    ports: number[];
    extraPorts: number[];
}

const dataStoreSchema = configSchema<DataStoreSettings>({
    exemptNamespaces: { type: "array", items: { type: "string" }, default: SYSTEM_NAMESPACES, description: "Namespaces whose data stores are not checked (the cluster's own)." },
    images: { type: "array", items: { type: "string" }, default: DATA_STORE_IMAGES, description: "Data store images, by repository name: the last path segments without registry, tag or digest (postgres, bitnami/postgresql). Replaces the built-in list; use extraImages to add to it." },
    extraImages: { type: "array", items: { type: "string" }, default: [], description: "More data store images, added to images." },
    ports: { type: "array", items: { type: "integer", minimum: 1, maximum: 65535 }, default: DATA_STORE_PORTS, description: "Well-known data ports: a container declaring one is a data store whatever its image. Replaces the built-in list; use extraPorts to add to it." },
    extraPorts: { type: "array", items: { type: "integer", minimum: 1, maximum: 65535 }, default: [], description: "More data ports, added to ports." },
});

/** Service types that expose their pods outside the cluster: a port on every node, and a cloud load balancer in front of one. */
const EXTERNAL_SERVICE_TYPES = ["NodePort", "LoadBalancer"];

/**
 * What to add when Services of type NodePort or LoadBalancer route to a data store's data ports:
 * with nothing restricting its ingress, those reach it from outside the cluster too. A Service port
 * routes to a data port when its targetPort (its port when unset) names the port's number or
 * name; to a container that declares no ports, any Service port may route.
 */
function exposedBy(services: RoutingService[], sw: ScaledWorkload, dataPorts: DataPort[]): string {
    const exposing = services.filter(({ spec, selected }) => EXTERNAL_SERVICE_TYPES.includes(spec.type ?? "") && selected.includes(sw) &&
        (spec.ports ?? []).some(p => {
            const target = serviceTarget(p);
            return dataPorts.some(({ port }) => port.number === undefined || (target.number !== undefined ? target.number === port.number : port.name !== undefined && target.name === port.name));
        }));
    if (exposing.length === 0) {
        return "";
    }
    const named = exposing.map(({ svc, spec }) => `${describeObject("Service", svc.obj, svc.name)} (type ${spec.type})`).join(" and ");
    return ` ${named} also ${exposing.length > 1 ? "expose" : "exposes"} it outside the cluster: make ${exposing.length > 1 ? "them" : "it"} type ClusterIP unless clients outside the cluster need it (then set loadBalancerSourceRanges to their addresses).`;
}

/** A data store is reachable only from its clients. */
export const dataStoreIngressRestricted: StackValidationPolicy = {
    name: "data-store-ingress-restricted",
    description: "A data store (a container running a known database, cache, object store or broker image, or declaring a well-known data port such as 5432, 27017 or 6379, or the pods a database, broker or object-store operator runs for its custom resource) is not reachable from everywhere: some NetworkPolicy of its namespace selects its pods for Ingress, and no ingress rule selecting them admits every source (no from, a namespaceSelector {}, an ipBlock 0.0.0.0/0) on its data port. Allow its clients only: pods of its namespace by podSelector, or namespaces by label.",
    enforcementLevel: "advisory",
    configSchema: dataStoreSchema,
    validateStack: (args, reportViolation) => {
        const settings = readConfig(dataStoreSchema, args);
        const images = [...settings.images, ...settings.extraImages];
        const ports = [...settings.ports, ...settings.extraPorts];
        const { index, inNamespace } = scaledStack(args.resources);
        const policies = ingressPoliciesByNamespace(index);
        let services: RoutingService[] | undefined;
        const external = (sw: ScaledWorkload, dataPorts: DataPort[]) => exposedBy(services ??= routingServices(index, inNamespace), sw, dataPorts);
        for (const ns of new Set(index.workloads.map(w => w.namespace))) {
            if (settings.exemptNamespaces.includes(ns)) {
                continue;
            }
            const inNs = policies.get(ns) ?? [];
            for (const sw of inNamespace(ns)) {
                const dataPorts = dataPortsOf(sw, images, ports);
                if (dataPorts.length === 0) {
                    continue;
                }
                const what = describeObject(sw.w.kind, sw.w.obj, sw.w.name);
                // The workload's own selector where it has one: its labels stay put across upgrades, unlike a
                // chart's helm.sh/chart or version labels. An unlabelled Pod: {} would select every pod of the
                // namespace, so name a label to give it first.
                const stable = ownMatchLabels(sw.w.kind, sw.w.obj) ?? sw.w.podLabels;
                const selector = Object.keys(stable).length
                    ? JSON.stringify({ matchLabels: stable })
                    : `${JSON.stringify({ matchLabels: { app: sw.w.name } })} (its pods carry no labels: label them app: ${sw.w.name} first, since an empty podSelector selects every pod of the namespace)`;
                const clients = `its clients (a podSelector of their pods in namespace ${ns}, or a namespaceSelector naming their namespaces by label)`;
                if ((sw.w.pod as { hostNetwork?: boolean } | undefined)?.hostNetwork === true) {
                    reportViolation(`${what} runs a data store (${storesOf(dataPorts)}) in the node's network namespace (hostNetwork: true), reachable from everywhere on ` +
                        `${dataPorts.map(d => describePort(d.port)).join(", ")}: NetworkPolicies do not reliably apply to host-network pods (Kubernetes leaves their behaviour undefined, and most network plugins ignore them). ` +
                        `Remove hostNetwork, then add a NetworkPolicy with podSelector ${selector} and policyTypes [Ingress] that allows only ${clients}.`, sw.w.resource.urn);
                    continue;
                }
                const selecting = inNs.filter(p => p.selects(sw));
                if (selecting.length === 0) {
                    reportViolation(`${what} runs a data store (${storesOf(dataPorts)}) reachable from everywhere on ${dataPorts.map(d => describePort(d.port)).join(", ")}: ` +
                        `no NetworkPolicy of namespace ${ns} selects its pods for Ingress, so every pod and address reaches it. ` +
                        `Add a NetworkPolicy with podSelector ${selector} and policyTypes [Ingress] that allows only ${clients}.${external(sw, dataPorts)}`, sw.w.resource.urn);
                    continue;
                }
                for (const { port, container, because } of dataPorts) {
                    const open = openRuleFor(selecting, port, ports);
                    if (!open) {
                        continue;
                    }
                    const np = describeObject("NetworkPolicy", open.policy.entry.obj, open.policy.entry.name);
                    reportViolation(`${what} runs a data store (${containerLabel(container, "container")}, ${because}) reachable from everywhere on ${describePort(port)}: ` +
                        `${np} ingress rule ${open.rule} admits it ${open.why}. Limit that rule to ${clients}; if it opens other pods on purpose, ` +
                        `leave this data store out of its podSelector and give it a NetworkPolicy of its own (podSelector ${selector}) that allows only its clients.${external(sw, [{ port, container, because }])}`, sw.w.resource.urn);
                }
            }
        }
        // The data stores an operator runs for its custom resource (lib/operator-pods.ts). Their pods carry the
        // operator's labels, which a NetworkPolicy may or may not select: only a namespace with no ingress policy
        // at all is known to leave them open.
        for (const o of operatorResourcesIn(index)) {
            const store = settings.exemptNamespaces.includes(o.namespace) || policies.get(o.namespace)?.length ? undefined : operatorDataStoreOf(o.resource.type, o.resource.props, o.resource.name);
            if (store) {
                reportViolation(`${store.what} runs a data store (the pods its operator runs for it) reachable from everywhere: no NetworkPolicy of namespace ${o.namespace} selects pods for Ingress, ` +
                    `so every pod and address reaches it. Add a NetworkPolicy with podSelector ${JSON.stringify(store.dataPods)} (the labels its operator gives its data pods) and policyTypes [Ingress] ` +
                    `that allows only its clients (a podSelector of their pods in namespace ${o.namespace}, or a namespaceSelector naming their namespaces by label), its own pods (replication between its members) and its operator's pods (most operators manage their clusters over the network).`, o.resource.urn);
            }
        }
    },
};

/** The networking family. */
export const networkPolicies: Policies = [dataStoreIngressRestricted];
