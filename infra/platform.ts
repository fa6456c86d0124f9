/**
 * What every platform module (infra/minikube.ts, and the cloud ones) gives the labs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** How a cluster service the labs need gets there. */
export type ServiceSource =
    /** The platform ships it (AKS's metrics-server) or an addon provides it (minikube). */
    | "provided"
    /** kubelab installs it. */
    | "installed";

export interface Platform {
    /** Platform name, as in `kubelab:platform`. */
    readonly name: string;
    /** Kubernetes provider every lab resource is created with. */
    readonly provider: k8s.Provider;
    /** The StorageClass labs put their claims on: it allows volume expansion. */
    readonly storageClassName: pulumi.Output<string>;
    /** IngressClass the labs' Ingress objects name. */
    readonly ingressClassName: string;
    /** How the ingress controller and metrics-server get onto the cluster. */
    readonly clusterServices: { ingressController: ServiceSource; metricsServer: ServiceSource };
    /** How a user reaches the ingress controller, for the stack outputs (a host, or a hint such as `$(minikube ip)`). */
    readonly ingressAddress: pulumi.Output<string>;
    /** Steps the user must take on the cluster before `pulumi up` (addons to enable …). */
    readonly prerequisites: string[];
    /** Whether stateful resources are protected and kept on delete (`kubelab:protectData`). */
    readonly protectData: boolean;
    /** Kubeconfig of a cluster kubelab created, as a Pulumi secret; undefined for adopted clusters. */
    readonly kubeconfig?: pulumi.Output<string>;
}
