/**
 * Cross-resource wiring: StatefulSets, Services and Ingresses that point at something real.
 * Each mistake here deploys cleanly and then fails quietly: no DNS for pods, a Service with no
 * endpoints, an Ingress that answers 503.
 */
import { Policies, StackValidationPolicy } from "@pulumi/policy";
import { describeObject } from "./lib/k8s";
import { indexStack, serviceSelects } from "./lib/stack";

interface ServiceSpec {
    type?: string;
    clusterIP?: string;
    selector?: Record<string, string>;
    ports?: { name?: string; port?: number }[];
}

/** A StatefulSet's serviceName is a headless Service of its namespace selecting its pods. */
export const statefulSetHeadlessService: StackValidationPolicy = {
    name: "statefulset-headless-service",
    description: "A StatefulSet's serviceName names a headless Service (clusterIP: None) in its namespace that selects its pods: that Service gives each pod its stable DNS name (mongo-0.mongo-service), which replica sets and clients rely on.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const index = indexStack(args.resources);
        for (const w of index.workloads) {
            if (w.kind !== "StatefulSet") {
                continue;
            }
            const what = describeObject("StatefulSet", w.obj, w.name);
            const serviceName = (w.obj.spec as { serviceName?: string } | undefined)?.serviceName;
            if (!serviceName) {
                reportViolation(`${what} names no serviceName; set spec.serviceName to a headless Service that selects its pods.`, w.resource.urn);
                continue;
            }
            const svc = index.find("Service", w.namespace, serviceName);
            if (!svc) {
                reportViolation(`${what} has serviceName '${serviceName}', but the stack creates no Service ${w.namespace}/${serviceName}; its pods get no DNS names. Create a headless Service of that name.`, w.resource.urn);
                continue;
            }
            const spec = (svc.obj.spec ?? {}) as ServiceSpec;
            if (spec.clusterIP !== "None") {
                reportViolation(`${what}: Service ${w.namespace}/${serviceName} is not headless (clusterIP ${spec.clusterIP ?? "unset"}); set clusterIP: None so each pod gets its own DNS name.`, w.resource.urn);
            }
            if (!serviceSelects(spec.selector, w.podLabels)) {
                reportViolation(`${what}: Service ${w.namespace}/${serviceName} selects ${JSON.stringify(spec.selector ?? {})}, which does not match the StatefulSet's pod labels ${JSON.stringify(w.podLabels)}.`, w.resource.urn);
            }
        }
    },
};

/** Every Service with a selector selects the pods of some workload in its namespace. */
export const serviceSelectsPods: StackValidationPolicy = {
    name: "service-selects-pods",
    description: "Every Service with a selector matches the pod labels of at least one workload in its namespace: otherwise it has no endpoints and every request fails (a blue/green switch to a version that doesn't exist is caught here, before deploy).",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const index = indexStack(args.resources);
        for (const svc of index.all("Service")) {
            const spec = (svc.obj.spec ?? {}) as ServiceSpec;
            if (spec.type === "ExternalName" || Object.keys(spec.selector ?? {}).length === 0) {
                continue;
            }
            if (!index.workloadsIn(svc.namespace).some(w => serviceSelects(spec.selector, w.podLabels))) {
                const candidates = index.workloadsIn(svc.namespace).map(w => `${w.kind} ${w.name} ${JSON.stringify(w.podLabels)}`);
                reportViolation(`${describeObject("Service", svc.obj, svc.name)} selects ${JSON.stringify(spec.selector)}, but no workload in namespace ${svc.namespace} has those pod labels ` +
                    `(${candidates.length ? candidates.join("; ") : "it has no workloads"}); the Service would have no endpoints.`, svc.resource.urn);
            }
        }
    },
};

interface Backend {
    service?: { name?: string; port?: { number?: number; name?: string } };
}

/** Every Ingress backend is a Service of the namespace, on one of its ports. */
export const ingressBackendExists: StackValidationPolicy = {
    name: "ingress-backend-exists",
    description: "Every Ingress backend names a Service in the Ingress's namespace and one of that Service's ports: otherwise the controller answers 503 for the path.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const index = indexStack(args.resources);
        for (const ing of index.all("Ingress")) {
            const spec = (ing.obj.spec ?? {}) as { defaultBackend?: Backend; rules?: { host?: string; http?: { paths?: ({ path?: string } & { backend?: Backend })[] } }[] };
            const backends: { where: string; backend: Backend }[] = [];
            if (spec.defaultBackend) {
                backends.push({ where: "defaultBackend", backend: spec.defaultBackend });
            }
            for (const rule of spec.rules ?? []) {
                for (const p of rule.http?.paths ?? []) {
                    backends.push({ where: `${rule.host ?? "*"}${p.path ?? "/"}`, backend: p.backend ?? {} });
                }
            }
            const what = describeObject("Ingress", ing.obj, ing.name);
            for (const { where, backend } of backends) {
                const name = backend.service?.name;
                if (!name) {
                    continue; // a resource backend, not a Service
                }
                const svc = index.find("Service", ing.namespace, name);
                if (!svc) {
                    reportViolation(`${what}: ${where} goes to Service '${name}', which the stack does not create in namespace ${ing.namespace}; the controller would answer 503.`, ing.resource.urn);
                    continue;
                }
                const ports = ((svc.obj.spec ?? {}) as ServiceSpec).ports ?? [];
                const port = backend.service?.port ?? {};
                const matches = ports.some(p => (port.number !== undefined && p.port === port.number) || (port.name !== undefined && p.name === port.name));
                if (!matches) {
                    reportViolation(`${what}: ${where} goes to Service ${ing.namespace}/${name} port ${port.number ?? port.name ?? "(unset)"}, which the Service does not expose ` +
                        `(ports: ${ports.map(p => `${p.port}${p.name ? `/${p.name}` : ""}`).join(", ") || "none"}).`, ing.resource.urn);
                }
            }
        }
    },
};

export const wiringPolicies: Policies = [statefulSetHeadlessService, serviceSelectsPods, ingressBackendExists];
