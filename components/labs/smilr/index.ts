/**
 * Lab 1, `smilr`: scale stateless services out, persist MongoDB
 * (AKS workshop, module 6; app github.com/benc-uk/smilr).
 *
 * - data-api (port 4000) and frontend (port 3000), `replicas` pods each (3 by default), spread
 *   across nodes; the data-api's `GET /api/info` returns the `hostname` of the pod that answered,
 *   so reloading it shows the Service balancing across pods;
 * - MongoDB as StatefulSet `mongodb` (pod `mongodb-0`, claim `mongo-vol-mongodb-0`, 500M by
 *   default): deleting the pod, or the whole StatefulSet, loses no data;
 * - one Ingress host: `/` → frontend, `/api` → data-api;
 * - NetworkPolicies (../../network-policy.ts): ingress denied by default; the ingress
 *   controller's namespace reaches frontend:3000 and data-api:4000, and only this instance's
 *   data-api pods reach MongoDB on 27017;
 * - every pod runs as a non-root user with no ServiceAccount token, seccomp on and no
 *   capabilities (../../security.ts), and the namespace enforces Pod Security `restricted`.
 *
 * Settings: `kubelab:smilr` (./settings.ts). Instance name and namespace come from `kubelab:labs`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { FrontDoor } from "../../front-door";
import { imageFor } from "../../images";
import { lockDownIngress } from "../../network-policy";
import { securityOf } from "../../security";
import { StatefulStore } from "../../stateful-store";
import { Workload } from "../../workload";
import { LabBaseArgs, LabDeploy, labBaseArgs, labNamespace } from "../lab";
import { SmilrSettings } from "./settings";

export const DATA_API_PORT = 4000;
export const FRONTEND_PORT = 3000;
export const MONGO_PORT = 27017;

/** The lab's own settings and what every lab gets from its instance and the stack ({@link LabBaseArgs}). */
export interface SmilrLabArgs extends SmilrSettings, LabBaseArgs {}

export interface SmilrEndpoints {
    namespace: string;
    frontend: string;
    dataApiInfo: string;
    mongodb: string;
}

