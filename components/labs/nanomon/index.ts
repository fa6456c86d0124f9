/**
 * Lab 2, `nanomon`: an autoscaler you can watch, and a persistent PostgreSQL whose schema really
 * runs (kube-workshop, "Scaling, Stateful Workloads"; app github.com/benc-uk/nanomon).
 *
 * - api (port 8000) under a HorizontalPodAutoscaler on CPU (50 % of its 50m request, 2–10 pods
 *   by default; `spec.replicas` is left out so `pulumi up` never resets the autoscaler's count),
 *   frontend (port 8001) and one runner, which runs the monitors;
 * - PostgreSQL as StatefulSet `postgres` (pod `postgres-0`, claim `postgres-pvc-postgres-0`,
 *   500M by default on the platform's expandable StorageClass, the data directory in a
 *   sub-directory of the volume), reached through Service `database` on 5432 (the DSN names it);
 * - NetworkPolicies (../../network-policy.ts): ingress denied by default; the ingress controller
 *   reaches api and frontend, the load test the api, and only this instance's api and runner pods
 *   reach PostgreSQL;
 * - every pod restricted (../../security.ts: non-root users, no token, seccomp, no capabilities),
 *   and the namespace enforcing Pod Security `restricted`; ping monitors don't work under it
 *   (they need CAP_NET_RAW), http, tcp and dns monitors do;
 * - its schema from ConfigMap `nanomon-sql-init` at `/docker-entrypoint-initdb.d` (./schema.ts);
 * - the database password generated (`@pulumi/random`) into Secret `database-creds` (key
 *   `password`), read by PostgreSQL, api and runner through `secretKeyRef`, never a stack output;
 * - one Ingress host: `/` → frontend, `/api` → api;
 * - optionally (`loadTest.enabled`), a bounded Job `load-test` sending GET /api/status in
 *   parallel loops, as the tutorial's `hey -z 180s -c 20`, to watch `kubectl get hpa -w`.
 *
 * Settings: `kubelab:nanomon` (./settings.ts). Instance name and namespace come from `kubelab:labs`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { FrontDoor } from "../../front-door";
import { ImageKey, imageFor } from "../../images";
import { lockDownIngress } from "../../network-policy";
import { envVars, labelsFor, resources } from "../../pod";
import { securityOf, withSecurity } from "../../security";
import { StatefulStore } from "../../stateful-store";
import { Workload } from "../../workload";
import { LabBaseArgs, LabDeploy, labBaseArgs, labNamespace } from "../lab";
import { INIT_SQL, INIT_SQL_FILE, NANOMON_DATABASE } from "./schema";
import { NanomonSettings } from "./settings";

/** Names users type (LABS.md §2). */
export const NANOMON_NAMES = {
    api: "nanomon-api",
    frontend: "nanomon-frontend",
    runner: "nanomon-runner",
    /** Services of the api and the frontend, the Ingress backends. */
    apiService: "api",
    frontendService: "frontend",
    /** The Service the DSN names. */
    database: "database",
    /** StatefulSet, its headless Service, and the pods' `app` label. */
    postgres: "postgres",
    claimTemplate: "postgres-pvc",
    credentials: "database-creds",
    passwordKey: "password",
    sqlInit: "nanomon-sql-init",
    loadTest: "load-test",
} as const;

export const API_PORT = 8000;
export const FRONTEND_PORT = 8001;
export const POSTGRES_PORT = 5432;
/** Database user (`POSTGRES_USER`, `user` in the DSN). */
export const DATABASE_USER = "nanomon";
/** What the api and the runner connect with; the password comes separately, from the Secret. */
export const POSTGRES_DSN = `host=${NANOMON_NAMES.database} port=${POSTGRES_PORT} user=${DATABASE_USER} dbname=${NANOMON_DATABASE} sslmode=disable`;
/** Where the volume is mounted, and the data directory inside it (a fresh volume's root is not empty). */
export const POSTGRES_MOUNT = "/var/lib/postgresql/data";
export const PGDATA = `${POSTGRES_MOUNT}/pgdata`;

/** The lab's own settings and what every lab gets from its instance and the stack ({@link LabBaseArgs}). */
export interface NanomonLabArgs extends NanomonSettings, LabBaseArgs {}

