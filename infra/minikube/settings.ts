/**
 * Settings of the minikube platform, one structured key:
 *
 * ```yaml
 * kubelab:minikube:
 *   context: minikube          # kubeconfig context (and minikube profile) to deploy into
 *   kubeconfig: ~/.kube/config # path of the kubeconfig file (or its contents, best as `secure:`)
 *   storageClassName: …       # only to keep an existing class, see below
 * ```
 *
 * Kept apart from the platform module so that reading settings never loads the platform's SDK.
 */
import { z } from "zod";
import { matching, section } from "../config";

export const minikubeSettings = section({
    /** Kubeconfig context to deploy into; for minikube it is also the profile name. */
    context: matching(/^[^\s]+$/, "a kubeconfig context name (see kubectl config get-contexts)").default("minikube"),
    /** Path of the kubeconfig file, or its contents; empty uses KUBECONFIG or ~/.kube/config. */
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

export type MinikubeSettings = z.output<typeof minikubeSettings>;

/** Top-level keys of earlier versions that now live under `kubelab:minikube`. */
export const MINIKUBE_MOVED_KEYS = {
    context: "set kubelab:minikube.context instead (kubelab:minikube: {context: …})",
    kubeconfig: "set kubelab:minikube.kubeconfig instead (kubelab:minikube: {kubeconfig: …})",
};
