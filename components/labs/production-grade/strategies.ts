/**
 * The five release strategies of the workshop's "Advanced Deployments" as plain data: which
 * backend Deployments run (version, track, replicas, rollout), which Services select them and
 * which Ingresses route to those Services. ./index.ts turns a {@link ReleasePlan} into objects;
 * being plain data, the plan is tested without Pulumi.
 *
 * Every strategy keeps the names users type: Service `pgk-back-service` (the frontend's nginx
 * proxies `/webapp/` to it), and the backend's route at `/` of the app host (Ingress `pgk-back`).
 *
 * - recreate: one Deployment `pgk-back-deployment`, `strategy: Recreate`, under HPA `pgk-hpa`;
 * - ramped: the same with `RollingUpdate`, `maxSurge: 2`, `maxUnavailable: 0`;
 * - blueGreen: `pgk-back-deployment-v1` (track blue) and `-v2` (track green), each with its own
 *   replica count; `pgk-back-service` selects `version: <activeVersion>`. Flipping the version
 *   changes that selector and nothing else;
 * - canary: `-v1` (track stable) and `-v2` (track canary), the replicas split by the weight
 *   ({@link canarySplit}); `pgk-back-service` selects both, so in-cluster traffic follows the
 *   replica ratio. With ingress-nginx, the route at `/` goes to Service `pgk-back-v1` and a
 *   second Ingress `pgk-back-canary` with `canary-weight` to `pgk-back-v2`: exact weights. At
 *   0 % (roll back) and 100 % (full rollout) one side has no pod: the route then goes to the
 *   other side's Service alone, and the canary route and the empty side's Service go away;
 * - abTest (ingress-nginx only): `-v1` (track a) and `-v2` (track b); `pgk-back-service` selects
 *   v1 (everyone), Ingress `pgk-back-canary` with `canary-by-header` / `canary-by-cookie` sends
 *   the pool to `pgk-back-v2`.
 *
 * The autoscaler runs only with one Deployment (recreate, ramped): in the side-by-side
 * strategies the replica counts are the lesson, and an autoscaler would own them.
 */
import { AutoscaleSpec, RolloutStrategy } from "../../workload";
import { ProductionGradeSettings, Version } from "./settings";

/** The names the tutorial and the lab use. */
export const PGK = {
    backApp: "pgk-back",
    backDeployment: "pgk-back-deployment",
    backService: "pgk-back-service",
    hpa: "pgk-hpa",
    backIngress: "pgk-back",
    canaryIngress: "pgk-back-canary",
    frontApp: "pgk-front",
    frontDeployment: "pgk-front-deployment",
    frontService: "pgk-front-service",
    frontIngress: "pgk-front",
} as const;

/** Kubernetes name of a version's Deployment in the side-by-side strategies. */
export const versionDeployment = (v: Version) => `${PGK.backDeployment}-${v}`;
/** Kubernetes name of the Service selecting only one version's pods. */
export const versionService = (v: Version) => `${PGK.backApp}-${v}`;

/** ingress-nginx's canary annotations. */
export const NGINX = {
    canary: "nginx.ingress.kubernetes.io/canary",
    weight: "nginx.ingress.kubernetes.io/canary-weight",
    byHeader: "nginx.ingress.kubernetes.io/canary-by-header",
    byHeaderValue: "nginx.ingress.kubernetes.io/canary-by-header-value",
    byCookie: "nginx.ingress.kubernetes.io/canary-by-cookie",
} as const;

/** One backend Deployment. */
export interface BackendTrack {
    /** Kubernetes name. */
    name: string;
    version: Version;
    /** Label `track`, which keeps two Deployments' selectors apart; unset for the single Deployment. */
    track?: string;
    /** Fixed count (may be 0 for an idle colour); unset under the autoscaler. */
    replicas?: number;
    autoscale?: AutoscaleSpec;
    strategy: RolloutStrategy;
}

/** A Service in front of backend pods: `app: pgk-back` plus `pin`. */
export interface BackendService {
    name: string;
    pin?: Record<string, string>;
}

/** An Ingress routing the app host's `/` to a backend Service. */
export interface BackendRoute {
    name: string;
    service: string;
    /** ingress-nginx canary annotations (the second route only). */
    annotations?: Record<string, string>;
}

export interface ReleasePlan {
    strategy: ProductionGradeSettings["strategy"];
    tracks: BackendTrack[];
    services: BackendService[];
    /** The main route first, then the canary route if any. */
    routes: BackendRoute[];
}

/** Rolling updates of the side-by-side Deployments: never below the desired count. */
const ROLLING: RolloutStrategy = { type: "RollingUpdate", maxSurge: 1, maxUnavailable: 0 };

/**
 * Stable and canary pods for `weight` percent of `replicas` on the canary: the nearest split,
 * but at least one pod on each side that gets traffic (a weight above 0 needs a canary pod, one
 * below 100 a stable pod). 10 % of 10 is 9 and 1.
 */
