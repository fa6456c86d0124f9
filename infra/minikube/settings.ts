/**
 * Settings of the minikube platform, one structured key. By default the stack creates its own
 * cluster (a minikube profile named from the stack) and deletes it on `pulumi destroy`:
 *
 * ```yaml
 * kubelab:minikube:
 *   create: true                # false: deploy into an existing cluster instead (see below)
 *   nodes: 3                    # the labs spread their pods one per node
 *   cpus: 2                     # per node
 *   memory: 2200mb              # per node: <number>[b|k|m|g], as `minikube start --memory` reads it
 *   kubernetesVersion: v1.37.0
 *   driver: docker
 *   cni: calico                 # a CNI that enforces the labs' NetworkPolicies
 * ```
 *
 * With `create: false` the stack adopts a cluster that already runs (minikube started by hand,
 * kind, k3d, Docker Desktop), as earlier versions did:
 *
 * ```yaml
 * kubelab:minikube:
 *   create: false
 *   context: minikube          # kubeconfig context (and minikube profile) to deploy into
 *   kubeconfig: ~/.kube/config # path of the kubeconfig file (or its contents, best as `secure:`)
 *   storageClassName: …       # only to keep an existing class, see below
 * ```
 *
 * Kept apart from the platform module so that reading settings never loads the platform's SDK.
 */
import { z } from "zod";
import { boolean, matching, oneOf, section, setting, wholeNumber } from "../config";

/** The minikube release these settings, their defaults and the README were written against. */
export const MINIKUBE_VERSION = "v1.39.0";

/** The Kubernetes version a created cluster runs unless set: minikube v1.39.0's default, pinned. */
export const DEFAULT_KUBERNETES_VERSION = "v1.37.0";

/** minikube refuses a node with less memory than this (its `minUsableMem`, in MiB). */
export const MIN_NODE_MEMORY_MIB = 1800;

/** minikube refuses a node with fewer CPUs than this (its `minimumCPUS`). */
export const MIN_NODE_CPUS = 2;

/**
 * Drivers that can run a multi-node cluster. `none` and `ssh` run Kubernetes on one existing
 * machine, so they cannot give the labs several nodes.
 */
export const MINIKUBE_DRIVERS = ["docker", "podman", "kvm2", "qemu2", "virtualbox", "hyperkit", "hyperv", "vfkit", "parallels", "vmware"] as const;

/** CNIs `minikube start --cni` offers by name (besides a manifest path, which kubelab does not take). */
export const MINIKUBE_CNIS = ["calico", "cilium", "flannel", "kindnet", "bridge", "auto"] as const;

/**
 * Memory as `minikube start --memory` reads it, in MiB: a whole number is megabytes; otherwise a
 * number with a unit b, k, m, g or t (optionally followed by `i` and/or `b`: `4g`, `4gb`, `4GiB`),
 * every unit binary (1k = 1024 bytes), as minikube's parser counts them. `max` and `no-limit` are
 * not taken: kubelab must know how much the nodes use together. Undefined when it can't be read.
 */
export function memoryMiB(value: string): number | undefined {
    if (/^[0-9]+$/.test(value)) {
        return Number(value);
    }
    const m = /^([0-9]+(?:\.[0-9]+)?)([kmgt])?(i?b)?$/i.exec(value);
    if (!m || (m[2] === undefined && m[3] === undefined)) {
        return undefined;
    }
    const power = m[2] ? "kmgt".indexOf(m[2].toLowerCase()) + 1 : 0;
    return Math.floor(Number(m[1]) * 1024 ** power / 1024 ** 2);
}

const memory = setting(
    z.union([z.string(), z.number().transform(String)]).refine(v => (memoryMiB(v) ?? 0) >= MIN_NODE_MEMORY_MIB),
    `memory per node as minikube start --memory reads it, <number>[b|k|m|g] such as "2200mb" or "4g" (a bare number is megabytes), at least ${MIN_NODE_MEMORY_MIB}mb (minikube refuses less)`,
);

