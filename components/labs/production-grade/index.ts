/**
 * Lab 4, `production-grade`: volumes, ingress rules, an autoscaler and five release strategies
 * (ContainerSolutions' "Production Grade Kubernetes", advanced features; LABS.md §4). The
 * workshop edited `extensions/v1beta1` objects by hand; here every scenario is a stack setting
 * (`kubelab:production-grade`, ./settings.ts) that a user flips, previews (`npm run plan --
 * --against`) and rolls back.
 *
 * - Volumes (./volumes.ts): Pods `busybox` (emptyDir `test` shared by containers `busy` and
 *   `box`), `busybox-memory` (the memory-backed variant, with a `sizeLimit`), `busybox-static`
 *   (a hand-made hostPath PersistentVolume and claim `static-pvc`, on minikube only) and
 *   `busybox-dynamic` (claim `mystorageclaim`, 2Gi, provisioned by the platform's class).
 * - The sample app: backend `pgk-back-deployment` (container `production-grade-be`,
 *   icrosby/k8s-real-demo, port 8080, `GET /readiness`, `GET /liveness`) behind Service
 *   `pgk-back-service` 80→8080, under HPA `pgk-hpa` (1–5 pods, CPU 50 %); frontend
 *   `pgk-front-deployment` (icrosby/k8s-real-fe, nginx on 80, proxying `/webapp/` to
 *   `pgk-back-service`) behind `pgk-front-service` 80→80.
 * - The log claim. The tutorial mounts the 8Gi ReadWriteOnce claim `logclaim` at `/var/log` into
 *   `pgk-back-deployment`, which its autoscaler scales to five pods spread over the nodes: a
 *   ReadWriteOnce volume attaches to one node, so every pod elsewhere hangs in
 *   ContainerCreating, and even on one node five processes append to one `app.log`; a rolling
 *   update deadlocks the same way. kubelab keeps both lessons and separates them:
 *   - the autoscaled backend writes `/var/log/app.log` to a per-pod emptyDir, and a sidecar
 *     `log` (busybox `tail -F`) streams it to standard output: `kubectl logs … -c log` shows it,
 *     and the cluster's log collection keeps it after the pod is gone (the twelve-factor way);
 *   - `logclaim` (8Gi, ReadWriteOnce) belongs to a single writer, Deployment `pgk-back-logs`:
 *     the same backend, one pod, strategy `Recreate`, no autoscaler, not behind the Service
 *     (reach it with `kubectl port-forward`). Delete its pod and the new one finds the old
 *     lines in `/var/log/app.log`: the "logs survive the pod" lesson, on storage that allows it.
 *   ReadWriteMany was not chosen: minikube's and the clouds' default classes don't offer it
 *   (AKS needs Azure Files, GKE Filestore, EKS EFS), and per-pod claims would turn the
 *   Deployment into a StatefulSet, which the tutorial's names rule out.
 *   `npm run check` on the tutorial's own combination (test/fixtures/check/
 *   production-grade-tutorial.yaml) reports it under `rwo-claim-single-writer`.
 * - Ingress: echo server `echoheaders` (registry.k8s.io/echoserver:1.10, 8080) behind Services
 *   `echoheaders-x` and `echoheaders-y` (80→8080), Ingress `echoheaders`: host `foo.bar.com`
 *   `/foo` → x; host `bar.baz.com` `/bar` → y and `/foo` → x. The frontend at
 *   `pgk.example.com/demo`; the backend's release route at `pgk.example.com/`. All
 *   `networking.k8s.io/v1` on the platform's IngressClass.
 * - Release strategies (./strategies.ts): recreate, ramped, blueGreen, canary, abTest.
 * - NetworkPolicies: default deny; the ingress controller's namespace may reach the backend,
 *   frontend and echo server, the frontend the backend.
 *
 * What depends on the platform: whether its ingress controller is ingress-nginx
 * ({@link usesIngressNginx}: canary weights and A/B routing are its annotations, the frontend's
 * `/demo` prefix is stripped with its rewrite), and whether hostPath volumes make sense (only on
 * minikube: a cloud node's disk goes with the node).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../../infra/config";
import { FrontDoor } from "../../front-door";
import { ImageKey, imageFor } from "../../images";
import { lockDownIngress } from "../../network-policy";
import { labelsFor } from "../../pod";
import { dataProtection } from "../../protect";
import { securityOf } from "../../security";
import { Sidecar, Workload } from "../../workload";
import { LabBaseArgs, LabDeploy, labBaseArgs, labNamespace } from "../lab";
import { ProductionGradeSettings, Version } from "./settings";
import { PGK, ReleasePlan, releasePlan } from "./strategies";
import { VolumePods, staticVolumeOpenCommand } from "./volumes";

const KEY = "kubelab:production-grade";

export const BACKEND_PORT = 8080;
export const FRONTEND_PORT = 80;
export const ECHO_PORT = 8080;

/** Names of the echo part and the log part (LABS.md §4, and the claim's single writer). */
export const ECHO = { app: "echoheaders", x: "echoheaders-x", y: "echoheaders-y", ingress: "echoheaders" } as const;
export const LOGS = { app: "pgk-back-logs", claim: "logclaim", mountPath: "/var/log", file: "/var/log/app.log", sidecar: "log" } as const;