export class SmilrLab extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly mongodb: StatefulStore;
    readonly dataApi: Workload;
    readonly dataApiFront: FrontDoor;
    readonly frontend: Workload;
    readonly frontendFront: FrontDoor;
    /** Default-deny ingress for the namespace, and one opening per path the lab needs. */
    readonly networkPolicies: k8s.networking.v1.NetworkPolicy[];
    /** How to reach the lab. */
    readonly endpoints: pulumi.Output<SmilrEndpoints>;

    /** `name` is the instance name: every child's Pulumi name starts with it. */
    constructor(name: string, args: SmilrLabArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:labs:Smilr", name, {}, opts);
        // Pod Security admission at the level every image allows (restricted; see ../../security.ts).
        this.namespace = labNamespace(name, args, ["smilr-data-api", "smilr-frontend", "smilr-mongodb"], this);
        const namespace = this.namespace.metadata.name;

        this.mongodb = new StatefulStore(`${name}-mongodb`, {
            namespace,
            name: "mongodb",
            partOf: name,
            replicas: 1,
            image: imageFor("smilr-mongodb", args.images),
            security: securityOf("smilr-mongodb"),
            port: MONGO_PORT,
            portName: "mongodb",
            resources: { cpu: "100m", memory: "256Mi", memoryLimit: "1Gi" },
            readiness: { tcp: true, initialDelaySeconds: 5, periodSeconds: 10 },
            volume: { claimName: "mongo-vol", mountPath: "/data/db", size: args.mongoStorage, storageClassName: args.storageClassName, setting: "smilr.mongoStorage" },
            volumeLedger: args.volumeLedger,
            protectData: args.protectData,
        }, { parent: this });

        const ingress = (paths: string[]) => ({ className: args.ingressClassName, host: args.ingressHost, paths });
        // Before the Workload/FrontDoor split, each of data-api and frontend was one WebService
        // component named `<instance>-<part>`: its objects keep their identity.
        const formerWebService = (part: string) => pulumi.createUrn(`${name}-${part}`, "kubelab:components:WebService", this);

        this.dataApi = new Workload(`${name}-data-api`, {
            namespace,
            name: "data-api",
            partOf: name,
            image: imageFor("smilr-data-api", args.images),
            security: securityOf("smilr-data-api"),
            port: DATA_API_PORT,
            replicas: args.replicas,
            resources: { cpu: "50m", memory: "64Mi", memoryLimit: "256Mi" },
            env: {
                MONGO_CONNSTR: pulumi.interpolate`mongodb://${this.mongodb.serviceName}:${MONGO_PORT}`,
                MONGO_DB_NAME: args.mongoDbName,
            },
            // /api/info (like /api/health, which shares its handler) answers 503 while MongoDB is
            // unreachable: the pod is not ready then, but must not be restarted, so liveness only
            // checks that the process accepts connections on its port.
            readiness: { httpGet: "/api/info", initialDelaySeconds: 5, periodSeconds: 10 },
            liveness: { tcp: true, initialDelaySeconds: 15, periodSeconds: 20 },
            formerComponent: formerWebService("data-api"),
        }, { parent: this });
        this.dataApiFront = new FrontDoor(`${name}-data-api-front`, {
            namespace, name: "data-api", partOf: name, ingress: ingress(["/api"]), formerComponent: formerWebService("data-api"),
        }, { parent: this });

        this.frontend = new Workload(`${name}-frontend`, {
            namespace,
            name: "frontend",
            partOf: name,
            image: imageFor("smilr-frontend", args.images),
            security: securityOf("smilr-frontend"),
            port: FRONTEND_PORT,
            replicas: args.replicas,
            resources: { cpu: "25m", memory: "64Mi", memoryLimit: "128Mi" },
            env: { API_ENDPOINT: "/api" },
            readiness: { httpGet: "/", initialDelaySeconds: 5, periodSeconds: 10 },
            liveness: { httpGet: "/", initialDelaySeconds: 15, periodSeconds: 20 },
            formerComponent: formerWebService("frontend"),
        }, { parent: this });
        this.frontendFront = new FrontDoor(`${name}-frontend-front`, {
            namespace, name: "frontend", partOf: name, ingress: ingress(["/"]), formerComponent: formerWebService("frontend"),
        }, { parent: this });

        const ingressController = { namespace: args.ingressControllerNamespace };
        this.networkPolicies = lockDownIngress(this, name, namespace, [
            { part: "frontend", name: "frontend-from-ingress-controller", to: ["frontend"], from: [ingressController], port: FRONTEND_PORT },
            { part: "data-api", name: "data-api-from-ingress-controller", to: ["data-api"], from: [ingressController], port: DATA_API_PORT },
            { part: "mongodb", name: "mongodb-from-data-api", to: ["mongodb"], from: [{ apps: ["data-api"] }], port: MONGO_PORT },
        ]);

        const base = pulumi.interpolate`http://${args.ingressHost ?? args.ingressAddress}`;
        this.endpoints = pulumi.all([base, namespace]).apply(([url, ns]) => ({
            namespace: ns,
            frontend: `${url}/`,
            dataApiInfo: `${url}/api/info`,
            mongodb: `mongodb-0.mongodb.${ns}.svc.cluster.local:${MONGO_PORT} (kubectl -n ${ns} port-forward pod/mongodb-0 ${MONGO_PORT})`,
        }));
        this.registerOutputs({ endpoints: this.endpoints });
    }
}

/** Deploys one instance (the registry loads this module only for stacks that deploy smilr). */
export const deploy: LabDeploy<SmilrSettings> = (instance, settings, context, opts) =>
    new SmilrLab(instance.name, { ...settings, ...labBaseArgs(instance, context) }, opts);
