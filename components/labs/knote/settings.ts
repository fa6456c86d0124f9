/**
 * Settings of the knote lab, `kubelab:knote` (all optional, shared by every knote instance):
 *
 * ```yaml
 * kubelab:knote:
 *   replicas: 1                 # knote pods; the lesson goes 1 → 2 → 10
 *   mongoStorage: 256Mi         # size of MongoDB's claim mongo-pvc; may only grow
 *   minioStorage: 256Mi         # size of MinIO's claim minio-pvc; may only grow
 *   ingressControllerNamespace: ingress-nginx   # where the ingress controller's pods run
 * ```
 *
 * The namespace is per instance: `kubelab:labs: [{lab: knote, name: knote-b, namespace: knote-b}]`.
 */
import { z } from "zod";
import { dnsLabel, section, storage, wholeNumber } from "../../../infra/config";

/** Most knote pods a stack may ask for: the lesson's 10, with room to spare on a workshop cluster. */
export const MAX_KNOTE_REPLICAS = 20;

export const knoteSettings = section({
    /**
     * knote pods. The lesson runs 1, then 2 (pictures on a pod's own disk show on every other
     * reload), then 10 (every picture everywhere, once MinIO holds them).
     */
    replicas: wholeNumber(1, MAX_KNOTE_REPLICAS,
        " (the lesson uses 1, 2 and 10; the knote Service needs a pod behind it: to run none, remove knote from kubelab:labs)").default(1),
    /** Size of MongoDB's claim `mongo-pvc` (the notes). */
    mongoStorage: storage().default("256Mi"),
    /** Size of MinIO's claim `minio-pvc` (the pictures). */
    minioStorage: storage().default("256Mi"),
    /**
     * Namespace the cluster's ingress controller runs in: the only place from which knote's
     * pods accept connections (`ingress-nginx` for minikube's ingress addon and the ingress-nginx
     * Helm chart's usual install).
     */
    ingressControllerNamespace: dnsLabel.default("ingress-nginx"),
});

export type KnoteSettings = z.output<typeof knoteSettings>;
