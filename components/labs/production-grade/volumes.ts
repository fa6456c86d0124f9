/**
 * The workshop's storage exercises, each a Pod `busy`+`box` (busybox, `sleep 3600`) sharing one
 * volume mounted at `/busy` and `/box`, so a file touched in one container shows in the other:
 *
 * - `busybox`: emptyDir `test` (lives and dies with the pod);
 * - `busybox-memory`: emptyDir `test` with `medium: Memory` and a `sizeLimit`: a tmpfs whose
 *   pages count against the pod's memory, so each container's memory limit leaves room for it;
 * - `busybox-static`: a PersistentVolume made by hand (hostPath, only on minikube) and claim
 *   `static-pvc` bound to it by name (`volumeName` on the claim, `claimRef` on the volume);
 * - `busybox-dynamic`: claim `mystorageclaim` (2Gi) that the platform's StorageClass provisions;
 *   deleting it releases the volume, which the class's reclaim policy deletes (or keeps, with
 *   `kubelab:protectData`).
 *
 * The static pair names the platform's StorageClass, not `""`: a pre-bound claim never asks the
 * class's provisioner, and it binds only a volume of its own class. A hostPath volume can't grow
 * whatever its class allows (no driver resizes it); the lab's doc says so.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseQuantity } from "../../../policy/lib/quantity";
import { labelsFor } from "../../pod";
import { dataProtection } from "../../protect";
import { ImageSecurity, withSecurity } from "../../security";

export const VOLUME_NAMES = {
    emptyDirPod: "busybox",
    memoryPod: "busybox-memory",
    staticPod: "busybox-static",
    dynamicPod: "busybox-dynamic",
    /** The volume's name in every pod, as in the tutorial. */
    volume: "test",
    staticClaim: "static-pvc",
    dynamicClaim: "mystorageclaim",
} as const;

/** Kubernetes name of the static PersistentVolume: cluster-scoped, so named from the instance's namespace. */
export const staticVolumeName = (namespace: string) => `${namespace}-static-pv`;
/** Where on the node the static volume lives. */
export const staticHostPath = (namespace: string) => `/data/kubelab/${namespace}/static-pv`;
/** The node label that picks the node holding the static volume's directory: minikube's first node. */
export const STATIC_VOLUME_NODE_LABEL = "node-role.kubernetes.io/control-plane";
/**
 * The kubelet creates the hostPath directory owned by root with mode 0755 and never applies a
 * pod's fsGroup to a hostPath volume, so the lab's pods (nobody, under Pod Security restricted)
 * can read it but not write to it until it is opened to them, once, on the node.
 */
export const staticVolumeOpenCommand = (namespace: string) => `minikube ssh -- sudo chmod 0777 ${staticHostPath(namespace)}`;

const MI = 1024 * 1024;
/** Memory a busybox container needs besides what it writes to a memory-backed volume. */
const BUSYBOX_MEMORY_MI = 16;

export interface VolumePodsArgs {
    namespace: string;
    partOf: string;
    image: string;
    security: ImageSecurity;
    storageClassName: pulumi.Input<string>;
    /** sizeLimit of the memory-backed emptyDir. */
    memoryLimit: string;
    dynamicClaimSize: string;
    /** The static pair, when on (only on minikube: the lab checks). */
    staticVolume?: { size: string };
    protectData: boolean;
}

export class VolumePods extends pulumi.ComponentResource {
    readonly pods: k8s.core.v1.Pod[] = [];
    readonly staticVolume?: k8s.core.v1.PersistentVolume;
    readonly staticClaim?: k8s.core.v1.PersistentVolumeClaim;
    readonly dynamicClaim: k8s.core.v1.PersistentVolumeClaim;
    /** Start of the children's Pulumi names. */
    private readonly prefix: string;

