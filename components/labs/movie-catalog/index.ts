/**
 * Lab 5, `movie-catalog`: a MongoDB replica set that initiates and grows itself, Grafana keeping
 * its data, and volumes that grow in place (DevOpsTheHardWay, "StatefulSet and Storage"; app
 * github.com/exit-zero-academy/NetflixMovieCatalog). LABS.md §5.
 *
 * - The replica set (../../mongo-replica-set.ts): StatefulSet `mongo` (3 members by default),
 *   headless Service `mongo-service`, `mongod --replSet myReplicaSet --bind_ip_all` on 27017, a
 *   2Gi claim `mongo-persistent-storage-mongo-N` per member at `/data/db`, and the init Job that
 *   runs `rs.initiate()` / `rs.add()` (what the tutorial does by hand in `mongo-0`);
 * - the catalog app: Deployment and Service `movie-catalog` (80 → 8080), readiness `GET /status`,
 *   2 pods, `MONGO_URI` the replica-set connection string (every member and
 *   `replicaSet=myReplicaSet`); its image is the required setting `kubelab:movie-catalog.image`
 *   (no public image exists);
 * - Grafana: StatefulSet `grafana` (1 pod) with a 2Gi claim `grafana-storage-grafana-0` at
 *   `/var/lib/grafana`, served under `/grafana/`; its admin password generated
 *   (`@pulumi/random`) into Secret `grafana-admin`, read through `secretKeyRef`, and exported only
 *   as a Pulumi secret (the component's `grafanaAdminPassword`);
 * - one Ingress host: `/` → the catalog, `/grafana` → Grafana;
 * - NetworkPolicies (../../network-policy.ts): ingress denied by default; the ingress controller
 *   reaches the catalog and Grafana; only the members themselves, the init Job and the catalog
 *   pods reach MongoDB;
 * - every pod non-root with no token, seccomp on and no capabilities (../../security.ts); the
 *   namespace enforces Pod Security `restricted`.
 *
 * Sizes grow from config (`pulumi config set --path movie-catalog.storage 4Gi && pulumi up`):
 * the stores grow their existing claims in place (../../stateful-store.ts).
 *
 * Settings: `kubelab:movie-catalog` (./settings.ts). Instance name and namespace come from `kubelab:labs`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { formatBytes, parseQuantity } from "../../../policy/lib/quantity";
import { MAX_VOTING_MEMBERS } from "../../data/mongo-rs-init";
import { FrontDoor } from "../../front-door";
import { imageFor } from "../../images";
import { MongoReplicaSet } from "../../mongo-replica-set";
import { lockDownIngress } from "../../network-policy";
import { NON_ROOT_USERS, NonRootImage, securityOf } from "../../security";
import { StatefulStore } from "../../stateful-store";
import { Workload } from "../../workload";
import { LabBaseArgs, LabDeploy, labBaseArgs, labNamespace } from "../lab";
import { MovieCatalogSettings, requireCatalogImage } from "./settings";

/** Names users type (LABS.md §5) and the ones kubelab adds. */
export const MOVIE_CATALOG_NAMES = {
    /** Deployment, Service and Ingress of the catalog app, and its pods' `app` label. */
    catalog: "movie-catalog",
    /** StatefulSet of Grafana, its pods' `app` label, and the Service and Ingress in front of it. */
    grafana: "grafana",
    /** Grafana's headless Service, the StatefulSet's `serviceName`. */
    grafanaHeadless: "grafana-headless",
    /** Grafana's claim template: claim `grafana-storage-grafana-0`. */
    grafanaClaim: "grafana-storage",
    /** Secret holding Grafana's generated admin password. */
    grafanaSecret: "grafana-admin",
    grafanaPasswordKey: "admin-password",
} as const;

/** The catalog app's port (a Flask app, `app.run(port=8080)`). */
export const CATALOG_PORT = 8080;
export const GRAFANA_PORT = 3000;
/** Where Grafana keeps its database, dashboards and plugins: the claim. */
export const GRAFANA_DATA = "/var/lib/grafana";
/** The path Grafana is served under, on the lab's Ingress host. */
export const GRAFANA_PATH = "/grafana";
/** Grafana's admin user (the password is generated). */
export const GRAFANA_ADMIN_USER = "admin";
/** The variable the catalog app reads the replica set's connection string from. */
export const CATALOG_MONGO_ENV = "MONGO_URI";

