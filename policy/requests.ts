/**
 * Resource requests: what the scheduler and the autoscaler need from every container.
 */
import { Policies, ResourceValidationPolicy } from "@pulumi/policy";
import { KubeObject, containersOf, describeObject, isWorkloadKind, kindOf, podSpecOf } from "./lib/k8s";

export interface ContainerRequestsConfig {
    /** Namespaces whose workloads are not checked (e.g. kube-system add-ons you don't own). */
    exemptNamespaces: string[];
}

/**
 * Every container and init container of every workload kind declares CPU and memory requests.
 * Without them the scheduler packs pods blindly and an HPA on CPU or memory never scales
 * ("missing request for cpu").
 */
export const containerRequests: ResourceValidationPolicy = {
    name: "container-requests",
    description: "Every container and init container of every workload declares CPU and memory requests: the scheduler places pods by them and a HorizontalPodAutoscaler on CPU or memory cannot compute utilisation without them.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            exemptNamespaces: { type: "array", items: { type: "string" }, default: [], description: "Namespaces whose workloads are not checked." },
        },
    },
    validateResource: (args, reportViolation) => {
        const kind = kindOf(args.type);
        if (!isWorkloadKind(kind)) {
            return;
        }
        const obj = args.props as KubeObject;
        const config = args.getConfig<ContainerRequestsConfig>();
        if (config.exemptNamespaces?.includes(obj.metadata?.namespace ?? "default")) {
            return;
        }
        const what = describeObject(kind, obj, args.name);
        for (const { container, role } of containersOf(podSpecOf(kind, obj))) {
            const requests = container.resources?.requests ?? {};
            const missing = ["cpu", "memory"].filter(r => requests[r] === undefined || requests[r] === null || requests[r] === "");
            if (missing.length) {
                reportViolation(`${what}: ${role} '${container.name ?? "(unnamed)"}' has no ${missing.join(" or ")} request; set resources.requests.${missing[0]}` +
                    `${missing.length > 1 ? ` and resources.requests.${missing[1]}` : ""} (for example cpu: 50m, memory: 64Mi).`);
            }
        }
    },
};

export const requestPolicies: Policies = [containerRequests];