export function canarySplit(replicas: number, weight: number): { stable: number; canary: number } {
    if (!Number.isInteger(replicas) || replicas < 1 || !Number.isInteger(weight) || weight < 0 || weight > 100) {
        throw new Error(`canarySplit: replicas must be a whole number ≥ 1 and weight 0–100, got ${replicas} and ${weight}`);
    }
    if (weight === 0 || weight === 100) {
        return weight === 0 ? { stable: replicas, canary: 0 } : { stable: 0, canary: replicas };
    }
    if (replicas < 2) {
        throw new Error(`canarySplit: a weight of ${weight} % needs a stable and a canary pod, got ${replicas} replica`);
    }
    const canary = Math.min(replicas - 1, Math.max(1, Math.round((replicas * weight) / 100)));
    return { stable: replicas - canary, canary };
}

/** The ingress-nginx annotations of the A/B route: header and/or cookie, exactly as the controller reads them. */
export function abTestAnnotations(ab: ProductionGradeSettings["abTest"]): Record<string, string> {
    return {
        [NGINX.canary]: "true",
        ...(ab.header ? { [NGINX.byHeader]: ab.header } : {}),
        ...(ab.header && ab.headerValue ? { [NGINX.byHeaderValue]: ab.headerValue } : {}),
        ...(ab.cookie ? { [NGINX.byCookie]: ab.cookie } : {}),
    };
}

/**
 * What a strategy deploys. `ingressNginx` says whether the platform's ingress controller is
 * ingress-nginx (canary weights through annotations; A/B needs it, the caller refuses abTest
 * without it).
 */
export function releasePlan(s: ProductionGradeSettings, ingressNginx: boolean): ReleasePlan {
    const all: BackendService = { name: PGK.backService };
    const main = (service: string): BackendRoute => ({ name: PGK.backIngress, service });
    const pinned = (v: Version): BackendService => ({ name: versionService(v), pin: { version: v } });
    switch (s.strategy) {
        case "recreate":
        case "ramped":
            return {
                strategy: s.strategy,
                tracks: [{
                    name: PGK.backDeployment,
                    version: s.version,
                    autoscale: s.autoscaler,
                    strategy: s.strategy === "recreate" ? { type: "Recreate" } : { type: "RollingUpdate", maxSurge: 2, maxUnavailable: 0 },
                }],
                services: [all],
                routes: [main(PGK.backService)],
            };
        case "blueGreen":
            return {
                strategy: s.strategy,
                tracks: [
                    { name: versionDeployment("v1"), version: "v1", track: "blue", replicas: s.blueGreen.replicas.v1, strategy: ROLLING },
                    { name: versionDeployment("v2"), version: "v2", track: "green", replicas: s.blueGreen.replicas.v2, strategy: ROLLING },
                ],
                services: [{ name: PGK.backService, pin: { version: s.blueGreen.activeVersion } }],
                routes: [main(PGK.backService)],
            };
        case "canary": {
            const split = canarySplit(s.canary.replicas, s.canary.canaryWeight);
            const tracks: BackendTrack[] = [
                { name: versionDeployment("v1"), version: "v1", track: "stable", replicas: split.stable, strategy: ROLLING },
                { name: versionDeployment("v2"), version: "v2", track: "canary", replicas: split.canary, strategy: ROLLING },
            ];
            if (!ingressNginx) {
                return { strategy: s.strategy, tracks, services: [all], routes: [main(PGK.backService)] };
            }
            // At 0 % (and at 100 %) one side runs no pod: the route goes to the other side alone,
            // with no canary route and no Service selecting the empty side.
            if (s.canary.canaryWeight === 0 || s.canary.canaryWeight === 100) {
                const only: Version = s.canary.canaryWeight === 0 ? "v1" : "v2";
                return { strategy: s.strategy, tracks, services: [all, pinned(only)], routes: [main(versionService(only))] };
            }
            return {
                strategy: s.strategy,
                tracks,
                services: [all, pinned("v1"), pinned("v2")],
                routes: [
                    main(versionService("v1")),
                    { name: PGK.canaryIngress, service: versionService("v2"), annotations: { [NGINX.canary]: "true", [NGINX.weight]: String(s.canary.canaryWeight) } },
                ],
            };
        }
        case "abTest":
            if (!ingressNginx) {
                throw new Error("releasePlan: abTest routes by header and cookie through ingress-nginx; the caller refuses it on other controllers");
            }
            return {
                strategy: s.strategy,
                tracks: [
                    { name: versionDeployment("v1"), version: "v1", track: "a", replicas: s.abTest.replicas.v1, strategy: ROLLING },
                    { name: versionDeployment("v2"), version: "v2", track: "b", replicas: s.abTest.replicas.v2, strategy: ROLLING },
                ],
                services: [{ name: PGK.backService, pin: { version: "v1" } }, pinned("v2")],
                routes: [main(PGK.backService), { name: PGK.canaryIngress, service: versionService("v2"), annotations: abTestAnnotations(s.abTest) }],
            };
    }
}