const minikubeSection = section({
    /** Create the cluster (`minikube start`) and delete it on destroy; false deploys into an existing one. */
    create: boolean.default(true),
    /** Nodes of a created cluster: the labs spread their pods one per node. */
    nodes: wholeNumber(1, 10, " (nodes of the created cluster; the labs spread their pods one per node)").default(3),
    /** CPUs per node of a created cluster. */
    cpus: wholeNumber(MIN_NODE_CPUS, 64, ` (CPUs per node; minikube needs at least ${MIN_NODE_CPUS})`).default(2),
    /** Memory per node of a created cluster. */
    memory: memory.default("2200mb"),
    /** Kubernetes version of a created cluster, pinned so that every attendee gets the same one. */
    kubernetesVersion: matching(/^v[0-9]+\.[0-9]+\.[0-9]+$/, `a Kubernetes release such as ${DEFAULT_KUBERNETES_VERSION} (v<major>.<minor>.<patch>, one minikube ${MINIKUBE_VERSION} supports)`).default(DEFAULT_KUBERNETES_VERSION),
    /** minikube driver of a created cluster. */
    driver: oneOf(MINIKUBE_DRIVERS, " (a minikube driver that runs several nodes; not none or ssh)").default("docker"),
    /** CNI of a created cluster: calico enforces the labs' NetworkPolicies (kindnet, minikube's multi-node default, does not). */
    cni: oneOf(MINIKUBE_CNIS, " (a minikube --cni plugin; calico, cilium enforce NetworkPolicies)").default("calico"),
    /**
     * With `create: false`: the kubeconfig context to deploy into (for minikube also the profile
     * name); unset is `minikube`. A created cluster's context is its profile, named from the
     * stack: set, it must be that name.
     */
    context: matching(/^[^\s]+$/, "a kubeconfig context name (see kubectl config get-contexts)").optional(),
    /**
     * Path of the kubeconfig file, or (with `create: false` only) its contents; empty uses
     * KUBECONFIG or ~/.kube/config. A created cluster's context is written into this file.
     */
    kubeconfig: matching(/^[\s\S]*$/, "a kubeconfig file path or a kubeconfig's contents", { secure: true }).default(""),
    /**
     * Name of the expandable StorageClass kubelab creates; unset names it from the stack,
     * `kubelab-<stack>-expandable`, so that stacks can share a cluster. A stack deployed before
     * that rule (its class is `kubelab-csi-hostpath`) sets `kubelab-csi-hostpath` here: its claims
     * name their class, and a claim whose class is gone can no longer grow.
     */
    storageClassName: matching(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
        "a StorageClass name (lower-case DNS name), or unset for kubelab-<stack>-expandable").optional(),
});

/** A kubeconfig given as its contents rather than as a file path. */
export function isKubeconfigContents(value: string): boolean {
    return /[\r\n]/.test(value) || /^\s*(apiVersion|kind|clusters|contexts|users|current-context|preferences)\s*:/.test(value);
}

/**
 * The settings, with the rule that ties two of them: a created cluster's kubeconfig is a file
 * minikube writes into. (That a created cluster's `context` can only be its profile is checked
 * where the stack's name is known, by the platform.)
 */
export const minikubeSettings = minikubeSection.superRefine((s, ctx) => {
    if (s.create && s.kubeconfig && isKubeconfigContents(s.kubeconfig)) {
        ctx.addIssue({
            code: "custom", path: ["kubeconfig"], input: s.kubeconfig,
            message: "a kubeconfig file path while kubelab:minikube.create is true (minikube writes the created cluster's context into that file); "
                + "a kubeconfig's contents only with create: false",
        });
    }
});

export type MinikubeSettings = z.output<typeof minikubeSettings>;

/** Top-level keys of earlier versions that now live under `kubelab:minikube`. */
export const MINIKUBE_MOVED_KEYS = {
    context: "set kubelab:minikube.context instead (kubelab:minikube: {context: …})",
    kubeconfig: "set kubelab:minikube.kubeconfig instead (kubelab:minikube: {kubeconfig: …})",
};
