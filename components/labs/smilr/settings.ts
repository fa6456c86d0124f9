/**
 * Settings of the smilr lab, `kubelab:smilr` (all optional, shared by every smilr instance):
 *
 * ```yaml
 * kubelab:smilr:
 *   replicas: 3          # pods of data-api and of frontend each, 1–50
 *   mongoStorage: 500M   # size of MongoDB's claim mongo-vol-mongodb-0; may only grow
 *   mongoDbName: smilrDb # database the data-api uses
 *   ingressControllerNamespace: ingress-nginx   # where the ingress controller's pods run
 * ```
 *
 * The namespace is per instance: `kubelab:labs: [{lab: smilr, name: smilr-b, namespace: smilr-b}]`.
 */
import { z } from "zod";
import { dnsLabel, matching, section, storage, wholeNumber } from "../../../infra/config";

export const smilrSettings = section({
    /** Pods of data-api and of frontend each. 0 would leave their Services without pods: switch the lab off instead. */
    replicas: wholeNumber(1, 50, " (each Service needs a pod behind it; to run none, remove smilr from kubelab:labs)").default(3),
    /** Size of MongoDB's claim `mongo-vol-mongodb-0`. */
    mongoStorage: storage().default("500M"),
    /** Database the data-api uses. */
    mongoDbName: matching(/^[A-Za-z0-9_-]{1,63}$/, "a MongoDB database name (letters, digits, '_' or '-')").default("smilrDb"),
    /**
     * Namespace of the ingress controller's pods: the lab's NetworkPolicies let only them reach
     * the frontend and the data-api from outside the namespace.
     */
    ingressControllerNamespace: dnsLabel.default("ingress-nginx"),
}, {
    moved: {
        namespace: "the namespace is set per lab instance now: kubelab:labs: [{lab: smilr, namespace: <namespace>}]",
    },
});

export type SmilrSettings = z.output<typeof smilrSettings>;