/**
 * How the catalog image runs. It is the user's own build (no catalog entry in ../../images.ts):
 * the tutorial's Dockerfile is `FROM python:3.12.4-slim-bullseye`, `COPY . .`, `CMD python3
 * app.py`, and the app only reads its own files (data/*.json), so it runs as `nobody`. The root
 * filesystem stays writable (Python may write bytecode caches next to the sources).
 */
export const CATALOG_SECURITY: NonRootImage = {
    kind: "non-root",
    user: NON_ROOT_USERS.nobody,
    group: NON_ROOT_USERS.nobody,
    source: "exit-zero-academy/NetflixMovieCatalog Dockerfile (FROM python:3.12.4-slim-bullseye, no USER): the Flask app reads " +
        "only its own files, so any user runs it; Debian's nobody is 65534. An image that needs root will not start: rebuild it " +
        "without writes outside /tmp.",
};

/** The lab's own settings, the image required, and what every lab gets from its instance and the stack. */
export interface MovieCatalogLabArgs extends Omit<MovieCatalogSettings, "image">, LabBaseArgs {
    /** The catalog app's image (`kubelab:movie-catalog.image`). */
    image: string;
}

export interface MovieCatalogEndpoints {
    namespace: string;
    /** The catalog app through the ingress controller, and two of its routes. */
    catalog: string;
    catalogStatus: string;
    discover: string;
    /** Grafana, user `admin`. */
    grafana: string;
    /** How to read Grafana's generated admin password (never a stack output in the clear). */
    grafanaPassword: string;
    /** The replica set's connection string: in-cluster only. */
    mongo: string;
    /** kubectl commands that show the lesson: pods in order, rs.status(), claims and sizes. */
    lesson: string[];
    /** How to grow the volumes and the replica set from stack config. */
    grow: string[];
}

