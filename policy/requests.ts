/**
 * Resource requests: what the scheduler and the autoscaler need from every container.
 */
import { Policies, ResourceValidationPolicy } from "@pulumi/policy";
import { Container, KubeObject, containersOf, describeObject, isWorkloadKind, kindOf, podSpecOf } from "./lib/k8s";
import { parseQuantity } from "./lib/quantity";

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

/** Every container of a workload, with how messages name it; empty for other resources. */
function workloadContainers(type: string, props: Record<string, unknown>, name: string): { what: string; container: Container; role: string }[] {
    const kind = kindOf(type);
    if (!isWorkloadKind(kind)) {
        return [];
    }
    const obj = props as KubeObject;
    const what = describeObject(kind, obj, name);
    return containersOf(podSpecOf(kind, obj)).map(({ container, role }) => ({ what, container, role: `${role} '${container.name ?? "(unnamed)"}'` }));
}

/**
 * A memory limit on every container: memory can't be throttled, so a container without a limit
 * can take a node's memory and get other pods evicted; the OOM killer needs a bound.
 */
export const containerMemoryLimit: ResourceValidationPolicy = {
    name: "container-memory-limit",
    description: "Every container and init container of every workload sets a memory limit: memory can't be throttled, so an unbounded container can starve its neighbours and get them evicted.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const { what, container, role } of workloadContainers(args.type, args.props, args.name)) {
            const limit = container.resources?.limits?.memory;
            if (limit === undefined || limit === null || limit === "") {
                reportViolation(`${what}: ${role} has no memory limit; set resources.limits.memory (at least its memory request, e.g. 128Mi).`);
            }
        }
    },
};

/** Every requests and limits value is a quantity Kubernetes accepts. */
export const validQuantities: ResourceValidationPolicy = {
    name: "valid-quantities",
    description: "Every resource request and limit is a quantity Kubernetes can parse (100m, 0.5, 128Mi, 1G, 1e3): anything else (500MB, 1.5.2) is rejected by the API server.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const { what, container, role } of workloadContainers(args.type, args.props, args.name)) {
            for (const field of ["requests", "limits"] as const) {
                for (const [resource, value] of Object.entries(container.resources?.[field] ?? {})) {
                    if (parseQuantity(value) === undefined) {
                        reportViolation(`${what}: ${role} has resources.${field}.${resource} ${JSON.stringify(value)}, which is not a Kubernetes quantity; ` +
                            "write it like 100m, 0.5, 128Mi or 1G (binary suffixes Ki, Mi, Gi; decimal k, M, G; no \"B\").");
                    }
                }
            }
        }
    },
};

/** A request above its limit is rejected by the API server. */
export const requestsWithinLimits: ResourceValidationPolicy = {
    name: "requests-within-limits",
    description: "No container requests more of a resource than its limit allows: the API server rejects such pods, and the scheduler would reserve what the container may never use.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const { what, container, role } of workloadContainers(args.type, args.props, args.name)) {
            const requests = container.resources?.requests ?? {};
            const limits = container.resources?.limits ?? {};
            for (const [resource, limitValue] of Object.entries(limits)) {
                const request = parseQuantity(requests[resource]);
                const limit = parseQuantity(limitValue);
                if (request !== undefined && limit !== undefined && request > limit) {
                    reportViolation(`${what}: ${role} requests ${resource} ${String(requests[resource])}, above its limit ${String(limitValue)}; lower the request or raise the limit.`);
                }
            }
        }
    },
};

export interface ResourceBoundsConfig {
    maxCpuRequest: string;
    maxMemoryRequest: string;
    maxMemoryLimit: string;
}

/** Configurable ceilings per container, so a typo (cpu: 500 for 500m) can't reserve a whole node or more. */
export const resourceBounds: ResourceValidationPolicy = {
    name: "resource-bounds",
    description: "No container asks for more than the configured ceilings (largest CPU request, memory request and memory limit): a slip such as cpu: 500 instead of 500m leaves pods Pending or reserves whole nodes.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            maxCpuRequest: { type: "string", default: "4", description: "Largest CPU request per container (a quantity)." },
            maxMemoryRequest: { type: "string", default: "16Gi", description: "Largest memory request per container (a quantity)." },
            maxMemoryLimit: { type: "string", default: "32Gi", description: "Largest memory limit per container (a quantity)." },
        },
    },
    validateResource: (args, reportViolation) => {
        const containers = workloadContainers(args.type, args.props, args.name);
        if (!containers.length) {
            return;
        }
        const config = args.getConfig<ResourceBoundsConfig>();
        const bounds: [keyof ResourceBoundsConfig, "requests" | "limits", string][] = [
            ["maxCpuRequest", "requests", "cpu"], ["maxMemoryRequest", "requests", "memory"], ["maxMemoryLimit", "limits", "memory"],
        ];
        for (const [key, field, resource] of bounds) {
            const bound = parseQuantity(config[key]);
            if (bound === undefined) {
                reportViolation(`policy config resource-bounds.${key} is ${JSON.stringify(config[key])}, which is not a Kubernetes quantity; fix the policy config.`);
                continue;
            }
            for (const { what, container, role } of containers) {
                const value = container.resources?.[field]?.[resource];
                const amount = parseQuantity(value);
                if (amount !== undefined && amount > bound) {
                    reportViolation(`${what}: ${role} has resources.${field}.${resource} ${String(value)}, above the ceiling ${config[key]} (policy config ${key}); lower it, or raise the ceiling if it is meant.`);
                }
            }
        }
    },
};

export const requestPolicies: Policies = [containerRequests, containerMemoryLimit, validQuantities, requestsWithinLimits, resourceBounds];