/** The echo Ingress rules of the tutorial: host → path → Service. */
export const ECHO_RULES: { host: string; paths: { path: string; service: string }[] }[] = [
    { host: "foo.bar.com", paths: [{ path: "/foo", service: ECHO.x }] },
    { host: "bar.baz.com", paths: [{ path: "/bar", service: ECHO.y }, { path: "/foo", service: ECHO.x }] },
];

/** The backend container's name in the tutorial. */
export const BACKEND_CONTAINER = "production-grade-be";

/** What the lab needs to know about the platform. */
export interface PlatformTraits {
    /** `kubelab:platform`, e.g. `minikube`. */
    name: string;
    /** The IngressClass the labs' Ingresses name. */
    ingressClassName: string;
}

/**
 * Whether the platform's ingress controller is ingress-nginx, whose annotations this lab uses
 * (canary weights, header and cookie routing, the `/demo` rewrite). The one place that decides it.
 */
export function usesIngressNginx(platform: Pick<PlatformTraits, "ingressClassName">): boolean {
    return platform.ingressClassName === "nginx";
}

/** Whether the platform's nodes keep a hostPath directory long enough for a lesson: only a local minikube cluster. */
export function allowsHostPathVolume(platform: Pick<PlatformTraits, "name">): boolean {
    return platform.name === "minikube";
}

/**
 * Settings that the platform rules out, as config errors naming the key: A/B routing without
 * ingress-nginx, a hostPath volume off minikube. Returns whether the static volume is deployed.
 */
export function checkPlatform(s: ProductionGradeSettings, platform: PlatformTraits): { staticVolume: boolean } {
    if (s.strategy === "abTest" && !usesIngressNginx(platform)) {
        throw new ConfigError(`${KEY}.strategy`, s.strategy,
            `recreate, ramped, blueGreen or canary on this platform: abTest routes users to v2 by header and cookie with ingress-nginx's ` +
            `canary annotations, and platform ${platform.name} runs IngressClass ${platform.ingressClassName}, not nginx`);
    }
    const wanted = s.storage.staticVolume.enabled;
    if (wanted === true && !allowsHostPathVolume(platform)) {
        throw new ConfigError(`${KEY}.storage.staticVolume.enabled`, true,
            `false on platform ${platform.name}: the static volume is a hostPath directory on one node's disk, which a cloud node ` +
            `loses when it is replaced or scaled away, and restricted clusters forbid; the dynamic claim mystorageclaim shows ` +
            `provisioning there (hostPath volumes are for minikube only)`);
    }
    return { staticVolume: wanted ?? allowsHostPathVolume(platform) };
}

export interface ProductionGradeLabArgs extends ProductionGradeSettings, LabBaseArgs {
    platform: PlatformTraits;
}

export interface ProductionGradeEndpoints {
    namespace: string;
    strategy: string;
    /** The backend's release route, with the Host header it answers to. */
    app: string;
    frontend: string;
    /** The tutorial's three echo requests. */
    echo: string[];
    /** How to watch and push the autoscaler. */
    autoscaler: string[];
    /** How to try the current strategy, switch and roll back. */
    release: string[];
    /** The log lessons. */
    logs: string[];
    /** The storage lessons. */
    volumes: string[];
}

