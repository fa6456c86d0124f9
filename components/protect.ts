/**
 * What `kubelab:protectData` means for a stateful resource (a namespace, a StatefulSet, a claim):
 * on, `pulumi destroy` refuses to delete it and it is kept in the cluster when it leaves the
 * stack; off (workshop clusters), both go.
 */
import * as pulumi from "@pulumi/pulumi";

export function dataProtection(protectData: boolean): Pick<pulumi.CustomResourceOptions, "protect" | "retainOnDelete"> {
    return { protect: protectData, retainOnDelete: protectData };
}
