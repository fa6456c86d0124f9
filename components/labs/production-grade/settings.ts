/**
 * Settings of the production-grade lab, `kubelab:production-grade` (all optional, shared by every
 * production-grade instance):
 *
 * ```yaml
 * kubelab:production-grade:
 *   strategy: ramped          # how the backend is released: recreate | ramped | blueGreen | canary | abTest
 *   version: v1               # recreate, ramped: the release pgk-back-deployment runs; set v2 and watch the rollout
 *   autoscaler:               # recreate, ramped: HPA pgk-hpa on pgk-back-deployment
 *     minReplicas: 1
 *     maxReplicas: 5
 *     cpuUtilization: 50      # % of the backend's CPU request
 *   blueGreen:
 *     activeVersion: v1       # the colour the Service pgk-back-service selects; flip to v2 and back
 *     replicas: {v1: 3, v2: 3}  # per colour; 0 for the idle colour after a release
 *   canary:
 *     replicas: 10            # stable + canary pods
 *     canaryWeight: 10        # % of traffic (and of the pods) on v2, 0–100
 *   abTest:
 *     replicas: {v1: 2, v2: 1}
 *     header: X-Pool          # requests with X-Pool: beta go to v2 ("" turns header routing off)
 *     headerValue: beta
 *     cookie: pgk_pool        # a cookie pgk_pool=always goes to v2 ("" turns cookie routing off)
 *   frontendReplicas: 1
 *   echoReplicas: 1
 *   appHost: pgk.example.com  # host of the frontend (/demo) and of the backend's release route (/)
 *   storage:
 *     memoryLimit: 64Mi       # sizeLimit of the memory-backed emptyDir of Pod busybox-memory
 *     dynamicClaim: 2Gi       # claim mystorageclaim, provisioned by the platform's StorageClass
 *     logClaim: 8Gi           # claim logclaim, mounted at /var/log by the one-pod pgk-back-logs
 *     staticVolume:
 *       enabled: (unset)      # the hand-made hostPath PersistentVolume: default on minikube only, an error elsewhere
 *       size: 1Gi
 *   ingressControllerNamespace: ingress-nginx
 * ```
 *
 * Combinations that can't work are errors naming the key: a weight outside 0–100, an
 * `activeVersion` that has no Deployment (not v1 or v2, or scaled to 0), a canary that needs two
 * pods with one, A/B routing with neither a header nor a cookie. What depends on the platform
 * (A/B needs ingress-nginx, the hostPath volume needs minikube) is checked by the lab (./index.ts).
 */
import { z } from "zod";
import { HOST_NAME, boolean, dnsLabel, matching, oneOf, section, setting, storage, wholeNumber } from "../../../infra/config";

/** The five release strategies of the workshop's "Advanced Deployments". */
export const RELEASE_STRATEGIES = ["recreate", "ramped", "blueGreen", "canary", "abTest"] as const;
export type ReleaseStrategy = (typeof RELEASE_STRATEGIES)[number];

/** The backend releases there are Deployments for. */
export const VERSIONS = ["v1", "v2"] as const;
export type Version = (typeof VERSIONS)[number];

/** Most backend pods any setting may ask for (a workshop cluster). */
export const MAX_BACKEND_REPLICAS = 50;

const perVersion = (v1: number, v2: number, why: string) => section({
    v1: wholeNumber(0, MAX_BACKEND_REPLICAS, why).default(v1),
    v2: wholeNumber(0, MAX_BACKEND_REPLICAS, why).default(v2),
});

/** A label value such as v1 (checked against {@link VERSIONS} with the replicas, so the error can say why). */
const versionName = matching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, `a version with a Deployment: ${VERSIONS.join(" or ")}`);

/** An HTTP header name (RFC 9110 token), or "" for none. */
const headerName = matching(/^$|^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'an HTTP header name such as X-Pool, or "" to route by cookie only');
/** A cookie name (RFC 6265 token), or "" for none. */
const cookieName = matching(/^$|^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'a cookie name such as pgk_pool, or "" to route by header only');

const autoscalerSettings = section({
    /** Fewest backend pods the autoscaler keeps (the tutorial's 1). */
    minReplicas: wholeNumber(1, 20, " (the autoscaler's floor; the tutorial's 1)").default(1),
    /** Most backend pods it starts (the tutorial's 5). */
    maxReplicas: wholeNumber(2, MAX_BACKEND_REPLICAS, " (the autoscaler's ceiling, above minReplicas; the tutorial's 5)").default(5),
    /** Average CPU use, in % of each pod's CPU request, it aims for (the tutorial's 50). */
    cpuUtilization: wholeNumber(10, 100, " (percent of the backend's CPU request)").default(50),
}).superRefine((a, ctx) => {
    if (a.maxReplicas <= a.minReplicas) {
        ctx.addIssue({
            code: "custom", path: ["maxReplicas"], input: a.maxReplicas,
            message: `a whole number above minReplicas (${a.minReplicas}): an autoscaler whose ceiling is its floor cannot scale`,
        });
    }
});