export class ProductionGradeLab extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly release: ReleasePlan;
    readonly backends: Workload[];
    readonly backendServices: FrontDoor[];
    readonly logClaim: k8s.core.v1.PersistentVolumeClaim;
    readonly logKeeper: Workload;
    readonly frontend: Workload;
    readonly echo: Workload;
    readonly ingresses: k8s.networking.v1.Ingress[];
    readonly volumes: VolumePods;
    readonly networkPolicies: k8s.networking.v1.NetworkPolicy[];
    readonly endpoints: pulumi.Output<ProductionGradeEndpoints>;

    constructor(name: string, args: ProductionGradeLabArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:labs:ProductionGrade", name, {}, opts);
        const { staticVolume } = checkPlatform(args, args.platform);
        const nginx = usesIngressNginx(args.platform);
        this.release = releasePlan(args, nginx);

        const backImage = (v: Version): ImageKey => v === "v1" ? "production-grade-back-v1" : "production-grade-back";
        const images: ImageKey[] = [
            "production-grade-busybox", "production-grade-front", "production-grade-echo", "production-grade-back",
            ...this.release.tracks.map(t => backImage(t.version)),
        ];
        this.namespace = labNamespace(name, args, images, this);
        const namespace = args.namespace;
        const ns = this.namespace.metadata.name;
        const child = { parent: this };
        const busybox = imageFor("production-grade-busybox", args.images);

        // The backend's logs: a per-pod emptyDir at /var/log, streamed to stdout by a sidecar.
        const logSidecar: Sidecar = {
            name: LOGS.sidecar,
            image: busybox,
            command: ["tail", "-n", "+1", "-F", LOGS.file],
            resources: { cpu: "5m", memory: "8Mi", memoryLimit: "32Mi" },
            volumeMounts: [{ name: "logs", mountPath: LOGS.mountPath, readOnly: true }],
            readiness: { exec: ["test", "-d", LOGS.mountPath], periodSeconds: 30 },
        };
        const backendBase = {
            namespace: ns,
            app: PGK.backApp,
            containerName: BACKEND_CONTAINER,
            partOf: name,
            port: BACKEND_PORT,
            resources: { cpu: "100m", memory: "32Mi", memoryLimit: "256Mi" },
            readiness: { httpGet: "/readiness", initialDelaySeconds: 3, periodSeconds: 5 },
            liveness: { httpGet: "/liveness", initialDelaySeconds: 10, periodSeconds: 10 },
            volumeMounts: [{ name: "logs", mountPath: LOGS.mountPath }],
            sidecars: [logSidecar],
        };

        this.backends = this.release.tracks.map(t => new Workload(`${name}-${t.name}`, {
            ...backendBase,
            name: t.name,
            version: t.version,
            track: t.track,
            image: imageFor(backImage(t.version), args.images),
            security: securityOf(backImage(t.version)),
            replicas: t.replicas,
            autoscale: t.autoscale,
            hpaName: PGK.hpa,
            strategy: t.strategy,
            volumes: [{ name: "logs", emptyDir: { sizeLimit: "256Mi" } }],
            // Side by side, a budget always: a canary weight change then changes replica counts only.
            alwaysDisruptionBudget: t.track !== undefined,
        }, child));

        this.backendServices = this.release.services.map(s => new FrontDoor(`${name}-${s.name}`, {
            namespace: ns, name: s.name, app: PGK.backApp, partOf: name, pin: s.pin, servicePort: 80,
        }, child));

        // The "logs survive the pod" lesson: logclaim with its single writer.
        this.logClaim = new k8s.core.v1.PersistentVolumeClaim(`${name}-logclaim`, {
            metadata: { name: LOGS.claim, namespace: ns, labels: labelsFor(LOGS.app, name, "storage") },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: args.storageClassName,
                resources: { requests: { storage: args.storage.logClaim } },
            },
        }, { ...child, ...dataProtection(args.protectData) });
        this.logKeeper = new Workload(`${name}-${LOGS.app}`, {
            ...backendBase,
            name: LOGS.app,
            app: LOGS.app,
            image: imageFor("production-grade-back", args.images),
            security: securityOf("production-grade-back"),
            replicas: 1,
            // ReadWriteOnce: the old pod lets go of the volume before the new one starts.
            strategy: { type: "Recreate" },
            volumes: [{ name: "logs", persistentVolumeClaim: { claimName: this.logClaim.metadata.name } }],
        }, child);

        this.frontend = new Workload(`${name}-${PGK.frontDeployment}`, {
            namespace: ns,
            name: PGK.frontDeployment,
            app: PGK.frontApp,
            containerName: "production-grade-fe",
            partOf: name,
            image: imageFor("production-grade-front", args.images),
            security: securityOf("production-grade-front"),
            port: FRONTEND_PORT,
            replicas: args.frontendReplicas,
            resources: { cpu: "10m", memory: "16Mi", memoryLimit: "64Mi" },
            readiness: { httpGet: "/", initialDelaySeconds: 2, periodSeconds: 10 },
            liveness: { tcp: true, initialDelaySeconds: 10, periodSeconds: 20 },
            // nginx binds port 80 as a non-root user: a namespaced sysctl Pod Security allows.
            sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
        }, child);
        const frontService = new FrontDoor(`${name}-${PGK.frontService}`, {
            namespace: ns, name: PGK.frontService, app: PGK.frontApp, partOf: name, servicePort: 80,
        }, child);

        this.echo = new Workload(`${name}-${ECHO.app}`, {
            namespace: ns,
            name: ECHO.app,
            app: ECHO.app,
            partOf: name,
            image: imageFor("production-grade-echo", args.images),
            security: securityOf("production-grade-echo"),
            port: ECHO_PORT,
            replicas: args.echoReplicas,
            resources: { cpu: "10m", memory: "32Mi", memoryLimit: "128Mi" },
            readiness: { httpGet: "/", periodSeconds: 10 },
        }, child);
        const echoServices = [ECHO.x, ECHO.y].map(svc => new FrontDoor(`${name}-${svc}`, {
            namespace: ns, name: svc, app: ECHO.app, partOf: name, servicePort: 80,
        }, child));

        const ingress = (resourceName: string, k8sName: string, app: string, annotations: Record<string, string> | undefined,
            rules: { host: string; paths: { path: string; pathType: "Prefix" | "ImplementationSpecific"; service: pulumi.Input<string> }[] }[],
            dependsOn: pulumi.Resource[]) =>
            new k8s.networking.v1.Ingress(resourceName, {
                metadata: { name: k8sName, namespace: ns, labels: labelsFor(app, name, "web"), annotations },
                spec: {
                    ingressClassName: args.ingressClassName,
                    rules: rules.map(r => ({
                        host: r.host,
                        http: {
                            paths: r.paths.map(p => ({
                                path: p.path, pathType: p.pathType,
                                backend: { service: { name: p.service, port: { number: 80 } } },
                            })),
                        },
                    })),
                },
            }, { parent: this, dependsOn });

        const serviceNamed = (svc: string): pulumi.Resource[] => {
            const i = this.release.services.findIndex(s => s.name === svc);
            return i >= 0 ? [this.backendServices[i]] : [];
        };
        this.ingresses = [
            ...this.release.routes.map(route => ingress(`${name}-${route.name}-ingress`, route.name, PGK.backApp, route.annotations,
                [{ host: args.appHost, paths: [{ path: "/", pathType: "Prefix", service: route.service }] }], serviceNamed(route.service))),
            // The frontend at /demo: ingress-nginx strips the prefix (the frontend serves at /); another controller gets the plain prefix.
            ingress(`${name}-${PGK.frontIngress}-ingress`, PGK.frontIngress, PGK.frontApp,
                nginx ? { "nginx.ingress.kubernetes.io/use-regex": "true", "nginx.ingress.kubernetes.io/rewrite-target": "/$2" } : undefined,
                [{ host: args.appHost, paths: [nginx
                    ? { path: "/demo(/|$)(.*)", pathType: "ImplementationSpecific", service: frontService.serviceName }
                    : { path: "/demo", pathType: "Prefix", service: frontService.serviceName }] }], [frontService]),
            ingress(`${name}-${ECHO.ingress}-ingress`, ECHO.ingress, ECHO.app, undefined,
                ECHO_RULES.map(r => ({ host: r.host, paths: r.paths.map(p => ({ path: p.path, pathType: "Prefix" as const, service: p.service })) })),
                echoServices),
        ];

        this.volumes = new VolumePods(`${name}-volumes`, {
            namespace,
            partOf: name,
            image: busybox,
            security: securityOf("production-grade-busybox"),
            storageClassName: args.storageClassName,
            memoryLimit: args.storage.memoryLimit,
            dynamicClaimSize: args.storage.dynamicClaim,
            staticVolume: staticVolume ? { size: args.storage.staticVolume.size } : undefined,
            protectData: args.protectData,
        }, { parent: this, dependsOn: [this.namespace] });

        this.networkPolicies = lockDownIngress(this, name, ns, [
            { part: "pgk-back", name: "pgk-back-from-ingress-controller-and-frontend", to: [PGK.backApp],
                from: [{ namespace: args.ingressControllerNamespace }, { apps: [PGK.frontApp] }], port: BACKEND_PORT },
            { part: "pgk-front", name: "pgk-front-from-ingress-controller", to: [PGK.frontApp], from: [{ namespace: args.ingressControllerNamespace }], port: FRONTEND_PORT },
            { part: "echoheaders", name: "echoheaders-from-ingress-controller", to: [ECHO.app], from: [{ namespace: args.ingressControllerNamespace }], port: ECHO_PORT },
        ]);

        const sameImage = imageFor("production-grade-back-v1", args.images) === imageFor("production-grade-back", args.images);
        this.endpoints = pulumi.all([pulumi.output(args.ingressAddress), ns]).apply(([address, nsName]) =>
            scenarios(args, this.release, nsName, address, { staticVolume, sameImage }));
        this.registerOutputs({ endpoints: this.endpoints });
    }
}

