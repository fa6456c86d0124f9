/**
 * Services and the pods they route to. A Service's selector is a plain map matched against the
 * labels pods really carry (selectors.ts); ExternalName Services and Services without a selector
 * route to no pods of the stack's workloads (their endpoints are someone else's).
 */
import { Container, PodSpec, containersOf, objectsIn } from "./k8s";
import { isSidecar } from "./resources";
import { ScaledWorkload } from "./scale";
import { compileServiceSelector } from "./selectors";
import { Indexed, StackIndex } from "./stack";

/** The parts of a Service's spec the policies read. */
export interface ServiceSpec {
    type?: string;
    clusterIP?: string;
    selector?: Record<string, string> | null;
    ports?: { name?: string; port?: number; targetPort?: number | string }[];
}

export function serviceSpec(svc: Indexed): ServiceSpec {
    return (svc.obj.spec ?? {}) as ServiceSpec;
}

/** A Service that routes to pods by a selector, with the workloads of its namespace whose pods it selects. */
export interface RoutingService {
    svc: Indexed;
    spec: ServiceSpec;
    selector: Record<string, string>;
    /** Every workload of its namespace, scaled and labelled. */
    candidates: ScaledWorkload[];
    selected: ScaledWorkload[];
}

/** Every Service of the stack that selects pods, in stack order, with what it selects. */
export function routingServices(index: StackIndex, inNamespace: (namespace: string) => ScaledWorkload[]): RoutingService[] {
    const found: RoutingService[] = [];
    for (const svc of index.all("Service")) {
        const spec = serviceSpec(svc);
        const selector = spec.selector;
        if (spec.type === "ExternalName" || !selector || Object.keys(selector).length === 0) {
            continue;
        }
        const selects = compileServiceSelector(selector);
        const candidates = inNamespace(svc.namespace);
        found.push({ svc, spec, selector, candidates, selected: candidates.filter(({ labels }) => selects(labels)) });
    }
    return found;
}

/**
 * What a Service port sends traffic to in its pods: its targetPort (its own port when unset), a
 * container port number (a number, or a numeric string) or a port name (another string).
 */
export function serviceTarget(port: NonNullable<ServiceSpec["ports"]>[number]): { number?: number; name?: string } {
    const target = port.targetPort ?? port.port;
    if (typeof target === "number") {
        return { number: target };
    }
    return typeof target === "string" && /^\d+$/.test(target) ? { number: Number(target) } : { name: target };
}

/**
 * A container that may serve a Service's port, by its place in the pod spec: an app container, or
 * a sidecar (an init container with restartPolicy Always, Kubernetes 1.29+), which runs for the
 * pod's life and whose readiness counts toward the pod's like an app container's.
 */
export interface ServingSlot {
    role: "container" | "init container";
    /** Its place in `containers` or `initContainers`, from 1, as {@link containersOf} gives it. */
    position: number;
}

/**
 * Which containers of a pod serve a Service's ports (the policy server hands each read a fresh
 * proxy, so containers can't be told apart by identity): for each port, the app containers and
 * sidecars that declare its targetPort (a number, or a numeric string, is a containerPort; another
 * string is a port name; unset, the Service port's own number). Containers need not declare the
 * ports they listen on, so when a port matches no declared one, any app container may serve it
 * and every app container counts.
 */
export function servingContainers(spec: ServiceSpec, pod: PodSpec | undefined): ServingSlot[] {
    const candidates = containersOf(pod).filter(({ role, container }) => role === "container" || isSidecar(container));
    const everyApp: ServingSlot[] = candidates.filter(({ role }) => role === "container").map(({ role, position }) => ({ role, position }));
    const serving = new Map<string, ServingSlot>();
    for (const port of objectsIn<NonNullable<ServiceSpec["ports"]>[number]>(spec.ports)) {
        const { number, name } = serviceTarget(port);
        const declaring = candidates.filter(({ container }) => objectsIn<NonNullable<Container["ports"]>[number]>(container.ports).some(p => (number !== undefined ? p.containerPort === number : p.name === name)));
        if (!declaring.length) {
            return everyApp;
        }
        declaring.forEach(({ role, position }) => serving.set(`${role}#${position}`, { role, position }));
    }
    return serving.size ? [...serving.values()] : everyApp;
}
