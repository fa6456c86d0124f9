/**
 * Lab 3, `knote`: make an app stateless, then scale it to 10 (learnk8s, "Scaling"; app
 * github.com/learnk8s/knote-js).
 *
 * - `stage`: `stateful` runs knote 1.0.0 (pictures on the pod's own disk: with 2 pods a picture
 *   shows on about every other reload), `stateless` (default) runs 2.0.0 (pictures in MinIO);
 * - knote (port 3000, `replicas` pods, 1 by default): notes go to MongoDB (`MONGO_URL`),
 *   pictures to MinIO (`MINIO_HOST`, port 9000 hard-coded in the app, bucket `image-storage`
 *   created by the app); it has no health endpoint, so readiness is `GET /` (the page lists the
 *   notes, so it also says MongoDB answers) and liveness only checks that port 3000 accepts
 *   connections (a MongoDB outage must not restart every knote pod);
 * - MongoDB: Deployment and Service `mongo` (27017), claim `mongo-pvc` (256Mi) at `/data/db`;
 * - MinIO: Deployment and Service `minio` (9000), `server /storage`, claim `minio-pvc` (256Mi)
 *   at `/storage`, strategy `Recreate` (a ReadWriteOnce volume); its access and secret keys are
 *   generated (`@pulumi/random`), kept in Secret `minio-creds` and read by MinIO and knote
 *   through `secretKeyRef` only;
 * - only knote is reachable from outside the cluster: one Ingress `/` → Service `knote` 80→3000;
 *   MongoDB and MinIO are ClusterIP Services, and NetworkPolicies admit connections to them only
 *   from this instance's knote pods (default deny for the rest of the namespace; knote accepts
 *   connections from the ingress controller's namespace only; ../../network-policy.ts);
 * - every pod runs as a non-root user with no ServiceAccount token, seccomp on and no
 *   capabilities (../../security.ts), and the namespace enforces Pod Security `restricted`;
 *   except in the stateful stage, whose knote 1.0.0 needs root to save pictures into its own
 *   directory: the namespace then enforces `baseline`, the reason annotated beside the label.
 *
 * Settings: `kubelab:knote` (./settings.ts). Instance name and namespace come from `kubelab:labs`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { FrontDoor } from "../../front-door";
import { ImageKey, imageFor } from "../../images";
import { lockDownIngress } from "../../network-policy";
import { securityOf } from "../../security";
import { Workload } from "../../workload";
import { LabBaseArgs, LabDeploy, labBaseArgs, labNamespace } from "../lab";
import { KnoteSettings } from "./settings";
import { SinglePodStore } from "./single-pod-store";

/** Names users type (LABS.md §3) and the Secret kubelab adds. */
export const KNOTE_NAMES = {
    knote: "knote",
    mongo: "mongo",
    mongoClaim: "mongo-pvc",
    minio: "minio",
    minioClaim: "minio-pvc",
    minioSecret: "minio-creds",
    /** Keys of {@link KNOTE_NAMES.minioSecret}. */
    accessKey: "access-key",
    secretKey: "secret-key",
} as const;

export const KNOTE_PORT = 3000;
export const MONGO_PORT = 27017;
/** Hard-coded in knote: the Service must expose exactly this port. */
export const MINIO_PORT = 9000;
/** Largest picture upload the Ingress lets through (ingress-nginx's default is 1m). */
export const MAX_UPLOAD = "16m";

/** The lab's own settings and what every lab gets from its instance and the stack ({@link LabBaseArgs}). */
export interface KnoteLabArgs extends KnoteSettings, LabBaseArgs {}

export interface KnoteEndpoints {
    namespace: string;
    /** The app, through the ingress controller. */
    knote: string;
    /** In-cluster only. */
    mongo: string;
    /** In-cluster only. */
    minio: string;
    /** How to read the generated MinIO keys (they are never stack outputs in the clear). */
    minioCredentials: string;
    /** kubectl commands that walk the lesson. */
    lesson: string[];
}

