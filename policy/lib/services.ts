/**
 * Services and the pods they route to. A Service's selector is a plain map matched against the
 * labels pods really carry (selectors.ts); ExternalName Services and Services without a selector
 * route to no pods of the stack's workloads (their endpoints are someone else's).
 */
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