    constructor(name: string, args: VolumePodsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:labs:production-grade:VolumePods", name, {}, opts);
        this.prefix = name;
        const dataOpts = { parent: this, ...dataProtection(args.protectData) };
        const claimLabels = labelsFor("volumes", args.partOf, "storage");

        const memoryBytes = parseQuantity(args.memoryLimit);
        if (memoryBytes === undefined) {
            throw new Error(`VolumePods ${name}: memoryLimit ${args.memoryLimit} is not a quantity`);
        }
        const memoryPodLimit = `${Math.ceil(memoryBytes / MI) + BUSYBOX_MEMORY_MI}Mi`;

        this.pods.push(this.pod(VOLUME_NAMES.emptyDirPod, args, { emptyDir: {} }, `${BUSYBOX_MEMORY_MI * 2}Mi`));
        this.pods.push(this.pod(VOLUME_NAMES.memoryPod, args, { emptyDir: { medium: "Memory", sizeLimit: args.memoryLimit } }, memoryPodLimit));

        if (args.staticVolume) {
            const pvName = staticVolumeName(args.namespace);
            this.staticVolume = new k8s.core.v1.PersistentVolume(`${name}-static-pv`, {
                metadata: { name: pvName, labels: claimLabels },
                spec: {
                    capacity: { storage: args.staticVolume.size },
                    accessModes: ["ReadWriteOnce"],
                    // Made by hand: kept when released, whatever protectData says (nothing would delete a hostPath directory anyway).
                    persistentVolumeReclaimPolicy: "Retain",
                    storageClassName: args.storageClassName,
                    hostPath: { path: staticHostPath(args.namespace), type: "DirectoryOrCreate" },
                    claimRef: { namespace: args.namespace, name: VOLUME_NAMES.staticClaim },
                    // A hostPath directory is on one node: the volume names it, so that a pod using it
                    // always lands there (minikube's first node, the control plane, which runs pods)
                    // and finds what it wrote, on a cluster of several nodes too.
                    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: STATIC_VOLUME_NODE_LABEL, operator: "Exists" }] }] } },
                },
            }, dataOpts);
            this.staticClaim = new k8s.core.v1.PersistentVolumeClaim(`${name}-static-pvc`, {
                metadata: { name: VOLUME_NAMES.staticClaim, namespace: args.namespace, labels: claimLabels },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: args.storageClassName,
                    volumeName: this.staticVolume.metadata.name,
                    resources: { requests: { storage: args.staticVolume.size } },
                },
            }, dataOpts);
            this.pods.push(this.pod(VOLUME_NAMES.staticPod, args, { persistentVolumeClaim: { claimName: this.staticClaim.metadata.name } }, `${BUSYBOX_MEMORY_MI * 2}Mi`));
        }

        this.dynamicClaim = new k8s.core.v1.PersistentVolumeClaim(`${name}-dynamic-pvc`, {
            metadata: { name: VOLUME_NAMES.dynamicClaim, namespace: args.namespace, labels: claimLabels },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: args.storageClassName,
                resources: { requests: { storage: args.dynamicClaimSize } },
            },
        }, dataOpts);
        this.pods.push(this.pod(VOLUME_NAMES.dynamicPod, args, { persistentVolumeClaim: { claimName: this.dynamicClaim.metadata.name } }, `${BUSYBOX_MEMORY_MI * 2}Mi`));

        this.registerOutputs({});
    }

    /** Pod `podName`: containers busy and box sharing volume `test` at /busy and /box. */
    private pod(podName: string, args: VolumePodsArgs, source: Omit<k8s.types.input.core.v1.Volume, "name">, memoryLimit: string): k8s.core.v1.Pod {
        const container = (c: "busy" | "box") => ({
            name: c,
            image: args.image,
            command: ["sleep", "3600"],
            resources: { requests: { cpu: "5m", memory: `${BUSYBOX_MEMORY_MI}Mi` }, limits: { memory: memoryLimit } },
            volumeMounts: [{ name: VOLUME_NAMES.volume, mountPath: `/${c}` }],
        });
        return new k8s.core.v1.Pod(`${this.prefix}-${podName}`, {
            metadata: { name: podName, namespace: args.namespace, labels: labelsFor(podName, args.partOf, "storage") },
            spec: withSecurity(args.security, {
                containers: [container("busy"), container("box")],
                volumes: [{ name: VOLUME_NAMES.volume, ...source }],
            }),
        }, { parent: this });
    }

}
