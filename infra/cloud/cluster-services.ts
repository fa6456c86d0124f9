/**
 * Cluster services a cloud cluster lacks and the labs need: the ingress-nginx controller (every
 * cloud) and metrics-server (EKS; AKS and GKE ship their own), as Helm releases with pinned
 * chart versions from their official repositories, on the cluster's own provider.
 *
 * A service is installed only when a switched-on lab needs it (`PlatformContext.needs`) and the
 * platform does not provide it. The labs never wait on these releases:
 * - the controller's admission webhook is switched off, so a lab's Ingress is accepted whether or
 *   not the controller runs yet (with the webhook on, an Ingress created before the controller
 *   is ready is rejected and the update fails);
 * - a HorizontalPodAutoscaler is accepted without metrics and starts scaling once they arrive.
 *
 * On `pulumi destroy` the releases go before the cluster (they are on its provider), and the
 * controller's LoadBalancer Service, and so the cloud load balancer it caused, with them.
 *
 * The offline plan lists both releases as "not rendered offline" (the provider renders the
 * chart); tests check their chart, version, repository and values.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterNeeds, ServiceSource } from "../platform";

/** A Helm chart pinned to one version in its official repository. */
export interface PinnedChart {
    chart: string;
    version: string;
    repo: string;
    /** Release name and namespace on the cluster. */
    release: string;
    namespace: string;
}

/** ingress-nginx, from the Kubernetes project's chart repository. */
export const INGRESS_NGINX_CHART: PinnedChart = {
    chart: "ingress-nginx",
    version: "4.14.3",
    repo: "https://kubernetes.github.io/ingress-nginx",
    release: "ingress-nginx",
    // The namespace the labs' NetworkPolicies admit traffic from (their ingressControllerNamespace default).
    namespace: "ingress-nginx",
};

/** metrics-server, from the Kubernetes SIGs chart repository. */
export const METRICS_SERVER_CHART: PinnedChart = {
    chart: "metrics-server",
    version: "3.13.0",
    repo: "https://kubernetes-sigs.github.io/metrics-server",
    release: "metrics-server",
    namespace: "kube-system",
};

/** The IngressClass the installed controller serves (the labs' Ingress objects name it). */
export const INGRESS_CLASS_NAME = "nginx";

export interface ClusterServicesArgs {
    /** The cluster's Kubernetes provider: the releases are installed with it. */
    provider: k8s.Provider;
    /** What the switched-on labs need. */
    needs: ClusterNeeds;
    /** Services the platform ships itself (AKS and GKE: metrics-server), never installed here. */
    provided: { ingressController: boolean; metricsServer: boolean };
    /** Annotations of the controller's LoadBalancer Service (cloud-specific load balancer settings). */
    ingressServiceAnnotations?: Record<string, string>;
}

/** Values of the ingress-nginx release. */
export function ingressNginxValues(annotations: Record<string, string> = {}): Record<string, unknown> {
    return {
        controller: {
            // Two pods: the chart then adds a PodDisruptionBudget (minAvailable 1), so a node drain keeps one.
            replicaCount: 2,
            ingressClassResource: { name: INGRESS_CLASS_NAME, enabled: true, default: false, controllerValue: "k8s.io/ingress-nginx" },
            // See the module comment: labs' Ingress objects must not wait for the controller.
            admissionWebhooks: { enabled: false },
            service: { type: "LoadBalancer", annotations },
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        },
    };
}

/** Values of the metrics-server release. */
export function metricsServerValues(): Record<string, unknown> {
    return {
        replicas: 1,
        resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { memory: "400Mi" } },
    };
}

/** The ingress controller's address, as a command the user runs (the load balancer exists only after the update). */
export const INGRESS_ADDRESS_HINT =
    `$(kubectl -n ${INGRESS_NGINX_CHART.namespace} get service ${INGRESS_NGINX_CHART.release}-controller ` +
    `-o jsonpath='{.status.loadBalancer.ingress[0].ip}{.status.loadBalancer.ingress[0].hostname}')`;

/** The cluster services of one cloud cluster; `ingressController` / `metricsServer` are set when installed. */
export class ClusterServices extends pulumi.ComponentResource {
    readonly ingressController?: k8s.helm.v3.Release;
    readonly metricsServer?: k8s.helm.v3.Release;
    /** How each service gets onto the cluster, for `Platform.clusterServices`. */
    readonly sources: { ingressController: ServiceSource; metricsServer: ServiceSource };
    /** How a user reaches the ingress controller (see {@link INGRESS_ADDRESS_HINT}). */
    readonly ingressAddress: pulumi.Output<string>;

    constructor(name: string, args: ClusterServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:infra:ClusterServices", name, {}, opts);
        const { provider, needs, provided } = args;
        if (needs.ingress && !provided.ingressController) {
            this.ingressController = release(`${name}-ingress-nginx`, INGRESS_NGINX_CHART, ingressNginxValues(args.ingressServiceAnnotations), provider, this);
        }
        if (needs.metrics && !provided.metricsServer) {
            this.metricsServer = release(`${name}-metrics-server`, METRICS_SERVER_CHART, metricsServerValues(), provider, this);
        }
        this.sources = {
            ingressController: provided.ingressController ? "provided" : "installed",
            metricsServer: provided.metricsServer ? "provided" : "installed",
        };
        this.ingressAddress = pulumi.output(INGRESS_ADDRESS_HINT);
        this.registerOutputs({ sources: this.sources, ingressAddress: this.ingressAddress });
    }
}

function release(name: string, chart: PinnedChart, values: Record<string, unknown>, provider: k8s.Provider, parent: pulumi.Resource): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(name, {
        name: chart.release,
        chart: chart.chart,
        version: chart.version,
        repositoryOpts: { repo: chart.repo },
        namespace: chart.namespace,
        createNamespace: chart.namespace !== "kube-system",
        values,
        // Removes a failed install's leftovers, so that the next `pulumi up` starts clean.
        cleanupOnFail: true,
        timeout: 600,
    }, { parent, provider });
}
