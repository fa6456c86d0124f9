/**
 * The minikube platform: adopts an existing local cluster (minikube, kind, k3d, Docker Desktop)
 * from the local kubeconfig, and adds the StorageClass the labs use.
 *
 * minikube's default class `standard` (`k8s.io/minikube-hostpath`) cannot expand volumes. The
 * `csi-hostpath-driver` addon (driver `hostpath.csi.k8s.io`) can, so kubelab's lab class uses it
 * with `allowVolumeExpansion: true`. The ingress controller and metrics-server come from the
 * `ingress` and `metrics-server` addons: see {@link MINIKUBE_ADDONS}.
 *
 * Loaded only by a stack whose `kubelab:platform` is `minikube` (infra/registry.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as os from "os";
import * as path from "path";
import { Platform, PlatformContext, clusterScopedName } from "../platform";
import { MinikubeSettings } from "./settings";

/** Addons the labs need, in the order to enable them, with what each is for. */
export const MINIKUBE_ADDONS: readonly { name: string; why: string }[] = [
    { name: "ingress", why: "ingress-nginx controller (IngressClass nginx) for the labs' Ingress rules" },
    { name: "metrics-server", why: "CPU and memory metrics for the HorizontalPodAutoscalers" },
    { name: "volumesnapshots", why: "required by csi-hostpath-driver" },
    { name: "csi-hostpath-driver", why: "CSI hostpath driver (hostpath.csi.k8s.io), which can expand volumes" },
];

/**
 * The commands that enable the addons: `minikube addons enable` takes exactly one addon per
 * call, so one command per addon (`-p <profile>` when the context is not the default profile).
 */
export function addonCommands(context: string): string[] {
    const profile = context === "minikube" ? "" : ` -p ${context}`;
    return MINIKUBE_ADDONS.map(a => `minikube addons enable ${a.name}${profile}`);
}

export interface MinikubePlatformArgs {
    /** The platform's settings, `kubelab:minikube`. */
    settings: MinikubeSettings;
    /** The stack's name and data protection. */
    context: PlatformContext;
}

export class MinikubePlatform extends pulumi.ComponentResource implements Platform {
    readonly name = "minikube";
    readonly provider: k8s.Provider;
    readonly storageClassName: pulumi.Output<string>;
    readonly ingressClassName = "nginx";
    readonly clusterServices = { ingressController: "provided", metricsServer: "provided" } as const;
    readonly ingressAddress: pulumi.Output<string>;
    readonly prerequisites: string[];
    readonly protectData: boolean;

    constructor(name: string, args: MinikubePlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:infra:MinikubePlatform", name, {}, opts);
        const { settings, context } = args;
        this.protectData = context.protectData;
        this.prerequisites = addonCommands(settings.context);
        this.ingressAddress = pulumi.output(settings.context === "minikube" ? "$(minikube ip)" : `$(minikube -p ${settings.context} ip)`);

        this.provider = new k8s.Provider(`${name}-k8s`, {
            // A kubeconfig may hold credentials: always a secret, whether a path or the contents.
            kubeconfig: settings.kubeconfig ? pulumi.secret(expandHome(settings.kubeconfig)) : undefined,
            context: settings.context,
        }, { parent: this });

        const storageClass = new k8s.storage.v1.StorageClass(`${name}-storage`, {
            metadata: {
                // Cluster-scoped: named from the stack so that two stacks can share the cluster.
                name: settings.storageClassName ?? clusterScopedName(context.stack, "expandable"),
                labels: { "app.kubernetes.io/managed-by": "kubelab" },
            },
            provisioner: "hostpath.csi.k8s.io",
            allowVolumeExpansion: true,
            reclaimPolicy: context.protectData ? "Retain" : "Delete",
            volumeBindingMode: "Immediate",
        }, { parent: this, provider: this.provider });
        this.storageClassName = storageClass.metadata.name;

        this.registerOutputs({ storageClassName: this.storageClassName, prerequisites: this.prerequisites });
    }
}

/** The registry's entry point: builds the platform for a stack. */
export function createPlatform(settings: MinikubeSettings, context: PlatformContext): Platform {
    return new MinikubePlatform("minikube", { settings, context });
}

function expandHome(file: string): string {
    return file === "~" || file.startsWith("~/") ? path.join(os.homedir(), file.slice(1)) : file;
}