export class MovieCatalogLab extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly mongo: MongoReplicaSet;
    readonly catalog: Workload;
    readonly catalogFront: FrontDoor;
    readonly grafanaCredentials: k8s.core.v1.Secret;
    readonly grafana: StatefulStore;
    readonly grafanaFront: FrontDoor;
    readonly networkPolicies: k8s.networking.v1.NetworkPolicy[];
    /** Grafana's generated admin password, a Pulumi secret. */
    readonly grafanaAdminPassword: pulumi.Output<string>;
    /** How to reach the lab. */
    readonly endpoints: pulumi.Output<MovieCatalogEndpoints>;

    /** `name` is the instance name: every child's Pulumi name starts with it. */
    constructor(name: string, args: MovieCatalogLabArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:labs:MovieCatalog", name, {}, opts);
        const partOf = { "app.kubernetes.io/part-of": name, "app.kubernetes.io/managed-by": "kubelab" };
        // Pod Security admission: restricted (every image runs as a non-root user).
        this.namespace = labNamespace(name, args, ["movie-catalog-mongo", "movie-catalog-grafana"], this);
        const namespace = this.namespace.metadata.name;

        this.mongo = new MongoReplicaSet(`${name}-mongo`, {
            namespace,
            partOf: name,
            replicas: args.replicas,
            image: imageFor("movie-catalog-mongo", args.images),
            security: securityOf("movie-catalog-mongo"),
            storage: { size: args.storage, storageClassName: args.storageClassName, setting: "movie-catalog.storage" },
            volumeLedger: args.volumeLedger,
            protectData: args.protectData,
        }, { parent: this });

        this.catalog = new Workload(`${name}-catalog`, {
            namespace,
            name: MOVIE_CATALOG_NAMES.catalog,
            partOf: name,
            image: args.image,
            security: CATALOG_SECURITY,
            port: CATALOG_PORT,
            replicas: args.catalogReplicas,
            resources: { cpu: "50m", memory: "64Mi", memoryLimit: "256Mi" },
            env: { [CATALOG_MONGO_ENV]: this.mongo.connectionString },
            readiness: { httpGet: "/status", initialDelaySeconds: 5, periodSeconds: 10 },
            liveness: { tcp: true, initialDelaySeconds: 15, periodSeconds: 20, failureThreshold: 3 },
        }, { parent: this });
        this.catalogFront = new FrontDoor(`${name}-catalog-front`, {
            namespace, name: MOVIE_CATALOG_NAMES.catalog, partOf: name,
            ingress: { className: args.ingressClassName, host: args.ingressHost, paths: ["/"] },
        }, { parent: this });

        // Grafana stores this password in its database on the first start; it stays the same
        // across updates (a random resource only changes when its inputs do).
        const password = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 32, special: false }, { parent: this });
        this.grafanaAdminPassword = pulumi.secret(password.result);
        this.grafanaCredentials = new k8s.core.v1.Secret(`${name}-grafana-admin`, {
            metadata: { name: MOVIE_CATALOG_NAMES.grafanaSecret, namespace, labels: partOf },
            type: "Opaque",
            stringData: { [MOVIE_CATALOG_NAMES.grafanaPasswordKey]: this.grafanaAdminPassword },
        }, { parent: this });

        this.grafana = new StatefulStore(`${name}-grafana`, {
            namespace,
            name: MOVIE_CATALOG_NAMES.grafana,
            serviceName: MOVIE_CATALOG_NAMES.grafanaHeadless,
            partOf: name,
            replicas: 1,
            image: imageFor("movie-catalog-grafana", args.images),
            security: securityOf("movie-catalog-grafana"),
            port: GRAFANA_PORT,
            // Named http: the FrontDoor's Service targets the port by that name.
            portName: "http",
            resources: { cpu: "50m", memory: "128Mi", memoryLimit: "512Mi" },
            env: {
                GF_PATHS_DATA: GRAFANA_DATA,
                GF_SECURITY_ADMIN_USER: GRAFANA_ADMIN_USER,
                // Served under /grafana/ on the lab's host, next to the catalog at /.
                GF_SERVER_ROOT_URL: `%(protocol)s://%(domain)s:%(http_port)s${GRAFANA_PATH}/`,
                GF_SERVER_SERVE_FROM_SUB_PATH: "true",
                GF_ANALYTICS_REPORTING_ENABLED: "false",
            },
            secretEnv: { GF_SECURITY_ADMIN_PASSWORD: { secretName: this.grafanaCredentials.metadata.name, key: MOVIE_CATALOG_NAMES.grafanaPasswordKey } },
            readiness: { httpGet: `${GRAFANA_PATH}/api/health`, initialDelaySeconds: 10, periodSeconds: 10 },
            volume: {
                claimName: MOVIE_CATALOG_NAMES.grafanaClaim, mountPath: GRAFANA_DATA,
                size: args.grafanaStorage, storageClassName: args.storageClassName, setting: "movie-catalog.grafanaStorage",
            },
            volumeLedger: args.volumeLedger,
            protectData: args.protectData,
        }, { parent: this });
        this.grafanaFront = new FrontDoor(`${name}-grafana-front`, {
            namespace, name: MOVIE_CATALOG_NAMES.grafana, partOf: name,
            ingress: { className: args.ingressClassName, host: args.ingressHost, paths: [GRAFANA_PATH] },
        }, { parent: this });

        this.networkPolicies = this.lockDown(name, namespace, args.ingressControllerNamespace);

        const base = pulumi.interpolate`http://${args.ingressHost ?? args.ingressAddress}`;
        const mongo = this.mongo;
        this.endpoints = pulumi.all([base, namespace]).apply(([url, ns]) => ({
            namespace: ns,
            catalog: `${url}/`,
            catalogStatus: `${url}/status`,
            discover: `${url}/discover?type=movie&genre=28`,
            grafana: `${url}${GRAFANA_PATH}/ (user ${GRAFANA_ADMIN_USER})`,
            grafanaPassword: `kubectl -n ${ns} get secret ${MOVIE_CATALOG_NAMES.grafanaSecret} -o jsonpath='{.data.${MOVIE_CATALOG_NAMES.grafanaPasswordKey}}' | base64 -d`,
            mongo: `${mongo.connectionString} (inside the cluster, from the catalog pods)`,
            lesson: [
                `kubectl -n ${ns} get pods -l app=${mongo.app} -w   # ${mongo.podNames.join(", ")} start in order, stop in reverse`,
                `kubectl -n ${ns} logs job/${mongo.initJobName}   # rs.initiate() / rs.add(), done by kubelab`,
                `kubectl -n ${ns} exec ${mongo.podNames[0]} -- mongosh --quiet --eval 'rs.status().members.map(m => m.name + " " + m.stateStr)'`,
                `kubectl -n ${ns} get pvc   # ${mongo.claimNames.join(", ")} and grafana-storage-grafana-0 with their sizes`,
                `kubectl -n ${ns} get pvc -o custom-columns=CLAIM:.metadata.name,REQUESTED:.spec.resources.requests.storage,CAPACITY:.status.capacity.storage,CONDITIONS:.status.conditions[*].type`,
                `kubectl -n ${ns} delete pod ${mongo.podNames[0]}   # another member becomes primary; the pod comes back with its claim`,
                `kubectl -n ${ns} delete pod grafana-0   # Grafana's data and settings survive on grafana-storage-grafana-0`,
            ],
            grow: [
                `pulumi config set --path movie-catalog.storage ${doubled(args.storage)} && pulumi up   # every mongo claim grows in place`,
                `pulumi config set --path movie-catalog.grafanaStorage ${doubled(args.grafanaStorage)} && pulumi up   # so does grafana-storage-grafana-0`,
                ...(mongo.podNames.length < MAX_VOTING_MEMBERS
                    ? [`pulumi config set --path movie-catalog.replicas ${mongo.podNames.length + 1} && pulumi up   # a new member joins the set`]
                    : []),
            ],
        }));
        this.registerOutputs({ endpoints: this.endpoints, grafanaAdminPassword: this.grafanaAdminPassword });
    }

    /**
     * Default-deny ingress for the namespace, then one opening per path the lab needs: the
     * ingress controller → catalog:8080 and grafana:3000; members, init Job and catalog →
     * mongo:27017 (../../network-policy.ts).
     */
    private lockDown(name: string, namespace: pulumi.Output<string>, ingressControllerNamespace: string): k8s.networking.v1.NetworkPolicy[] {
        const ingressController = { namespace: ingressControllerNamespace };
        return lockDownIngress(this, name, namespace, [
            { part: "catalog", name: "movie-catalog-from-ingress-controller", to: [MOVIE_CATALOG_NAMES.catalog], from: [ingressController], port: CATALOG_PORT },
            { part: "grafana", name: "grafana-from-ingress-controller", to: [MOVIE_CATALOG_NAMES.grafana], from: [ingressController], port: GRAFANA_PORT },
            this.mongo.ingressPath([MOVIE_CATALOG_NAMES.catalog]),
        ]);
    }
}

