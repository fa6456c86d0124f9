/**
 * Settings of the nanomon lab, `kubelab:nanomon` (all optional, shared by every nanomon instance):
 *
 * ```yaml
 * kubelab:nanomon:
 *   postgresStorage: 500M   # size of PostgreSQL's claim postgres-pvc-postgres-0; may only grow
 *   api:
 *     minReplicas: 2        # the autoscaler's floor, 1–20
 *     maxReplicas: 10       # its ceiling, above minReplicas, at most 50
 *     cpuUtilization: 50    # average CPU use it aims for, % of the 50m request, 10–100
 *   loadTest:
 *     enabled: false        # a Job driving GET /api/status, to watch `kubectl get hpa -w`
 *     durationSeconds: 180  # how long it sends requests, 10–600
 *     concurrency: 20       # parallel request loops, 1–50
 *   ingressControllerNamespace: ingress-nginx   # where the ingress controller's pods run
 * ```
 *
 * The namespace is per instance: `kubelab:labs: [{lab: nanomon, namespace: monitoring}]`.
 */
import { z } from "zod";
import { boolean, dnsLabel, section, storage, wholeNumber } from "../../../infra/config";

/** Hard upper bounds of the load test: it shares a workshop cluster. */
export const LOAD_TEST_LIMITS = { durationSeconds: 600, concurrency: 50 } as const;

const apiSettings = section({
    /** Fewest api pods the autoscaler keeps. */
    minReplicas: wholeNumber(1, 20, " (the autoscaler's floor; at least 1 so the api Service has a pod)").default(2),
    /** Most api pods the autoscaler starts. */
    maxReplicas: wholeNumber(2, 50, " (the autoscaler's ceiling, above minReplicas)").default(10),
    /** Average CPU use, in % of each pod's CPU request, the autoscaler aims for. */
    cpuUtilization: wholeNumber(10, 100, " (percent of the api's 50m CPU request)").default(50),
}).superRefine((api, ctx) => {
    if (api.maxReplicas <= api.minReplicas) {
        ctx.addIssue({
            code: "custom", path: ["maxReplicas"], input: api.maxReplicas,
            message: `a whole number above minReplicas (${api.minReplicas}), at most 50: an autoscaler whose ceiling is its floor cannot scale`,
        });
    }
});

const loadTestSettings = section({
    /** Run the load test Job (off by default: it loads the cluster for `durationSeconds`). */
    enabled: boolean.default(false),
    /** How long the Job sends requests. */
    durationSeconds: wholeNumber(10, LOAD_TEST_LIMITS.durationSeconds, " seconds (the tutorial's hey -z 180s)").default(180),
    /** Request loops running at once. */
    concurrency: wholeNumber(1, LOAD_TEST_LIMITS.concurrency, " parallel request loops (the tutorial's hey -c 20)").default(20),
});

export const nanomonSettings = section({
    /** Size of PostgreSQL's claim `postgres-pvc-postgres-0`. */
    postgresStorage: storage().default("500M"),
    /** The api's HorizontalPodAutoscaler. */
    api: apiSettings.prefault({}),
    /** The optional load test. */
    loadTest: loadTestSettings.prefault({}),
    /**
     * Namespace of the ingress controller's pods: the lab's NetworkPolicies let only them reach
     * the api and the frontend from outside the namespace.
     */
    ingressControllerNamespace: dnsLabel.default("ingress-nginx"),
}, {
    moved: {
        namespace: "the namespace is set per lab instance: kubelab:labs: [{lab: nanomon, namespace: <namespace>}]",
    },
});

export type NanomonSettings = z.output<typeof nanomonSettings>;
