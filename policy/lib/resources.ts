/**
 * Requests and limits as the API server fills them in: a container's own, else (for a request)
 * its limit, else a LimitRange's default; pod totals as the scheduler and ResourceQuota add them
 * up. container-requests, hpa-target-requests and quota-fit all decide "does this container have
 * a request" here, so they can't disagree.
 *
 * Everything reads props lazily: a value unknown during a preview throws the engine's
 * UnknownValueError from here, as it must (never catch it).
 */
import { Container, PodSpec, objectsIn } from "./k8s";
import { parseQuantity } from "./quantity";
import { Indexed, StackIndex } from "./stack";

/** What a LimitRange of type Container fills in for a resource: its default request and default limit. */
export interface ContainerDefaults {
    name: string;
    request?: unknown;
    limit?: unknown;
}

interface LimitRangeItem {
    type?: string;
    default?: Record<string, unknown>;
    defaultRequest?: Record<string, unknown>;
    max?: Record<string, unknown>;
    min?: Record<string, unknown>;
}

/**
 * The container defaults of the LimitRanges the stack creates in a namespace, resolved the way the
 * API server defaults a LimitRange: default limit = `default`, else `max`; default request =
 * `defaultRequest`, else the default limit, else `min`.
 */
export function limitRangeDefaults(index: StackIndex, namespace: string, resource: string): ContainerDefaults[] {
    let cache = defaultsCache.get(index);
    if (!cache) {
        cache = new Map();
        defaultsCache.set(index, cache);
    }
    const key = `${namespace}\u0000${resource}`;
    let found = cache.get(key);
    if (!found) {
        found = computeDefaults(limitRangesIn(index, namespace), resource);
        cache.set(key, found);
    }
    return found;
}

/** Memo of limitRangeDefaults per stack index: quota-fit asks once per container. */
const defaultsCache = new WeakMap<StackIndex, Map<string, ContainerDefaults[]>>();
const limitRangesCache = new WeakMap<StackIndex, Map<string, Indexed[]>>();

function limitRangesIn(index: StackIndex, namespace: string): Indexed[] {
    let byNs = limitRangesCache.get(index);
    if (!byNs) {
        byNs = new Map();
        for (const lr of index.all("LimitRange")) {
            const list = byNs.get(lr.namespace);
            if (list) {
                list.push(lr);
            } else {
                byNs.set(lr.namespace, [lr]);
            }
        }
        limitRangesCache.set(index, byNs);
    }
    return byNs.get(namespace) ?? [];
}

function computeDefaults(limitRanges: Indexed[], resource: string): ContainerDefaults[] {
    const found: ContainerDefaults[] = [];
    for (const lr of limitRanges) {
        for (const item of ((lr.obj.spec as { limits?: LimitRangeItem[] } | undefined)?.limits ?? [])) {
            if (item.type !== "Container") {
                continue;
            }
            const limit = present(item.default?.[resource]) ? item.default?.[resource] : present(item.max?.[resource]) ? item.max?.[resource] : undefined;
            const request = present(item.defaultRequest?.[resource]) ? item.defaultRequest?.[resource] : limit ?? (present(item.min?.[resource]) ? item.min?.[resource] : undefined);
            if (request !== undefined || limit !== undefined) {
                found.push({ name: `LimitRange ${lr.namespace}/${lr.name}`, request, limit });
            }
        }
    }
    return found;
}

export function present(value: unknown): boolean {
    return value !== undefined && value !== null && value !== "";
}

/**
 * The request a container ends up with for a resource, and where it comes from: its own request;
 * else its limit (the API server defaults a missing request to the limit); else a LimitRange's
 * default. Undefined when the pod would have none.
 */
export function effectiveRequest(c: Container, resource: string, defaults: ContainerDefaults[]): { value: unknown; from: string } | undefined {
    const own = c.resources?.requests?.[resource];
    if (present(own)) {
        return { value: own, from: "request" };
    }
    const limit = c.resources?.limits?.[resource];
    if (present(limit)) {
        return { value: limit, from: "limit" };
    }
    const d = defaults.find(x => x.request !== undefined);
    return d ? { value: d.request, from: d.name } : undefined;
}

/** The limit a container ends up with for a resource: its own, else a LimitRange's default limit. */
export function effectiveLimit(c: Container, resource: string, defaults: ContainerDefaults[]): { value: unknown; from: string } | undefined {
    const own = c.resources?.limits?.[resource];
    if (present(own)) {
        return { value: own, from: "limit" };
    }
    const d = defaults.find(x => x.limit !== undefined);
    return d ? { value: d.limit, from: d.name } : undefined;
}

/** Sidecars are init containers with restartPolicy Always: they run alongside the app containers. */
export function isSidecar(c: Container): boolean {
    return c.restartPolicy === "Always";
}

/**
 * A pod's request (or limit) for a resource, in base units, as the scheduler and ResourceQuota add
 * it up: the larger of (app containers + sidecars) and, for each plain init container, itself plus
 * the sidecars started before it. Missing or unparsable amounts count 0.
 */
export function podAmount(pod: PodSpec | undefined, amountOf: (c: Container) => unknown): number {
    const amount = (c: Container) => parseQuantity(amountOf(c)) ?? 0;
    let running = objectsIn<Container>(pod?.containers).reduce((sum, c) => sum + amount(c), 0);
    let sidecars = 0;
    let init = 0;
    for (const c of objectsIn<Container>(pod?.initContainers)) {
        if (isSidecar(c)) {
            sidecars += amount(c);
            running += amount(c);
        } else {
            init = Math.max(init, amount(c) + sidecars);
        }
    }
    return Math.max(running, init);
}
