/**
 * Resource requests: what the scheduler and the autoscaler need from every container, limits that
 * bound memory, and quantities the API server accepts. Quantities are compared exactly, as
 * Kubernetes compares them (lib/quantity.ts): 1Gi > 1G, 0.5 = 500m.
 */
import { Policies, ResourceValidationPolicy } from "@pulumi/policy";
import { KubeObject, containersOf, describeObject, isWorkloadKind, kindOf, podSpecOf } from "./lib/k8s";
import { workloadContainers } from "./lib/pods";
import { compareQuantities, isQuantity, quantityNanos } from "./lib/quantity";

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

/**
 * A memory limit on every container: memory can't be throttled, so a container without a limit
 * can take a node's memory and get other pods evicted; the OOM killer needs a bound.
 */
export const containerMemoryLimit: ResourceValidationPolicy = {
    name: "container-memory-limit",
    description: "Every container and init container of every workload sets a memory limit: memory can't be throttled, so an unbounded container can starve its neighbours and get them evicted.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const { what, container, label } of workloadContainers(args.type, args.props, args.name)) {
            const limit = container.resources?.limits?.memory;
            if (limit === undefined || limit === null || limit === "") {
                reportViolation(`${what}: ${label} has no memory limit; set resources.limits.memory (at least its memory request, e.g. 128Mi).`);
            }
        }
    },
};

/**
 * Every requests and limits value is a quantity the API server accepts: parsed as Kubernetes
 * parses it (lib/quantity.ts), and not negative. This is its own policy rather than part of
 * container-requests or requests-within-limits, so that each message says one thing and a
 * typo such as `500MB` is reported once, wherever it sits (requests or limits, any resource).
 */
export const validQuantities: ResourceValidationPolicy = {
    name: "valid-quantities",
    description: "Every resource request and limit is a quantity Kubernetes can parse (100m, 0.5, 128Mi, 1G, 1e3) and not negative: anything else (500MB, 1.5.2, -1) is rejected by the API server, so the deployment fails half-way.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const { what, container, label } of workloadContainers(args.type, args.props, args.name)) {
            for (const field of ["requests", "limits"] as const) {
                for (const [resource, value] of Object.entries(container.resources?.[field] ?? {})) {
                    const nanos = quantityNanos(value);
                    if (nanos === undefined) {
                        reportViolation(`${what}: ${label} has resources.${field}.${resource} ${JSON.stringify(value)}, which is not a Kubernetes quantity; ` +
                            "write it like 100m, 0.5, 128Mi or 1G (binary suffixes Ki, Mi, Gi; decimal k, M, G; no \"B\").");
                    } else if (nanos < 0n) {
                        reportViolation(`${what}: ${label} has resources.${field}.${resource} ${String(value)}, which is negative; requests and limits must be 0 or more.`);
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
        for (const { what, container, label } of workloadContainers(args.type, args.props, args.name)) {
            const requests = container.resources?.requests ?? {};
            const limits = container.resources?.limits ?? {};
            for (const [resource, limit] of Object.entries(limits)) {
                const request = requests[resource];
                // Unparsable values are valid-quantities' to report; an absent request defaults to the limit.
                if ((compareQuantities(request, limit) ?? 0) > 0) {
                    reportViolation(`${what}: ${label} requests ${resource} ${String(request)}, above its limit ${String(limit)}; lower the request or raise the limit.`);
                }
            }
        }
    },
};

export interface ResourceBoundsConfig {
    /** Largest CPU request per container. */
    maxCpuRequest: string | number;
    /** Largest memory request per container. */
    maxMemoryRequest: string | number;
    /** Largest memory limit per container. */
    maxMemoryLimit: string | number;
}

const BOUNDS: [keyof ResourceBoundsConfig, "requests" | "limits", "cpu" | "memory"][] = [
    ["maxCpuRequest", "requests", "cpu"], ["maxMemoryRequest", "requests", "memory"], ["maxMemoryLimit", "limits", "memory"],
];

/** Configurable ceilings per container, so a typo (cpu: 500 for 500m) can't reserve a whole node or more. */
export const resourceBounds: ResourceValidationPolicy = {
    name: "resource-bounds",
    description: "No container asks for more than the configured ceilings (largest CPU request, memory request and memory limit): a slip such as cpu: 500 instead of 500m, or 64Gi for 64Mi, leaves pods Pending forever or reserves whole nodes.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            maxCpuRequest: { type: ["string", "number"], default: "4", description: "Largest CPU request per container, a Kubernetes quantity in cores (\"4\", \"1500m\")." },
            maxMemoryRequest: { type: ["string", "number"], default: "16Gi", description: "Largest memory request per container, a Kubernetes quantity in bytes (\"16Gi\")." },
            maxMemoryLimit: { type: ["string", "number"], default: "16Gi", description: "Largest memory limit per container, a Kubernetes quantity in bytes (\"16Gi\")." },
        },
    },
    validateResource: (args, reportViolation) => {
        const containers = workloadContainers(args.type, args.props, args.name);
        if (!containers.length) {
            return;
        }
        const config = args.getConfig<ResourceBoundsConfig>();
        for (const [key, field, resource] of BOUNDS) {
            const bound = config[key];
            if (!isQuantity(bound)) {
                reportViolation(`policy config resource-bounds.${key} is ${JSON.stringify(bound)}, which is not a Kubernetes quantity; fix the policy config.`);
                continue;
            }
            for (const { what, container, label } of containers) {
                const value = container.resources?.[field]?.[resource];
                if ((compareQuantities(value, bound) ?? 0) > 0) {
                    reportViolation(`${what}: ${label} has resources.${field}.${resource} ${String(value)}, above the ceiling ${String(bound)} (policy config ${key}); lower it, or raise the ceiling if it is meant.`);
                }
            }
        }
    },
};

export const requestPolicies: Policies = [containerRequests, containerMemoryLimit, validQuantities, requestsWithinLimits, resourceBounds];
