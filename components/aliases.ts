/**
 * Keeping a resource's identity when kubelab reshapes its components.
 *
 * A Pulumi resource's URN includes its parents' types. When a component changes type (the
 * former WebService became a Workload and a FrontDoor), its children would get new URNs, and
 * `pulumi up` would create "new" objects with the same Kubernetes names and then delete the old
 * ones, deleting the live objects. An alias to the former URN makes it an in-place update.
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * Aliases for a child that an earlier version created as `<former name>-<part>` under the
 * component whose URN is `former`; none when `former` is undefined.
 */
export function formerChild(former: pulumi.Input<string> | undefined, type: string, part: string): pulumi.Input<string>[] {
    if (former === undefined) {
        return [];
    }
    return [pulumi.output(former).apply(urn => {
        const at = urn.lastIndexOf("::");
        return `${urn.slice(0, at)}$${type}::${urn.slice(at + 2)}-${part}`;
    })];
}
