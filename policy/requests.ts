/**
 * Resource requests: what the scheduler and the autoscaler need from every container, limits that
 * bound memory, and quantities the API server accepts. Quantities are compared exactly, as
 * Kubernetes compares them (lib/quantity.ts): 1Gi > 1G, 0.5 = 500m.
 */
import { Policies, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { configSchema, readConfig } from "./lib/config";
import { Container, containersOf, describeWorkload } from "./lib/k8s";
import { containerLabel, workloadContainers } from "./lib/pods";
import { compareQuantities, isQuantity, quantityNanos } from "./lib/quantity";
import { operatorContainersOf, operatorResourcesIn } from "./lib/operator-pods";
import { effectiveRequest, limitRangeDefaults, present } from "./lib/resources";
import { StackIndex, indexStack } from "./lib/stack";

/** The settings of container-requests and container-memory-limit. */
export interface ContainerResourcesConfig {
    /** Namespaces whose workloads are not checked (e.g. kube-system add-ons you don't own). */
    exemptNamespaces: string[];
}

/** One schema for both policies, so that their settings can't drift apart. */
const containerResourcesSchema = configSchema<ContainerResourcesConfig>({
    exemptNamespaces: { type: "array", items: { type: "string" }, default: [], description: "Namespaces whose workloads are not checked." },
});

/**
 * Every container and init container of every workload kind ends up with CPU and memory requests.
 * Without them the scheduler packs pods blindly and an HPA on CPU or memory never scales
 * ("missing request for cpu"). What counts is the request the pod really gets (lib/resources.ts,
 * shared with hpa-target-requests and quota-fit): its own, else its limit (the API server copies
 * a limit into a missing request, as Helm charts that set only limits rely on), else the default
 * request of a LimitRange the stack creates in its namespace. That needs the stack's LimitRanges,
 * so this is a stack policy; each finding is reported on the workload. The main container of the
 * pods a known operator runs for its custom resource is judged the same way (lib/operator-pods.ts).
 */
export const containerRequests: StackValidationPolicy = {
    name: "container-requests",
    description: "Every container and init container of every workload, and the main container of the pods an operator runs for its custom resource, gets CPU and memory requests: the scheduler places pods by them and a HorizontalPodAutoscaler on CPU or memory cannot compute utilisation without them. A request counts when the container sets it, or sets a limit (the API server then uses the limit as the request), or a LimitRange of the stack in its namespace gives a default request (or, for an operator's pods, the operator does): the same rule as hpa-target-requests and quota-fit.",
    enforcementLevel: "mandatory",
    configSchema: containerResourcesSchema,
    validateStack: (args, reportViolation) => {
        for (const { index, what, urn, namespace, containers } of judgedPods(args)) {
            const defaults = { cpu: limitRangeDefaults(index, namespace, "cpu"), memory: limitRangeDefaults(index, namespace, "memory") };
            for (const { container, label, at } of containers) {
                const missing = (["cpu", "memory"] as const).filter(r => !effectiveRequest(container, r, defaults[r]));
                if (missing.length) {
                    reportViolation(`${what}: ${label} has no ${missing.join(" or ")} request; set ${at}.requests.${missing[0]}` +
                        `${missing.length > 1 ? ` and ${at}.requests.${missing[1]}` : ""} (for example cpu: 50m, memory: 64Mi), or a limit, which the API server copies into a missing request.`, urn);
                }
            }
        }
    },
};

/** Pods container-requests and container-memory-limit judge: a workload's, or those an operator runs for its custom resource. */
interface JudgedPods {
    index: StackIndex;
    /** `Deployment lab/web`, `CloudNativePG Cluster lab/pg` */
    what: string;
    urn: string;
    namespace: string;
    /** Each container as messages name it, with where its resources are written (`resources` in a container, `spec.resources` in a custom resource). */
    containers: { container: Container; label: string; at: string }[];
}

/**
 * The pods container-requests and container-memory-limit judge, outside the configured exempt
 * namespaces: every workload's (each container and init container), and the main container of
 * those a known operator runs for its custom resource, with the operator's defaults filled in
 * (operator-pods.ts).
 */
function* judgedPods(args: StackValidationArgs): Generator<JudgedPods> {
    const { exemptNamespaces } = readConfig(containerResourcesSchema, args);
    const index = indexStack(args.resources);
    for (const w of index.podWorkloads) {
        if (!exemptNamespaces.includes(w.namespace)) {
            yield {
                index, what: describeWorkload(w.kind, w.obj, w.name), urn: w.resource.urn, namespace: w.namespace,
                containers: containersOf(w.pod).map(({ container, role, position }) => ({ container, label: containerLabel(container, role, position), at: "resources" })),
            };
        }
    }
    for (const o of operatorResourcesIn(index)) {
        if (!exemptNamespaces.includes(o.namespace)) {
            const { what, containers } = operatorContainersOf(o.resource.type, o.resource.props, o.resource.name);
            yield { index, what, urn: o.resource.urn, namespace: o.namespace, containers };
        }
    }
}

/**
 * A memory limit on every container: memory can't be throttled, so a container without a limit
 * can take a node's memory and get other pods evicted; the OOM killer needs a bound. What counts
 * is the limit the pod really gets: its own, else the default limit of a LimitRange the stack
 * creates in its namespace (the API server fills it in at admission, as workshops and multi-team
 * clusters rely on). That needs the stack's LimitRanges, so this is a stack policy, as
 * container-requests is; each finding is reported on the workload.
 */
export const containerMemoryLimit: StackValidationPolicy = {
    name: "container-memory-limit",
    description: "Every container and init container of every workload, and the main container of the pods an operator runs for its custom resource, gets a memory limit: memory can't be throttled, so an unbounded container can starve its neighbours and get them evicted. A limit counts when the container sets it, or a LimitRange of the stack in its namespace (or, for an operator's pods, the operator) gives a default limit.",
    enforcementLevel: "mandatory",
    configSchema: containerResourcesSchema,
    validateStack: (args, reportViolation) => {
        for (const { index, what, urn, namespace, containers } of judgedPods(args)) {
            if (limitRangeDefaults(index, namespace, "memory").some(d => d.limit !== undefined)) {
                continue;
            }
            for (const { container, label, at } of containers) {
                if (!present(container.resources?.limits?.memory)) {
                    reportViolation(`${what}: ${label} has no memory limit; set ${at}.limits.memory (at least its memory request, e.g. 128Mi), ` +
                        `or give namespace ${namespace} a LimitRange with a default memory limit for containers.`, urn);
                }
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
    /** Smallest CPU request or limit per container (0 aside). */
    minCpu: string | number;
    /** Smallest memory request or limit per container (0 aside). */
    minMemory: string | number;
}

const resourceBoundsSchema = configSchema<ResourceBoundsConfig>({
    maxCpuRequest: { type: ["string", "number"], default: "4", description: "Largest CPU request per container, a Kubernetes quantity in cores (\"4\", \"1500m\")." },
    maxMemoryRequest: { type: ["string", "number"], default: "16Gi", description: "Largest memory request per container, a Kubernetes quantity in bytes (\"16Gi\")." },
    maxMemoryLimit: { type: ["string", "number"], default: "16Gi", description: "Largest memory limit per container, a Kubernetes quantity in bytes (\"16Gi\")." },
    minCpu: { type: ["string", "number"], default: "1m", description: "Smallest CPU request or limit per container, a Kubernetes quantity in cores (\"1m\": Kubernetes allows nothing finer); 0 is not checked." },
    minMemory: { type: ["string", "number"], default: "4Mi", description: "Smallest memory request or limit per container, a Kubernetes quantity in bytes (\"4Mi\"; no container runs in less); 0 is not checked." },
});

/** Ceilings: setting, where, resource. A request ceiling applies to the request the container gets (its limit when it sets none). */
const CEILINGS: [key: "maxCpuRequest" | "maxMemoryRequest" | "maxMemoryLimit", field: "requests" | "limits", resource: "cpu" | "memory"][] = [
    ["maxCpuRequest", "requests", "cpu"], ["maxMemoryRequest", "requests", "memory"], ["maxMemoryLimit", "limits", "memory"],
];

/** Floors: setting and resource, for requests and limits alike. */
const FLOORS: [key: "minCpu" | "minMemory", resource: "cpu" | "memory"][] = [["minCpu", "cpu"], ["minMemory", "memory"]];

/**
 * What a value below the floor most likely meant, for the message. Memory is counted in bytes, so
 * a bare number (`128`) or a milli-byte amount (`128m`) is a missing `Mi`; CPU is counted in cores,
 * so a nano- or micro-core amount (`100u`) is a slip for millicores.
 */
export function likelyMeant(resource: "cpu" | "memory", value: unknown): string {
    const m = /^\+?([0-9]*\.?[0-9]*)([a-zA-Z]*)$/.exec(String(value).trim());
    const [number, suffix] = m ? [m[1], m[2]] : ["", ""];
    if (resource === "memory") {
        if (number === "") {
            return "memory is counted in bytes; write the amount with its unit, e.g. 128Mi.";
        }
        if (suffix === "" || suffix === "m" || suffix === "k" || suffix === "Ki") {
            const size = suffix === "" ? `${number} byte${Number(number) === 1 ? "" : "s"}` : suffix === "m" ? `${number} thousandths of a byte` : `only ${String(value)}`;
            return `memory is counted in bytes, so this is ${size}; did you mean ${number}Mi?`;
        }
        // Already in Mi (or larger units): no slip of the unit to suggest, only too little.
        return `that is too little memory for a container to run in; raise it, or lower minMemory in the policy config if it is deliberate.`;
    }
    if ((suffix === "n" || suffix === "u") && number !== "") {
        return `CPU is counted in cores and ${suffix === "n" ? "n is a billionth" : "u is a millionth"} of one; did you mean ${number}m?`;
    }
    return "CPU is counted in cores (1 = one core, 100m or 0.1 = a tenth of one), and Kubernetes allows nothing finer than 1m; write it in millicores, e.g. 100m.";
}

/** Configurable floors and ceilings per container, so a typo (cpu: 500 for 500m, memory: 128 for 128Mi) is caught before it schedules. */
export const resourceBounds: ResourceValidationPolicy = {
    name: "resource-bounds",
    description: "No container asks for more than the configured ceilings (largest CPU request, memory request and memory limit; a container without a request gets its limit as one) or sets a CPU or memory request or limit below the configured floors (smallest CPU, smallest memory; 0 is not checked): a slip such as cpu: 500 instead of 500m, or 64Gi for 64Mi, leaves pods Pending forever or reserves whole nodes; memory: 128 (bytes, meant as 128Mi) gets the container OOM-killed at start.",
    enforcementLevel: "mandatory",
    configSchema: resourceBoundsSchema,
    validateResource: (args, reportViolation) => {
        const containers = workloadContainers(args.type, args.props, args.name);
        if (!containers.length) {
            return;
        }
        const config = readConfig(resourceBoundsSchema, args);
        const valid = (key: keyof ResourceBoundsConfig): boolean => {
            if (isQuantity(config[key])) {
                return true;
            }
            reportViolation(`policy config resource-bounds.${key} is ${JSON.stringify(config[key])}, which is not a Kubernetes quantity; fix the policy config.`);
            return false;
        };
        for (const [key, field, resource] of CEILINGS) {
            const bound = config[key];
            if (!valid(key)) {
                continue;
            }
            for (const { what, container, label } of containers) {
                const own = container.resources?.[field]?.[resource];
                const request = field === "requests" ? effectiveRequest(container, resource, []) : undefined;
                const value = field === "requests" ? request?.value : own;
                if ((compareQuantities(value, bound) ?? 0) <= 0) {
                    continue;
                }
                const has = request?.from === "limit"
                    ? `has no ${resource} request, so it gets its limit ${String(value)} as one,`
                    : `has resources.${field}.${resource} ${String(value)},`;
                reportViolation(`${what}: ${label} ${has} above the ceiling ${String(bound)} (policy config ${key}); lower it, or raise the ceiling if it is meant.`);
            }
        }
        for (const [key, resource] of FLOORS) {
            const floor = config[key];
            if (!valid(key)) {
                continue;
            }
            for (const { what, container, label } of containers) {
                for (const field of ["requests", "limits"] as const) {
                    const value = container.resources?.[field]?.[resource];
                    const nanos = quantityNanos(value);
                    if (nanos === undefined || nanos <= 0n || (compareQuantities(value, floor) ?? 0) >= 0) {
                        continue; // unparsable and negative values are valid-quantities' to report; 0 means none
                    }
                    reportViolation(`${what}: ${label} has resources.${field}.${resource} ${String(value)}, below the floor ${String(floor)} (policy config ${key}): ` +
                        `${likelyMeant(resource, value)}`);
                }
            }
        }
    },
};

export const requestPolicies: Policies = [containerRequests, containerMemoryLimit, validQuantities, requestsWithinLimits, resourceBounds];