const blueGreenSettings = section({
    /** The colour the Service selects: all traffic, at once. */
    activeVersion: versionName.default("v1"),
    /** Pods per colour; the idle one may be 0 (after a release), the active one not. */
    replicas: perVersion(3, 3, " pods of that colour (0 for the idle colour after a release)").prefault({}),
}).superRefine((bg, ctx) => {
    if (!(VERSIONS as readonly string[]).includes(bg.activeVersion)) {
        ctx.addIssue({ code: "custom", path: ["activeVersion"], input: bg.activeVersion, message: `a version with a Deployment: ${VERSIONS.join(" or ")} (there is no Deployment for ${bg.activeVersion})` });
    } else if (bg.replicas[bg.activeVersion as Version] === 0) {
        ctx.addIssue({
            code: "custom", path: ["activeVersion"], input: bg.activeVersion,
            message: `a version that runs pods: blueGreen.replicas.${bg.activeVersion} is 0, so the Service would select nothing ` +
                `(scale it up first, then switch: blueGreen.replicas.${bg.activeVersion} ≥ 1)`,
        });
    }
});

const canarySettings = section({
    /** Backend pods of both tracks together. */
    replicas: wholeNumber(1, MAX_BACKEND_REPLICAS, " (stable and canary pods together)").default(10),
    /** Share of the traffic, in percent, on v2: sets the replica split, and ingress-nginx's exact weight. */
    canaryWeight: wholeNumber(0, 100, " (percent of the traffic on the canary, v2)").default(10),
}).superRefine((c, ctx) => {
    if (c.canaryWeight > 0 && c.canaryWeight < 100 && c.replicas < 2) {
        ctx.addIssue({
            code: "custom", path: ["replicas"], input: c.replicas,
            message: `at least 2 with canaryWeight ${c.canaryWeight}: a stable and a canary pod (or canaryWeight 0 or 100 with one pod)`,
        });
    }
});

const abTestSettings = section({
    /** Pods per version: v1 serves everyone, v2 the pool. */
    replicas: perVersion(2, 1, " pods of that version (each at least 1: both pools need a pod)").prefault({}),
    /** Requests carrying this header (with {@link headerValue}) go to v2. */
    header: headerName.default("X-Pool"),
    /** The header value that selects v2 ("" routes on `always` / `never`, ingress-nginx's default). */
    headerValue: matching(/^$|^[\x21-\x7e]{1,128}$/, "a header value of visible ASCII characters, or \"\" for ingress-nginx's always/never").default("beta"),
    /** Requests carrying this cookie set to `always` go to v2. */
    cookie: cookieName.default("pgk_pool"),
}).superRefine((ab, ctx) => {
    for (const v of VERSIONS) {
        if (ab.replicas[v] === 0) {
            ctx.addIssue({ code: "custom", path: ["replicas", v], input: 0, message: `a whole number from 1 to ${MAX_BACKEND_REPLICAS}: in an A/B test both versions serve users` });
        }
    }
    if (ab.header === "" && ab.cookie === "") {
        ctx.addIssue({ code: "custom", path: ["header"], input: "", message: "a header name (or a cookie name in abTest.cookie): with neither, no user reaches v2" });
    }
});

const staticVolumeSettings = section({
    /**
     * The hand-made hostPath PersistentVolume and its claim. Unset: on minikube only. A hostPath
     * volume is a directory on one node's disk: on a cloud's nodes it is lost with the node, so
     * there it is an error (the lab says so).
     */
    enabled: boolean.optional(),
    /** Capacity of the volume and request of its claim. */
    size: storage("100Gi").default("1Gi"),
});

const volumeSettings = section({
    /** sizeLimit of the memory-backed emptyDir (it counts against the pod's memory limit). */
    memoryLimit: storage("1Gi").default("64Mi"),
    /** Size of the dynamically provisioned claim `mystorageclaim`. */
    dynamicClaim: storage().default("2Gi"),
    /** Size of the log claim `logclaim`. */
    logClaim: storage().default("8Gi"),
    /** The static PersistentVolume. */
    staticVolume: staticVolumeSettings.prefault({}),
});

export const productionGradeSettings = section({
    /** How the backend is released; each strategy's parameters are in its own section. */
    strategy: oneOf(RELEASE_STRATEGIES, " (recreate and ramped run one Deployment under the autoscaler; blueGreen, canary and abTest run v1 and v2 side by side)").default("ramped"),
    /** recreate, ramped: the release `pgk-back-deployment` runs. */
    version: oneOf(VERSIONS).default("v1"),
    /** recreate, ramped: the autoscaler `pgk-hpa`. */
    autoscaler: autoscalerSettings.prefault({}),
    blueGreen: blueGreenSettings.prefault({}),
    canary: canarySettings.prefault({}),
    abTest: abTestSettings.prefault({}),
    /** Frontend pods (`pgk-front-deployment`). */
    frontendReplicas: wholeNumber(1, 10).default(1),
    /** Echo server pods (behind `echoheaders-x` and `echoheaders-y`). */
    echoReplicas: wholeNumber(1, 10).default(1),
    /**
     * Host of the frontend (`/demo`) and the backend's release route (`/`); an instance's own
     * `host` in `kubelab:labs` replaces it. The echo rules keep the tutorial's hosts.
     */
    appHost: setting(z.string().regex(HOST_NAME), "a DNS host name such as pgk.example.com").default("pgk.example.com"),
    storage: volumeSettings.prefault({}),
    /** Namespace of the ingress controller's pods: the only source the lab's NetworkPolicies admit from outside. */
    ingressControllerNamespace: dnsLabel.default("ingress-nginx"),
});

export type ProductionGradeSettings = z.output<typeof productionGradeSettings>;
