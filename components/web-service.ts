/**
 * A stateless web service: Deployment + Service, and optionally an Ingress, a
 * HorizontalPodAutoscaler and a PodDisruptionBudget.
 *
 * What it gets right for scaling:
 * - every container requests CPU and memory and has a memory limit (an HPA on CPU needs the request);
 * - pods spread across nodes (topology spread on `kubernetes.io/hostname`);
 * - rolling updates never drop below the desired count (`maxUnavailable: 0`);
 * - with `autoscale`, `spec.replicas` is left out so `pulumi up` never fights the autoscaler;
 * - with two or more pods, a PodDisruptionBudget keeps all but one running through node drains.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ProbeSpec, ResourceSpec, SecretRef, envVars, labelsFor, probe, resources } from "./pod";

export interface AutoscaleSpec {
    /** Fewest pods the autoscaler keeps, at least 1. */
    minReplicas: number;
    /** Most pods the autoscaler starts, more than `minReplicas`. */
    maxReplicas: number;
    /** Average CPU use, as a percentage of the CPU request, the autoscaler aims for. */
    cpuUtilization: number;
}

export interface WebServiceArgs {
    /** Namespace the service lives in. */
    namespace: pulumi.Input<string>;
    /** Kubernetes name of the Deployment, Service and pods' `app` label, e.g. `data-api`. */
    name: string;
    /** Lab the service belongs to (label `app.kubernetes.io/part-of`). */
    partOf: string;
    /** Image reference with a pinned tag. */
    image: string;
    /** Port the container listens on. */
    port: number;
    /** Port the Service exposes (default 80), forwarded to `port`. */
    servicePort?: number;
    /** Service type (default ClusterIP). */
    serviceType?: "ClusterIP" | "NodePort" | "LoadBalancer";
    /** A fixed number of pods; leave unset when `autoscale` is given. */
    replicas?: number;
    /** Autoscale on CPU instead of a fixed count. */
    autoscale?: AutoscaleSpec;
    /** CPU and memory requests and the memory limit. */
    resources: ResourceSpec;
    /** Plain environment variables (no credentials here: use `secretEnv`). */
    env?: Record<string, pulumi.Input<string>>;
    /** Environment variables read from Secrets. */
    secretEnv?: Record<string, SecretRef>;
    /** Command arguments for the container. */
    args?: string[];
    /** When the pod can take traffic. */
    readiness: ProbeSpec;
    /** When the container should be restarted; unset means never by probe. */
    liveness?: ProbeSpec;
    /**
     * How hard pods spread across nodes: `preferred` (default) spreads when it can and still
     * schedules on a one-node cluster; `required` leaves pods Pending rather than share a node.
     */
    spread?: "preferred" | "required";
    /** Expose through an Ingress of this class on these paths (Prefix) and optional host. */
    ingress?: { className: string; host?: string; paths: string[] };
}

export class WebService extends pulumi.ComponentResource {
    /** The Deployment. */
    readonly deployment: k8s.apps.v1.Deployment;
    /** The Service in front of it. */
    readonly service: k8s.core.v1.Service;
    /** The autoscaler, when `autoscale` is given. */
    readonly autoscaler?: k8s.autoscaling.v2.HorizontalPodAutoscaler;
    /** The disruption budget, when at least two pods run. */
    readonly disruptionBudget?: k8s.policy.v1.PodDisruptionBudget;
    /** The Ingress, when `ingress` is given. */
    readonly ingress?: k8s.networking.v1.Ingress;
    /** Name of the Service, for other components to address. */
    readonly serviceName: pulumi.Output<string>;

    constructor(name: string, args: WebServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:components:WebService", name, {}, opts);
        checkArgs(name, args);

        const labels = labelsFor(args.name, args.partOf, "web");
        const selector = { app: args.name };
        const metadata = { name: args.name, namespace: args.namespace, labels };
        const servicePort = args.servicePort ?? 80;
        const fewestPods = args.autoscale ? args.autoscale.minReplicas : (args.replicas ?? 1);

        this.deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata,
            spec: {
                // Left out under an autoscaler: a pinned count would reset the HPA's choice on every update.
                replicas: args.autoscale ? undefined : (args.replicas ?? 1),
                selector: { matchLabels: selector },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: {
                    metadata: { labels },
                    spec: {
                        topologySpreadConstraints: [{
                            maxSkew: 1,
                            topologyKey: "kubernetes.io/hostname",
                            whenUnsatisfiable: args.spread === "required" ? "DoNotSchedule" : "ScheduleAnyway",
                            labelSelector: { matchLabels: selector },
                        }],
                        containers: [{
                            name: args.name,
                            image: args.image,
                            args: args.args,
                            ports: [{ name: "http", containerPort: args.port }],
                            env: envVars(args.env, args.secretEnv),
                            resources: resources(args.resources),
                            readinessProbe: probe(args.readiness, args.port),
                            livenessProbe: args.liveness ? probe(args.liveness, args.port) : undefined,
                        }],
                    },
                },
            },
        }, { parent: this });

        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata,
            spec: {
                type: args.serviceType ?? "ClusterIP",
                selector,
                ports: [{ name: "http", port: servicePort, targetPort: "http" }],
            },
        }, { parent: this });
        this.serviceName = this.service.metadata.name;

        if (args.autoscale) {
            this.autoscaler = new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
                metadata,
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: this.deployment.metadata.name },
                    minReplicas: args.autoscale.minReplicas,
                    maxReplicas: args.autoscale.maxReplicas,
                    metrics: [{
                        type: "Resource",
                        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.autoscale.cpuUtilization } },
                    }],
                },
            }, { parent: this });
        }

        if (fewestPods >= 2) {
            this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
                metadata,
                spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
            }, { parent: this });
        }

        if (args.ingress) {
            const ingress = args.ingress;
            this.ingress = new k8s.networking.v1.Ingress(`${name}-ingress`, {
                metadata,
                spec: {
                    ingressClassName: ingress.className,
                    rules: [{
                        host: ingress.host,
                        http: {
                            paths: ingress.paths.map(path => ({
                                path,
                                pathType: "Prefix",
                                backend: { service: { name: this.serviceName, port: { number: servicePort } } },
                            })),
                        },
                    }],
                },
            }, { parent: this });
        }

        this.registerOutputs({ serviceName: this.serviceName });
    }
}

/** Programming errors in a lab's use of the component, caught before anything is registered. */
function checkArgs(name: string, args: WebServiceArgs): void {
    const fail = (what: string) => { throw new Error(`WebService ${name}: ${what}`); };
    if (args.autoscale && args.replicas !== undefined) {
        fail("give either replicas or autoscale, not both (the autoscaler owns the count)");
    }
    if (args.replicas !== undefined && (!Number.isInteger(args.replicas) || args.replicas < 0)) {
        fail(`replicas must be a whole number ≥ 0, got ${args.replicas}`);
    }
    if (args.autoscale) {
        const { minReplicas, maxReplicas, cpuUtilization } = args.autoscale;
        if (!Number.isInteger(minReplicas) || minReplicas < 1 || !Number.isInteger(maxReplicas) || maxReplicas <= minReplicas) {
            fail(`autoscale needs whole numbers 1 ≤ minReplicas < maxReplicas, got ${minReplicas}..${maxReplicas}`);
        }
        if (!Number.isInteger(cpuUtilization) || cpuUtilization < 1 || cpuUtilization > 1000) {
            fail(`autoscale.cpuUtilization must be a percentage of the request from 1 to 1000, got ${cpuUtilization}`);
        }
    }
}