/** Twice a storage quantity, for the "grow" example: 2Gi → 4Gi, 500M → 1G. Sizes only grow, so the example never shrinks. */
export function doubled(size: string): string {
    const bytes = parseQuantity(size);
    if (bytes === undefined) {
        throw new Error(`doubled: ${JSON.stringify(size)} is not a Kubernetes quantity`);
    }
    const twice = bytes * 2;
    // In the units the size was written in: binary (Gi, Mi …) or decimal (G, M …).
    if (/[KMGTPE]i$/.test(size)) {
        return formatBytes(twice);
    }
    for (const [suffix, factor] of [["T", 1e12], ["G", 1e9], ["M", 1e6], ["k", 1e3]] as const) {
        if (twice >= factor && Number.isInteger(twice / factor)) {
            return `${twice / factor}${suffix}`;
        }
    }
    return `${twice}`;
}

/**
 * Deploys one instance (the registry loads this module only for stacks that deploy movie-catalog).
 * A missing `kubelab:movie-catalog.image` has failed before: the registry runs the same check
 * (`requireCatalogImage`) when the settings are read, before anything is registered.
 */
export const deploy: LabDeploy<MovieCatalogSettings> = (instance, settings, context, opts) => {
    const image = requireCatalogImage(settings, pulumi.getProject());
    return new MovieCatalogLab(instance.name, { ...settings, image, ...labBaseArgs(instance, context) }, opts);
};