export interface NanomonEndpoints {
    namespace: string;
    /** The web UI, through the ingress controller. */
    frontend: string;
    /** The api's status endpoint, what the load test drives. */
    apiStatus: string;
    /** In-cluster only. */
    database: string;
    /** How to read the generated password (never a stack output in the clear). */
    databasePassword: string;
    /** kubectl commands that walk the lesson. */
    lesson: string[];
}

export class NanomonLab extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly credentials: k8s.core.v1.Secret;
    readonly sqlInit: k8s.core.v1.ConfigMap;
    readonly postgres: StatefulStore;
    readonly database: k8s.core.v1.Service;
    /** Default-deny ingress for the namespace, and one opening per path the lab needs. */
    readonly networkPolicies: k8s.networking.v1.NetworkPolicy[];
    readonly api: Workload;
    readonly apiFront: FrontDoor;
    readonly frontend: Workload;
    readonly frontendFront: FrontDoor;
    readonly runner: k8s.apps.v1.Deployment;
    /** The load test Job, when `loadTest.enabled`. */
    readonly loadTest?: k8s.batch.v1.Job;
    /** The generated database password, a Pulumi secret. */
    readonly databasePassword: pulumi.Output<string>;
    /** How to reach the lab. */
    readonly endpoints: pulumi.Output<NanomonEndpoints>;

    /** `name` is the instance name: every child's Pulumi name starts with it. */
    constructor(name: string, args: NanomonLabArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:labs:Nanomon", name, {}, opts);
        const partOf = { "app.kubernetes.io/part-of": name, "app.kubernetes.io/managed-by": "kubelab" };
        const images: ImageKey[] = ["nanomon-api", "nanomon-frontend", "nanomon-runner", "nanomon-postgres", ...(args.loadTest.enabled ? ["nanomon-load-test" as const] : [])];
        // Pod Security admission at the level every image allows (restricted; see ../../security.ts).
        this.namespace = labNamespace(name, args, images, this);
        const namespace = this.namespace.metadata.name;

        // The password is set in PostgreSQL when its data directory is first initialised; it stays
        // the same across updates (a random resource only changes when its inputs do).
        const password = new random.RandomPassword(`${name}-database-password`, { length: 32, special: false }, { parent: this });
        this.databasePassword = pulumi.secret(password.result);
        this.credentials = new k8s.core.v1.Secret(`${name}-database-creds`, {
            metadata: { name: NANOMON_NAMES.credentials, namespace, labels: partOf },
            type: "Opaque",
            stringData: { [NANOMON_NAMES.passwordKey]: this.databasePassword },
        }, { parent: this });
        const passwordRef = { secretName: this.credentials.metadata.name, key: NANOMON_NAMES.passwordKey };

        this.sqlInit = new k8s.core.v1.ConfigMap(`${name}-sql-init`, {
            metadata: { name: NANOMON_NAMES.sqlInit, namespace, labels: partOf },
            data: { [INIT_SQL_FILE]: INIT_SQL },
        }, { parent: this });

        this.postgres = new StatefulStore(`${name}-postgres`, {
            namespace,
            name: NANOMON_NAMES.postgres,
            partOf: name,
            replicas: 1,
            image: imageFor("nanomon-postgres", args.images),
            security: securityOf("nanomon-postgres"),
            port: POSTGRES_PORT,
            portName: "postgres",
            resources: { cpu: "50m", memory: "100Mi", cpuLimit: "100m", memoryLimit: "512Mi" },
            env: { POSTGRES_DB: NANOMON_DATABASE, POSTGRES_USER: DATABASE_USER, PGDATA },
            secretEnv: { POSTGRES_PASSWORD: passwordRef },
            readiness: { exec: ["pg_isready", "-U", DATABASE_USER], initialDelaySeconds: 5, periodSeconds: 10 },
            volume: { claimName: NANOMON_NAMES.claimTemplate, mountPath: POSTGRES_MOUNT, size: args.postgresStorage, storageClassName: args.storageClassName, setting: "nanomon.postgresStorage" },
            volumeLedger: args.volumeLedger,
            configMounts: [{ configMapName: this.sqlInit.metadata.name, mountPath: "/docker-entrypoint-initdb.d" }],
            protectData: args.protectData,
        }, { parent: this });

        // The DSN names `database`; the StatefulSet's own headless Service is `postgres`.
        this.database = new k8s.core.v1.Service(`${name}-database`, {
            metadata: { name: NANOMON_NAMES.database, namespace, labels: labelsFor(NANOMON_NAMES.postgres, name, "store") },
            spec: {
                selector: { app: NANOMON_NAMES.postgres },
                ports: [{ name: "postgres", port: POSTGRES_PORT, targetPort: "postgres" }],
            },
        }, { parent: this });

        const dbEnv = { POSTGRES_DSN };
        const dbSecretEnv = { POSTGRES_PASSWORD: passwordRef };
        const ingress = (paths: string[]) => ({ className: args.ingressClassName, host: args.ingressHost, paths });

        this.api = new Workload(`${name}-api`, {
            namespace,
            name: NANOMON_NAMES.api,
            app: NANOMON_NAMES.apiService,
            partOf: name,
            image: imageFor("nanomon-api", args.images),
            security: securityOf("nanomon-api"),
            port: API_PORT,
            autoscale: args.api,
            resources: { cpu: "50m", memory: "50Mi", memoryLimit: "128Mi" },
            env: dbEnv,
            secretEnv: dbSecretEnv,
            readiness: { httpGet: "/api/health", initialDelaySeconds: 5, periodSeconds: 10 },
        }, { parent: this });
        this.apiFront = new FrontDoor(`${name}-api-front`, {
            namespace, name: NANOMON_NAMES.apiService, partOf: name, ingress: ingress(["/api"]),
        }, { parent: this });

        this.frontend = new Workload(`${name}-frontend`, {
            namespace,
            name: NANOMON_NAMES.frontend,
            app: NANOMON_NAMES.frontendService,
            partOf: name,
            image: imageFor("nanomon-frontend", args.images),
            security: securityOf("nanomon-frontend"),
            port: FRONTEND_PORT,
            replicas: 1,
            resources: { cpu: "25m", memory: "32Mi", memoryLimit: "128Mi" },
            env: { API_ENDPOINT: "/api" },
            readiness: { httpGet: "/" },
        }, { parent: this });
        this.frontendFront = new FrontDoor(`${name}-frontend-front`, {
            namespace, name: NANOMON_NAMES.frontendService, partOf: name, ingress: ingress(["/"]),
        }, { parent: this });

        this.runner = this.createRunner(name, namespace, imageFor("nanomon-runner", args.images), dbEnv, dbSecretEnv);
        this.networkPolicies = this.lockDown(name, namespace, args.ingressControllerNamespace);

        if (args.loadTest.enabled) {
            this.loadTest = this.createLoadTest(name, namespace, imageFor("nanomon-load-test", args.images), args.loadTest);
        }

        const base = pulumi.interpolate`http://${args.ingressHost ?? args.ingressAddress}`;
        this.endpoints = pulumi.all([base, namespace]).apply(([url, ns]) => ({
            namespace: ns,
            frontend: `${url}/`,
            apiStatus: `${url}/api/status`,
            database: `${NANOMON_NAMES.database}.${ns}.svc.cluster.local:${POSTGRES_PORT} (inside the cluster, from the api and runner pods; kubectl -n ${ns} port-forward pod/postgres-0 ${POSTGRES_PORT})`,
            databasePassword: `kubectl -n ${ns} get secret ${NANOMON_NAMES.credentials} -o jsonpath='{.data.${NANOMON_NAMES.passwordKey}}' | base64 -d`,
            lesson: [
                `kubectl -n ${ns} get hpa ${NANOMON_NAMES.api} -w`,
                `kubectl -n ${ns} top pods`,
                `kubectl -n ${ns} get pods -l app=${NANOMON_NAMES.apiService} -w`,
                args.loadTest.enabled
                    ? `kubectl -n ${ns} logs -f job/${NANOMON_NAMES.loadTest}`
                    : "pulumi config set --path 'kubelab:nanomon.loadTest.enabled' true && pulumi up",
                `kubectl -n ${ns} delete pod postgres-0   # the monitors survive: the data is on claim postgres-pvc-postgres-0`,
            ],
        }));
        this.registerOutputs({ endpoints: this.endpoints, databasePassword: this.databasePassword });
    }

    /**
     * The runner: one pod, no port, nothing in front of it. Replaced with `Recreate` so that two
     * runners never run the same monitors at once during an update.
     */
    private createRunner(
        name: string, namespace: pulumi.Output<string>, image: string,
        env: Record<string, string>, secretEnv: Record<string, { secretName: pulumi.Input<string>; key: string }>,
    ): k8s.apps.v1.Deployment {
        const labels = labelsFor("runner", name, "worker");
        return new k8s.apps.v1.Deployment(`${name}-runner`, {
            metadata: { name: NANOMON_NAMES.runner, namespace, labels },
            spec: {
                replicas: 1,
                selector: { matchLabels: { app: "runner" } },
                strategy: { type: "Recreate" },
                template: {
                    metadata: { labels },
                    spec: withSecurity(securityOf("nanomon-runner"), {
                        containers: [{
                            name: "runner",
                            image,
                            env: envVars(env, secretEnv),
                            resources: resources({ cpu: "50m", memory: "50Mi", memoryLimit: "128Mi" }),
                        }],
                    }),
                },
            },
        }, { parent: this });
    }

    /**
     * Default-deny ingress for the namespace, then one opening per path the lab needs: the
     * ingress controller → frontend:8001 and api:8000, the load test → api:8000, api and runner
     * → postgres:5432 (../../network-policy.ts).
     */
    private lockDown(name: string, namespace: pulumi.Output<string>, ingressControllerNamespace: string): k8s.networking.v1.NetworkPolicy[] {
        const ingressController = { namespace: ingressControllerNamespace };
        return lockDownIngress(this, name, namespace, [
            { part: "frontend", name: "frontend-from-ingress-controller", to: [NANOMON_NAMES.frontendService], from: [ingressController], port: FRONTEND_PORT },
            {
                part: "api", name: "api-from-ingress-controller-and-load-test", to: [NANOMON_NAMES.apiService],
                from: [ingressController, { apps: [NANOMON_NAMES.loadTest] }], port: API_PORT,
            },
            { part: "database", name: "postgres-from-nanomon", to: [NANOMON_NAMES.postgres], from: [{ apps: [NANOMON_NAMES.apiService, "runner"] }], port: POSTGRES_PORT },
        ]);
    }

    /**
     * The tutorial's `hey -z <duration>s -c <concurrency> …/api/status`, in the cluster: busybox
     * `wget` loops against the api Service until the duration is over (a failed request waits a
     * second, so an api that is down is not hammered). Bounded three ways: the
     * settings' upper bounds, `activeDeadlineSeconds` (the duration plus a minute), and no retry.
     * Kubernetes deletes it 10 minutes after it finishes; `pulumi up` does not wait for it.
     */
    private createLoadTest(
        name: string, namespace: pulumi.Output<string>, image: string, load: NanomonSettings["loadTest"],
    ): k8s.batch.v1.Job {
        const labels = labelsFor(NANOMON_NAMES.loadTest, name, "load-test");
        const script = [
            'end=$(( $(date +%s) + $DURATION_SECONDS ))',
            'i=0',
            'while [ "$i" -lt "$CONCURRENCY" ]; do',
            '  ( ok=0; while [ "$(date +%s)" -lt "$end" ]; do if wget -q -T 5 -O /dev/null "$TARGET_URL"; then ok=$((ok + 1)); else sleep 1; fi; done; echo "loop done: $ok requests answered" ) &',
            '  i=$((i + 1))',
            'done',
            'wait',
        ].join("\n");
        return new k8s.batch.v1.Job(`${name}-load-test`, {
            metadata: { name: NANOMON_NAMES.loadTest, namespace, labels, annotations: { "pulumi.com/skipAwait": "true" } },
            spec: {
                backoffLimit: 0,
                activeDeadlineSeconds: load.durationSeconds + 60,
                ttlSecondsAfterFinished: 600,
                template: {
                    metadata: { labels },
                    spec: withSecurity(securityOf("nanomon-load-test"), {
                        restartPolicy: "Never",
                        containers: [{
                            name: "load-test",
                            image,
                            command: ["sh", "-c", script],
                            env: envVars({
                                DURATION_SECONDS: String(load.durationSeconds),
                                CONCURRENCY: String(load.concurrency),
                                TARGET_URL: `http://${NANOMON_NAMES.apiService}/api/status`,
                            }),
                            resources: resources({ cpu: "100m", memory: "16Mi", memoryLimit: "64Mi" }),
                        }],
                    }),
                },
            },
        }, { parent: this, deleteBeforeReplace: true });
    }
}

/** Deploys one instance (the registry loads this module only for stacks that deploy nanomon). */
export const deploy: LabDeploy<NanomonSettings> = (instance, settings, context, opts) =>
    new NanomonLab(instance.name, { ...settings, ...labBaseArgs(instance, context) }, opts);
