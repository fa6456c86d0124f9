/**
 * Settings of the knote lab, `kubelab:knote` (all optional, shared by every knote instance):
 *
 * ```yaml
 * kubelab:knote:
 *   stage: stateless            # stateful: knote 1.0.0 keeps pictures on the pod's disk; stateless: 2.0.0 puts them in MinIO
 *   replicas: 1                 # knote pods; the lesson goes 1 → 2 → 10
 *   mongoStorage: 256Mi         # size of MongoDB's claim mongo-pvc; may only grow
 *   minioStorage: 256Mi         # size of MinIO's claim minio-pvc; may only grow
 *   ingressControllerNamespace: ingress-nginx   # where the ingress controller's pods run
 * ```
 *
 * The namespace is per instance: `kubelab:labs: [{lab: knote, name: knote-b, namespace: knote-b}]`.
 */
import { z } from "zod";
import { dnsLabel, oneOf, section, storage, wholeNumber } from "../../../infra/config";

/** Most knote pods a stack may ask for: the lesson's 10, with room to spare on a workshop cluster. */
export const MAX_KNOTE_REPLICAS = 20;

/** The lesson's two stages: which knote release runs. */
export const KNOTE_STAGES = ["stateful", "stateless"] as const;

export const knoteSettings = section({
    /**
     * `stateless` (default): knote 2.0.0, pictures in MinIO, so every pod shows every picture.
     * `stateful`: knote 1.0.0, which keeps uploaded pictures on the disk of the pod that took the
     * upload: with 2 replicas a picture shows on about every other reload (the lesson's problem).
     */
    stage: oneOf(KNOTE_STAGES, " (stateful: knote 1.0.0 keeps pictures on the pod's own disk; stateless: knote 2.0.0 keeps them in MinIO)").default("stateless"),
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