/** The stack output telling a user how to try each scenario from where the stack is now. */
export function scenarios(
    s: ProductionGradeSettings, release: ReleasePlan, ns: string, address: string,
    { staticVolume, sameImage }: { staticVolume: boolean; sameImage: boolean },
): ProductionGradeEndpoints {
    const host = s.appHost;
    const curl = (h: string, path: string, extra = "") => `curl${extra} -H 'Host: ${h}' "http://${address}${path}"`;
    const set = (path: string, value: string | number) => `pulumi config set --path '${KEY}.${path}' ${value} && pulumi up`;
    const watchPods = `kubectl -n ${ns} get pods -l app=${PGK.backApp} -L version,track -w`;
    const loop = `while sleep 0.5; do ${curl(host, "/")}; done`;
    const release_: string[] = [];
    switch (release.strategy) {
        case "recreate":
        case "ramped": {
            const next = s.version === "v1" ? "v2" : "v1";
            release_.push(
                `${release.strategy}: ${release.strategy === "recreate" ? "every old pod stops before a new one starts (a gap in the answers)" : "up to 2 extra new pods at a time, never fewer than the desired count ready"}`,
                watchPods, loop,
                `release: ${set("version", next)}`,
                `roll back: ${set("version", s.version)}`,
            );
            break;
        }
        case "blueGreen": {
            const active = s.blueGreen.activeVersion as Version;
            const idle: Version = active === "v1" ? "v2" : "v1";
            release_.push(
                `blueGreen: pgk-back-service sends all traffic to ${active}; ${idle} runs ${s.blueGreen.replicas[idle]} pod(s) beside it`,
                watchPods, loop,
                `test ${idle} before switching: kubectl -n ${ns} port-forward deploy/${PGK.backDeployment}-${idle} 8080:${BACKEND_PORT}`,
                `switch: ${set("blueGreen.activeVersion", idle)}  (the Service selector only: npm run plan -- --against shows it)`,
                `roll back: ${set("blueGreen.activeVersion", active)}`,
                `after a release, free the idle colour: ${set(`blueGreen.replicas.${idle}`, 0)}`,
            );
            break;
        }
        case "canary": {
            const { canaryWeight, replicas } = s.canary;
            const tracks = Object.fromEntries(release.tracks.map(t => [t.track ?? "", t.replicas ?? 0]));
            release_.push(
                `canary: ${canaryWeight} % on v2 (${tracks.stable} stable and ${tracks.canary} canary pods of ${replicas}` +
                `${release.routes.length > 1 ? "; ingress-nginx weighs requests through the Ingress exactly" : "; traffic follows the pod ratio"})`,
                watchPods, loop,
                `more traffic: ${set("canary.canaryWeight", Math.min(100, canaryWeight + 40))}`,
                `full rollout: ${set("canary.canaryWeight", 100)}`,
                `roll back: ${set("canary.canaryWeight", 0)}`,
            );
            break;
        }
        case "abTest": {
            const ab = s.abTest;
            release_.push(
                "abTest: everyone gets v1, the pool gets v2 (ingress-nginx canary-by-header / canary-by-cookie)",
                curl(host, "/"),
                ...(ab.header ? [curl(host, "/", ` -H '${ab.header}: ${ab.headerValue || "always"}'`)] : []),
                ...(ab.cookie ? [curl(host, "/", ` --cookie '${ab.cookie}=always'`)] : []),
                `end the test: ${set("strategy", "ramped")}`,
            );
            break;
        }
    }
    if (sameImage) {
        // The catalog pins k8s-real-demo:v2 for both releases (its first release is only published as `latest`).
        release_.push("v1 and v2 run the same image, so the answers name the same version: to see v1's, " +
            "pulumi config set --path 'kubelab:images.production-grade-back-v1' icrosby/k8s-real-demo:latest && pulumi up");
    }
    release_.push(`another strategy: ${set("strategy", "<recreate|ramped|blueGreen|canary|abTest>")}`,
        "preview a change first: cp out/<stack>.report.json before.json, set it, then npm run plan -- --stack <stack> --against before.json (or pulumi preview --diff)");
    const autoscaled = release.tracks.some(t => t.autoscale);
    return {
        namespace: ns,
        strategy: release.strategy,
        app: curl(host, "/"),
        frontend: `http://${host}/demo/ (point ${host} at ${address} in /etc/hosts, or ${curl(host, "/demo/")})`,
        echo: [curl("foo.bar.com", "/bar"), curl("bar.baz.com", "/bar"), curl("bar.baz.com", "/foo"), curl("foo.bar.com", "/foo")],
        autoscaler: autoscaled
            ? [`kubectl -n ${ns} get hpa ${PGK.hpa} -w`, curl(host, "/mineBitcoin?seconds=60"), `kubectl -n ${ns} top pods -l app=${PGK.backApp}`]
            : [`the autoscaler ${PGK.hpa} runs with strategy recreate or ramped: ${set("strategy", "ramped")}`],
        release: release_,
        logs: [
            `kubectl -n ${ns} logs deploy/${release.tracks[0].name} -c ${LOGS.sidecar} -f   (each backend pod's /var/log/app.log, streamed)`,
            `kubectl -n ${ns} port-forward deploy/${LOGS.app} 8080:${BACKEND_PORT} & curl -s localhost:8080/ >/dev/null`,
            `kubectl -n ${ns} delete pod -l app=${LOGS.app} --wait && kubectl -n ${ns} get pods -l app=${LOGS.app} -w   (a new pod, on the same claim)`,
            `kubectl -n ${ns} exec deploy/${LOGS.app} -c ${LOGS.sidecar} -- cat ${LOGS.file}   (the earlier pod's lines survive on ${LOGS.claim})`,
        ],
        volumes: [
            `kubectl -n ${ns} exec busybox -c box -- touch /box/foobar && kubectl -n ${ns} exec busybox -c busy -- ls -l /busy`,
            `kubectl -n ${ns} exec busybox-memory -c busy -- df -h /busy   (tmpfs, ${s.storage.memoryLimit} at most)`,
            ...(staticVolume ? [
                `kubectl get pv ${ns}-static-pv && kubectl -n ${ns} get pvc static-pvc`,
                `${staticVolumeOpenCommand(ns)}   (once: the hand-made directory is root's, and the pods run as nobody)`,
                `kubectl -n ${ns} exec busybox-static -c box -- touch /box/kept && kubectl -n ${ns} delete pod busybox-static`,
            ] : []),
            `kubectl -n ${ns} get pvc mystorageclaim && kubectl get pv`,
        ],
    };
}

/** Deploys one instance (the registry loads this module only for stacks that deploy production-grade). */
export const deploy: LabDeploy<ProductionGradeSettings> = (instance, settings, context, opts) =>
    new ProductionGradeLab(instance.name, {
        ...settings,
        // An instance's own host (kubelab:labs: [{lab: production-grade, host: …}]) replaces appHost;
        // the echo rules keep the tutorial's hosts.
        appHost: instance.host ?? settings.appHost,
        ...labBaseArgs(instance, context),
        platform: { name: context.platform.name, ingressClassName: context.platform.ingressClassName },
    }, opts);