export class KnoteLab extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly minioCredentials: k8s.core.v1.Secret;
    readonly mongo: SinglePodStore;
    readonly minio: SinglePodStore;
    readonly knote: Workload;
    readonly knoteFront: FrontDoor;
    readonly networkPolicies: k8s.networking.v1.NetworkPolicy[];
    /** MinIO's generated access key (a Pulumi secret). */
    readonly minioAccessKey: pulumi.Output<string>;
    /** MinIO's generated secret key (a Pulumi secret). */
    readonly minioSecretKey: pulumi.Output<string>;
    /** How to reach the lab. */
    readonly endpoints: pulumi.Output<KnoteEndpoints>;

    /** `name` is the instance name: every child's Pulumi name starts with it. */
    constructor(name: string, args: KnoteLabArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:labs:Knote", name, {}, opts);
        // The stateful stage runs the release that writes pictures to the pod's own disk (MinIO
        // stays deployed and unused, so switching back loses nothing stored there).
        const knoteImage: ImageKey = args.stage === "stateful" ? "knote-stateful" : "knote";
        // Pod Security admission: restricted, except in the stateful stage, whose knote release
        // needs root (the documented exception in ../../security.ts, annotated on the namespace).
        this.namespace = labNamespace(name, args, [knoteImage, "knote-mongo", "knote-minio"], this);
        const namespace = this.namespace.metadata.name;

        // MinIO's keys: generated, never the tutorial's literals. Letters and digits only, so they
        // survive any shell or URL they are pasted into; MinIO wants ≥ 3 and ≥ 8 characters.
        const accessKey = new random.RandomPassword(`${name}-minio-access-key`, { length: 20, special: false }, { parent: this });
        const secretKey = new random.RandomPassword(`${name}-minio-secret-key`, { length: 40, special: false }, { parent: this });
        this.minioAccessKey = pulumi.secret(accessKey.result);
        this.minioSecretKey = pulumi.secret(secretKey.result);
        this.minioCredentials = new k8s.core.v1.Secret(`${name}-minio-creds`, {
            metadata: { name: KNOTE_NAMES.minioSecret, namespace, labels: { "app.kubernetes.io/part-of": name, "app.kubernetes.io/managed-by": "kubelab" } },
            type: "Opaque",
            stringData: { [KNOTE_NAMES.accessKey]: this.minioAccessKey, [KNOTE_NAMES.secretKey]: this.minioSecretKey },
        }, { parent: this });
        const secretName = this.minioCredentials.metadata.name;
        // knote and this MinIO release read these two names.
        const minioKeys = {
            MINIO_ACCESS_KEY: { secretName, key: KNOTE_NAMES.accessKey },
            MINIO_SECRET_KEY: { secretName, key: KNOTE_NAMES.secretKey },
        };
        // Newer MinIO releases read MINIO_ROOT_USER/MINIO_ROOT_PASSWORD instead: MinIO gets both
        // pairs, with the same values, so overriding the `knote-minio` image keeps working.
        const minioServerKeys = {
            ...minioKeys,
            MINIO_ROOT_USER: { secretName, key: KNOTE_NAMES.accessKey },
            MINIO_ROOT_PASSWORD: { secretName, key: KNOTE_NAMES.secretKey },
        };

        this.mongo = new SinglePodStore(`${name}-mongo`, {
            namespace,
            name: KNOTE_NAMES.mongo,
            partOf: name,
            image: imageFor("knote-mongo", args.images),
            security: securityOf("knote-mongo"),
            port: MONGO_PORT,
            portName: "mongodb",
            resources: { cpu: "100m", memory: "256Mi", memoryLimit: "1Gi" },
            readiness: { tcp: true, initialDelaySeconds: 5, periodSeconds: 10 },
            liveness: { tcp: true, initialDelaySeconds: 30, periodSeconds: 20 },
            volume: { claimName: KNOTE_NAMES.mongoClaim, mountPath: "/data/db", size: args.mongoStorage, storageClassName: args.storageClassName, setting: "knote.mongoStorage" },
            volumeLedger: args.volumeLedger,
            protectData: args.protectData,
        }, { parent: this });

        this.minio = new SinglePodStore(`${name}-minio`, {
            namespace,
            name: KNOTE_NAMES.minio,
            partOf: name,
            image: imageFor("knote-minio", args.images),
            security: securityOf("knote-minio"),
            args: ["server", "/storage"],
            port: MINIO_PORT,
            portName: "minio",
            resources: { cpu: "50m", memory: "128Mi", memoryLimit: "512Mi" },
            secretEnv: minioServerKeys,
            // MinIO's own unauthenticated health endpoints.
            readiness: { httpGet: "/minio/health/ready", initialDelaySeconds: 5, periodSeconds: 10 },
            liveness: { httpGet: "/minio/health/live", initialDelaySeconds: 15, periodSeconds: 20 },
            volume: { claimName: KNOTE_NAMES.minioClaim, mountPath: "/storage", size: args.minioStorage, storageClassName: args.storageClassName, setting: "knote.minioStorage" },
            volumeLedger: args.volumeLedger,
            protectData: args.protectData,
        }, { parent: this });

        this.knote = new Workload(`${name}-knote`, {
            namespace,
            name: KNOTE_NAMES.knote,
            partOf: name,
            image: imageFor(knoteImage, args.images),
            security: securityOf(knoteImage),
            port: KNOTE_PORT,
            replicas: args.replicas,
            resources: { cpu: "50m", memory: "64Mi", memoryLimit: "256Mi" },
            env: {
                MONGO_URL: pulumi.interpolate`mongodb://${this.mongo.serviceName}:${MONGO_PORT}/dev`,
                MINIO_HOST: this.minio.serviceName,
            },
            secretEnv: minioKeys,
            // No health endpoint: `GET /` renders the notes (so it needs MongoDB) for readiness;
            // liveness only asks whether the process accepts connections. knote opens port 3000
            // only once MongoDB and MinIO answer (it retries both every second), so liveness gives
            // a first start ~2.5 minutes (image pulls of the stores) before restarting it.
            readiness: { httpGet: "/", initialDelaySeconds: 5, periodSeconds: 10 },
            liveness: { tcp: true, initialDelaySeconds: 30, periodSeconds: 20, failureThreshold: 6 },
        }, { parent: this });
        this.knoteFront = new FrontDoor(`${name}-knote-front`, {
            namespace,
            name: KNOTE_NAMES.knote,
            partOf: name,
            ingress: {
                className: args.ingressClassName, host: args.ingressHost, paths: ["/"],
                // Pictures are uploaded through the ingress: ingress-nginx refuses bodies over 1m
                // by default (413), smaller than most phone photos.
                annotations: { "nginx.ingress.kubernetes.io/proxy-body-size": MAX_UPLOAD },
            },
        }, { parent: this });

        this.networkPolicies = this.lockDown(name, namespace, args.ingressControllerNamespace);

        const base = pulumi.interpolate`http://${args.ingressHost ?? args.ingressAddress}`;
        this.endpoints = pulumi.all([base, namespace, secretName]).apply(([url, ns, secret]) => ({
            namespace: ns,
            knote: `${url}/`,
            mongo: `mongo.${ns}.svc.cluster.local:${MONGO_PORT} (inside the cluster only, from knote's pods)`,
            minio: `minio.${ns}.svc.cluster.local:${MINIO_PORT} (inside the cluster only, from knote's pods)`,
            minioCredentials: `kubectl -n ${ns} get secret ${secret} -o jsonpath='{.data.${KNOTE_NAMES.accessKey}}' | base64 -d`,
            lesson: [
                "pulumi config set --path 'kubelab:knote.stage' stateful && pulumi config set --path 'kubelab:knote.replicas' 2 && pulumi up",
                `kubectl -n ${ns} get pods -l app=knote -o wide`,
                `kubectl -n ${ns} get deployment knote mongo minio`,
                `kubectl -n ${ns} get pvc mongo-pvc minio-pvc`,
                `kubectl -n ${ns} get networkpolicy`,
                "pulumi config set --path 'kubelab:knote.stage' stateless && pulumi up",
                "pulumi config set --path 'kubelab:knote.replicas' 10 && pulumi up",
            ],
        }));
        this.registerOutputs({ endpoints: this.endpoints, minioAccessKey: this.minioAccessKey, minioSecretKey: this.minioSecretKey });
    }

    /**
     * Default-deny ingress for the namespace, then one opening per path the lab needs: the
     * ingress controller → knote:3000, knote → mongo:27017, knote → minio:9000 (../../network-policy.ts).
     */
    private lockDown(name: string, namespace: pulumi.Output<string>, ingressControllerNamespace: string): k8s.networking.v1.NetworkPolicy[] {
        const knotePods = { apps: [KNOTE_NAMES.knote] };
        return lockDownIngress(this, name, namespace, [
            { part: "knote", name: "knote-from-ingress-controller", to: [KNOTE_NAMES.knote], from: [{ namespace: ingressControllerNamespace }], port: KNOTE_PORT },
            { part: "mongo", name: "mongo-from-knote", to: [KNOTE_NAMES.mongo], from: [knotePods], port: MONGO_PORT },
            { part: "minio", name: "minio-from-knote", to: [KNOTE_NAMES.minio], from: [knotePods], port: MINIO_PORT },
        ]);
    }
}

/** Deploys one instance (the registry loads this module only for stacks that deploy knote). */
export const deploy: LabDeploy<KnoteSettings> = (instance, settings, context, opts) =>
    new KnoteLab(instance.name, { ...settings, ...labBaseArgs(instance, context) }, opts);
