/**
 * The minikube platform: adopts an existing local cluster (minikube, kind, k3d, Docker Desktop)
 * from the local kubeconfig, and adds the StorageClass the labs use.
 *
 * minikube's default class `standard` (`k8s.io/minikube-hostpath`) cannot expand volumes. The
 * `csi-hostpath-driver` addon (driver `hostpath.csi.k8s.io`) can, so kubelab's lab class uses it
 * with `allowVolumeExpansion: true`. The ingress controller and metrics-server come from the
 * `ingress` and `metrics-server` addons: see {@link MINIKUBE_ADDONS}.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as os from "os";
import * as path from "path";
import { Platform } from "./platform";

export interface MinikubeSettings {
    /** Path of the kubeconfig file (`kubelab:kubeconfig`); empty uses KUBECONFIG or ~/.kube/config. */
    kubeconfig: string;
    /** Kubeconfig context to deploy into (`kubelab:context`, default `minikube`). */
    context: string;
}

export interface MinikubePlatformArgs extends MinikubeSettings {
    /** Keep released volumes (reclaim policy Retain) instead of deleting them. */
    protectData: boolean;
}

/** Addons the labs need, with what each is for. */
export const MINIKUBE_ADDONS: Record<string, string> = {
    "ingress": "ingress-nginx controller (IngressClass nginx) for the labs' Ingress rules",
    "metrics-server": "CPU and memory metrics for the HorizontalPodAutoscalers",
    "volumesnapshots": "required by csi-hostpath-driver",
    "csi-hostpath-driver": "CSI hostpath driver (hostpath.csi.k8s.io), which can expand volumes",
};

/** Name of the expandable StorageClass kubelab creates on minikube. */
export const MINIKUBE_STORAGE_CLASS = "kubelab-csi-hostpath";

export class MinikubePlatform extends pulumi.ComponentResource implements Platform {
    readonly name = "minikube";
    readonly provider: k8s.Provider;
    readonly storageClassName: pulumi.Output<string>;
    readonly ingressClassName = "nginx";
    readonly clusterServices = { ingressController: "provided", metricsServer: "provided" } as const;
    readonly ingressAddress = pulumi.output("$(minikube ip)");
    readonly prerequisites = [`minikube addons enable ${Object.keys(MINIKUBE_ADDONS).join(" ")}`];
    readonly protectData: boolean;

    constructor(name: string, args: MinikubePlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:infra:MinikubePlatform", name, {}, opts);
        this.protectData = args.protectData;

        this.provider = new k8s.Provider(`${name}-k8s`, {
            kubeconfig: args.kubeconfig ? expandHome(args.kubeconfig) : undefined,
            context: args.context,
        }, { parent: this });

        const storageClass = new k8s.storage.v1.StorageClass(`${name}-storage`, {
            metadata: {
                name: MINIKUBE_STORAGE_CLASS,
                labels: { "app.kubernetes.io/managed-by": "kubelab" },
            },
            provisioner: "hostpath.csi.k8s.io",
            allowVolumeExpansion: true,
            reclaimPolicy: args.protectData ? "Retain" : "Delete",
            volumeBindingMode: "Immediate",
        }, { parent: this, provider: this.provider });
        this.storageClassName = storageClass.metadata.name;

        this.registerOutputs({ storageClassName: this.storageClassName });
    }
}

function expandHome(file: string): string {
    return file === "~" || file.startsWith("~/") ? path.join(os.homedir(), file.slice(1)) : file;
}
