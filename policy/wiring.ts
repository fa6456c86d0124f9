/**
 * Cross-resource wiring: StatefulSets, Services, Ingresses and Gateway API routes that point at
 * something real. Each mistake here deploys cleanly and then fails quietly: no DNS for pods, a
 * Service with no endpoints, an Ingress that answers 503, a route that answers 500.
 *
 * Objects are matched by kind, namespace (unset = `default`) and name; Service selectors against
 * the labels pods really carry, controller-added ones included (lib/selectors.ts).
 */
import { Policies, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { describeObject, objectsIn, runsNoPods } from "./lib/k8s";
import { autoscalersOf, scaleOf, scaledStack } from "./lib/scale";
import { PodLabels, compileServiceSelector, plainLabels, serviceSelectorSelects, workloadPodLabels } from "./lib/selectors";
import { routingServices, serviceSpec } from "./lib/services";
import { Indexed, StackIndex, Workload, indexStack, isWorkload } from "./lib/stack";

/** A StatefulSet's serviceName is a headless Service of its namespace selecting its pods. */
export const statefulSetHeadlessService: StackValidationPolicy = {
    name: "statefulset-headless-service",
    description: "A StatefulSet's serviceName names a headless Service (clusterIP: None) in its namespace that selects its pods: that Service gives each pod its stable DNS name (mongo-0.mongo-service), which replica sets and clients rely on. A StatefulSet that never runs more than one pod (replicas, or its autoscaler's maximum) may name a Service with a cluster IP: its one pod is reached through the Service's name and has no peer to find.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const index = indexStack(args.resources);
        const autoscalers = autoscalersOf(index);
        for (const w of index.workloads) {
            if (w.kind !== "StatefulSet") {
                continue;
            }
            const what = describeObject("StatefulSet", w.obj, w.name);
            const serviceName = (w.obj.spec as { serviceName?: string } | undefined)?.serviceName;
            if (!serviceName) {
                reportViolation(`${what} names no serviceName, so its pods get no stable DNS names; set spec.serviceName to a headless Service that selects its pods.`, w.resource.urn);
                continue;
            }
            const svc = index.find("Service", w.namespace, serviceName);
            if (!svc) {
                reportViolation(`${what} has serviceName '${serviceName}', but the stack creates no Service ${w.namespace}/${serviceName}; its pods get no DNS names. ` +
                    "Create a headless Service (clusterIP: None) of that name selecting the StatefulSet's pods.", w.resource.urn);
                continue;
            }
            const spec = serviceSpec(svc);
            const maxPods = scaleOf(w, autoscalers).max;
            // One pod at most: clients reach it through the Service's own name, and it has no peer
            // to find by pod name, so a Service with a cluster IP serves (a lone database, often).
            if (spec.clusterIP !== "None" && maxPods > 1) {
                reportViolation(`${what}: Service ${w.namespace}/${serviceName} is not headless (clusterIP ${spec.clusterIP ?? "unset"}), so its pods (up to ${maxPods}) get no DNS names of their own and can't find each other; set clusterIP: None.`, w.resource.urn);
            }
            if (!serviceSelectorSelects(spec.selector, workloadPodLabels(w, maxPods))) {
                reportViolation(`${what}: Service ${w.namespace}/${serviceName} selects ${JSON.stringify(spec.selector ?? {})}, which does not match the StatefulSet's pod labels ` +
                    `${JSON.stringify(w.podLabels)}; the pods get no DNS records. Make the Service's selector a subset of the pod labels.`, w.resource.urn);
            }
        }
    },
};

/**
 * Whether a custom resource of the namespace may run pods that `selector` selects: one with a pod
 * template (`spec.template`, as Argo Rollouts and similar workload controllers have) whose labels
 * match, or one without a template, whose operator labels its pods in ways the stack can't show;
 * or pods a Rollout runs with more labels than its template's during a release (ephemeral
 * metadata, an experiment step's templates). A Rollout's own template is a workload's, judged as such.
 */
function customPodsMayMatch(index: StackIndex, namespace: string, selector: Record<string, string>): boolean {
    const selects = compileServiceSelector(selector);
    const custom = index.customResourcesIn(namespace).some(o => {
        if (isWorkload(o) || runsNoPods(o.resource.type)) {
            return false; // a Rollout: a workload, judged as one; a route or a ServiceMonitor: no pods at all
        }
        const template = (o.obj.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template;
        return template === undefined || template === null || selects(plainLabels(template.metadata?.labels ?? {}));
    });
    return custom || index.workloadsIn(namespace).some(w => w.kind === "Rollout" && rolloutLabelSets(w).some(selects));
}

interface RolloutStrategySpec {
    canary?: {
        stableMetadata?: { labels?: Record<string, string> };
        canaryMetadata?: { labels?: Record<string, string> };
        steps?: { experiment?: { templates?: { metadata?: { labels?: Record<string, string> } }[] } }[];
    };
    blueGreen?: { activeMetadata?: { labels?: Record<string, string> }; previewMetadata?: { labels?: Record<string, string> } };
}

/**
 * The labels a Rollout's pods carry besides its template's, at some point of a release: the
 * ephemeral metadata the controller puts on stable and canary (active and preview) pods, and the
 * labels of the pods an experiment step runs (a preview Service selects those by design).
 */
function rolloutLabelSets(w: Workload): PodLabels[] {
    let sets = labelSetsOf.get(w);
    if (!sets) {
        sets = readRolloutLabelSets(w).map(plainLabels);
        labelSetsOf.set(w, sets);
    }
    return sets;
}

/** rolloutLabelSets, once per Rollout of a run: every Service of its namespace asks. */
const labelSetsOf = new WeakMap<Workload, PodLabels[]>();

function readRolloutLabelSets(w: Workload): Record<string, string>[] {
    const strategy = ((w.obj.spec as { strategy?: RolloutStrategySpec } | undefined)?.strategy) ?? {};
    const extra = [
        strategy.canary?.stableMetadata?.labels, strategy.canary?.canaryMetadata?.labels,
        strategy.blueGreen?.activeMetadata?.labels, strategy.blueGreen?.previewMetadata?.labels,
        ...(strategy.canary?.steps ?? []).flatMap(step => (step.experiment?.templates ?? []).map(t => t.metadata?.labels)),
    ];
    return extra.filter((l): l is Record<string, string> => !!l && Object.keys(l).length > 0).map(l => ({ ...w.podLabels, ...l }));
}

/** Every Service with a selector selects the pods of some running workload in its namespace. */
export const serviceSelectsPods: StackValidationPolicy = {
    name: "service-selects-pods",
    description: "Every Service with a selector (ExternalName Services and Services without one are skipped) matches the pod labels of at least one workload in its namespace that runs pods: otherwise it has no endpoints and every request fails (a blue/green switch to a version that doesn't exist, or to one scaled to 0, is caught here before deploy). Pods of a custom resource count when its spec.template labels match (an Argo Rollout); a Service in a namespace with a custom resource that has no pod template (an operator's, whose pods' labels can't be seen) is not judged, unless it is configuration known to run no pods (routes, certificates, ServiceMonitors, ScaledObjects, mesh and policy rules).",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const { index, inNamespace: scaledIn } = scaledStack(args.resources);
        for (const { svc, selector, candidates: inNamespace, selected } of routingServices(index, scaledIn)) {
            const what = describeObject("Service", svc.obj, svc.name);
            if (!selected.length) {
                if (customPodsMayMatch(index, svc.namespace, selector)) {
                    continue; // pods a custom resource's controller runs: not visible here, so not judged
                }
                const shown = inNamespace.slice(0, 10).map(({ w }) => `${w.kind} ${w.name} ${JSON.stringify(w.podLabels)}`);
                const more = inNamespace.length > shown.length ? `; and ${inNamespace.length - shown.length} more` : "";
                reportViolation(`${what} selects ${JSON.stringify(selector)}, but no workload in namespace ${svc.namespace} has those pod labels ` +
                    `(${shown.length ? shown.join("; ") + more : "it has no workloads"}); the Service would have no endpoints. Fix the selector or the pod template labels.`, svc.resource.urn);
            } else if (selected.every(({ scale }) => scale.max === 0)) {
                reportViolation(`${what} selects ${JSON.stringify(selector)}, which matches only ${selected.map(({ w }) => describeObject(w.kind, w.obj, w.name)).join(" and ")}, ` +
                    "scaled to 0 pods; the Service would have no endpoints. Point it at a running version, or scale that one up.", svc.resource.urn);
            }
        }
    },
};

/** An Ingress backend as networking.k8s.io/v1 writes it, and as v1beta1 (extensions, networking.k8s.io) did. */
interface Backend {
    service?: { name?: string; port?: { number?: number; name?: string } };
    serviceName?: string;
    servicePort?: number | string;
    resource?: unknown;
}

interface IngressSpec {
    defaultBackend?: Backend;
    backend?: Backend;
    rules?: { host?: string; http?: { paths?: { path?: string; backend?: Backend }[] } }[];
}

/** The Gateway API route kinds whose rules send traffic to backendRefs (v1 and the experimental channel). */
const ROUTE_KINDS = ["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"];
const GATEWAY_GROUP = "gateway.networking.k8s.io";

/** What a gateway does with the traffic a route sends to a backend it can't resolve, per the Gateway API spec. */
function unresolvedEffect(kind: string): string {
    switch (kind) {
        case "HTTPRoute":
            return "the gateway answers 500 for its share of requests";
        case "GRPCRoute":
            return "the gateway answers its share of calls with UNAVAILABLE";
        default:
            return "the gateway rejects its share of connections";
    }
}

interface BackendRef {
    group?: string;
    kind?: string;
    name?: string;
    namespace?: string;
    port?: number;
    weight?: number;
}

/** A route filter; a RequestMirror one (HTTPRoute, GRPCRoute) sends a copy of each request to its backendRef. */
interface RouteFilter {
    type?: string;
    requestMirror?: { backendRef?: BackendRef };
}

interface RouteSpec {
    rules?: { backendRefs?: (BackendRef & { filters?: RouteFilter[] })[]; filters?: RouteFilter[] }[];
}

/** What a gateway does with a mirror it can't resolve, per the Gateway API spec (the route's own traffic is served). */
const UNRESOLVED_MIRROR = "the gateway mirrors no requests to it";

interface ReferenceGrantSpec {
    from?: { group?: string; kind?: string; namespace?: string }[];
    to?: { group?: string; kind?: string; name?: string }[];
}

/** How a backend names the Service's port, and how the fix is spelled in its own fields. */
interface PortRef {
    number?: number;
    name?: string;
    /** The field to set to a port number (`port.number`, `servicePort`, `port`). */
    numberField: string;
    /** The field to set to a port name, when the backend can name one. */
    nameField?: string;
    /** What names the Service's port (`an Ingress`, `a backendRef`), for the targetPort hint. */
    who: string;
}

/** What is wrong with `ref` as a port of `svc` (undefined when the Service exposes it). */
function portProblem(svc: Indexed, ref: PortRef): string | undefined {
    const spec = serviceSpec(svc);
    const ports = spec.ports ?? [];
    if (spec.type === "ExternalName" && !ports.length) {
        return undefined; // the proxy goes to the external name on the port it was given
    }
    if (ports.some(p => (ref.number !== undefined && p.port === ref.number) || (ref.name !== undefined && p.name !== undefined && p.name === ref.name))) {
        return undefined;
    }
    const named = ports.filter(p => p.name).map(p => p.name);
    const target = ref.number !== undefined ? ports.find(p => p.targetPort === ref.number) : undefined;
    const fix = target
        ? `: ${ref.number} is its targetPort, but ${ref.who} names the Service's own port; set ${ref.numberField}: ${target.port}${target.name && ref.nameField ? ` (or ${ref.nameField}: ${target.name})` : ""}`
        : ports.length ? `; set ${ref.numberField} to one of its ports${named.length && ref.nameField ? " (or name one of them)" : ""}` : "; give the Service a port";
    return `port ${ref.number ?? ref.name ?? "(unset)"}, which the Service does not expose (ports: ${ports.map(p => `${p.port}${p.name ? `/${p.name}` : ""}`).join(", ") || "none"})${fix}`;
}

/**
 * Whether a custom resource of `namespace` is named `name` and may run pods: its operator may
 * then create a Service of that name (a Knative Service, a Zalando Postgres, a kgateway Gateway's
 * proxy). A kind known to run no pods ({@link runsNoPods}: a route, a certificate, a
 * ServiceMonitor, an ExternalSecret) creates no Service, so its name is no sign that one will exist.
 */
function operatorMayCreate(index: StackIndex, namespace: string, name: string): boolean {
    return index.customResourcesIn(namespace).some(cr => cr.name === name && !runsNoPods(cr.resource.type));
}

/**
 * The AWS Load Balancer Controller's port name for "route by the annotation
 * alb.ingress.kubernetes.io/actions.<service name>" (weighted target groups, redirects, fixed
 * responses; Argo Rollouts writes it for its ALB canaries): the name is an action's, not a Service's.
 */
const ALB_ACTION_PORT = "use-annotation";

/** Every Ingress backend is a Service of the namespace, on one of its ports. */
function checkIngresses(index: StackIndex, reportViolation: ReportViolation): void {
    for (const ing of index.all("Ingress")) {
        const spec = (ing.obj.spec ?? {}) as IngressSpec;
        const backends: { where: string; backend: Backend }[] = [];
        if (spec.defaultBackend) {
            backends.push({ where: "defaultBackend", backend: spec.defaultBackend });
        }
        if (spec.backend) {
            backends.push({ where: "backend", backend: spec.backend });
        }
        for (const rule of objectsIn<NonNullable<IngressSpec["rules"]>[number]>(spec.rules)) {
            for (const p of objectsIn<NonNullable<NonNullable<NonNullable<IngressSpec["rules"]>[number]["http"]>["paths"]>[number]>(rule.http?.paths)) {
                backends.push({ where: `${rule.host ?? "*"}${p.path ?? "/"}`, backend: p.backend ?? {} });
            }
        }
        const what = describeObject("Ingress", ing.obj, ing.name);
        for (const { where, backend } of backends) {
            const name = backend.service?.name ?? backend.serviceName;
            if (!name) {
                continue; // a resource backend (e.g. a storage bucket), not a Service
            }
            if ((backend.service?.port?.name ?? backend.servicePort) === ALB_ACTION_PORT) {
                continue; // an AWS Load Balancer Controller action (alb.ingress.kubernetes.io/actions.<name>), not a Service port
            }
            const svc = index.find("Service", ing.namespace, name);
            if (!svc) {
                if (!operatorMayCreate(index, ing.namespace, name)) {
                    reportViolation(`${what}: ${where} goes to Service '${name}', which the stack does not create in namespace ${ing.namespace}; the controller would answer 503.`, ing.resource.urn);
                }
                continue;
            }
            const legacy = backend.servicePort;
            const problem = portProblem(svc, backend.service
                ? { number: backend.service.port?.number, name: backend.service.port?.name, numberField: "port.number", nameField: "port.name", who: "an Ingress" }
                : { number: typeof legacy === "number" ? legacy : undefined, name: typeof legacy === "string" ? legacy : undefined, numberField: "servicePort", nameField: "servicePort", who: "an Ingress" });
            if (problem) {
                reportViolation(`${what}: ${where} goes to Service ${ing.namespace}/${name} ${problem}.`, ing.resource.urn);
            }
        }
    }
}

/** Whether a ReferenceGrant in `namespace` lets routes of `routeKind` from `fromNamespace` refer to Service `name`. */
function referenceGranted(index: StackIndex, namespace: string, routeKind: string, fromNamespace: string, name: string): boolean {
    return index.all(`${GATEWAY_GROUP}/ReferenceGrant`).some(grant => {
        if (grant.namespace !== namespace) {
            return false;
        }
        const spec = (grant.obj.spec ?? {}) as ReferenceGrantSpec;
        return (spec.from ?? []).some(f => f.group === GATEWAY_GROUP && f.kind === routeKind && f.namespace === fromNamespace)
            && (spec.to ?? []).some(t => (t.group ?? "") === "" && t.kind === "Service" && (t.name === undefined || t.name === "" || t.name === name));
    });
}

/**
 * Every Gateway API route's Service backendRef is a Service of the stack, on one of its ports, and
 * allowed across namespaces; so is the backendRef of each RequestMirror filter (of a rule, or of
 * one of its backendRefs), whose failure loses the mirrored copies instead of the requests.
 */
function checkRoutes(index: StackIndex, reportViolation: ReportViolation): void {
    for (const kind of ROUTE_KINDS) {
        for (const route of index.all(`${GATEWAY_GROUP}/${kind}`)) {
            const what = describeObject(kind, route.obj, route.name);
            const check = (ref: BackendRef, where: string, effect: string) => checkServiceRef(index, route, kind, ref, `${what}: ${where}`, effect, reportViolation);
            objectsIn<NonNullable<RouteSpec["rules"]>[number]>(((route.obj.spec ?? {}) as RouteSpec).rules).forEach((rule, i) => {
                const mirrors = (filters: RouteFilter[] | undefined, at: string) => {
                    for (const filter of objectsIn<RouteFilter>(filters)) {
                        const ref = filter.type === "RequestMirror" ? filter.requestMirror?.backendRef : undefined;
                        if (ref) {
                            check(ref, `${at}RequestMirror filter backendRef`, UNRESOLVED_MIRROR);
                        }
                    }
                };
                for (const ref of objectsIn<BackendRef & { filters?: RouteFilter[] }>(rule.backendRefs)) {
                    if (ref.weight === 0) {
                        continue; // gets no traffic (a canary switched off): nothing fails for it
                    }
                    check(ref, `rule ${i + 1} backendRef`, unresolvedEffect(kind));
                    mirrors(ref.filters, `rule ${i + 1} backendRef '${ref.name ?? "(unnamed)"}' `);
                }
                mirrors(rule.filters, `rule ${i + 1} `);
            });
        }
    }
}

/**
 * One backendRef of `route`, read as `where` (`HTTPRoute lab/web: rule 1 backendRef`): a Service
 * of the stack (or one an operator may create), allowed across namespaces by a ReferenceGrant, on
 * one of its ports. `effect` is what the gateway does when it can't resolve it.
 */
function checkServiceRef(index: StackIndex, route: Indexed, kind: string, ref: BackendRef, where: string, effect: string, reportViolation: ReportViolation): void {
    if ((ref.group ?? "") !== "" || (ref.kind ?? "Service") !== "Service" || !ref.name) {
        return; // another kind of backend (a ServiceImport), not a Service
    }
    const namespace = ref.namespace ?? route.namespace;
    const named = `${where} ${namespace === route.namespace ? `'${ref.name}'` : `${namespace}/${ref.name}`}`;
    if (namespace !== route.namespace && !referenceGranted(index, namespace, kind, route.namespace, ref.name)) {
        reportViolation(`${named} is in another namespace, and no ReferenceGrant in namespace ${namespace} lets ${kind}s from namespace ${route.namespace} refer to its Services: ` +
            `the route's ResolvedRefs condition turns False (RefNotPermitted) and ${effect}. Add a ReferenceGrant in ${namespace} (from: ${GATEWAY_GROUP} ${kind} in ${route.namespace}; to: Service ${ref.name}).`, route.resource.urn);
        return;
    }
    const svc = index.find("Service", namespace, ref.name);
    if (!svc) {
        if (!operatorMayCreate(index, namespace, ref.name)) {
            reportViolation(`${named} names a Service the stack does not create in namespace ${namespace}; ${effect}.`, route.resource.urn);
        }
        return;
    }
    if (ref.port === undefined || ref.port === null) {
        reportViolation(`${named} names no port: a backendRef to a Service needs port, the Service's port (the API server refuses the route).`, route.resource.urn);
        return;
    }
    const problem = portProblem(svc, { number: ref.port, numberField: "port", who: "a backendRef" });
    if (problem) {
        reportViolation(`${named} goes to Service ${namespace}/${ref.name} ${problem}.`, route.resource.urn);
    }
}

/** The fields with which an Argo Rollout names the Services it switches traffic between. */
const ROLLOUT_SERVICE_FIELDS = [["canary", "canaryService"], ["canary", "stableService"], ["blueGreen", "activeService"], ["blueGreen", "previewService"]] as const;

/** Every Service a Rollout's strategy names is one the stack creates in its namespace. */
function checkRolloutServices(index: StackIndex, reportViolation: ReportViolation): void {
    for (const w of index.workloads) {
        if (w.kind !== "Rollout") {
            continue;
        }
        const strategy = ((w.obj.spec as { strategy?: Record<string, Record<string, unknown> | undefined> } | undefined)?.strategy) ?? {};
        for (const [kind, field] of ROLLOUT_SERVICE_FIELDS) {
            const name = strategy[kind]?.[field];
            if (typeof name !== "string" || name === "" || index.find("Service", w.namespace, name) || operatorMayCreate(index, w.namespace, name)) {
                continue;
            }
            reportViolation(`${describeObject(w.kind, w.obj, w.name)} names ${kind}.${field} '${name}', which the stack does not create in namespace ${w.namespace}: ` +
                "the Rollout controller can't switch traffic to it and the Rollout makes no progress until it exists; create the Service (selecting the Rollout's pods) or fix the name.", w.resource.urn);
        }
    }
}

/** Every Ingress backend and Gateway API route backendRef is a Service of the stack, on one of its ports. */
export const ingressBackendExists: StackValidationPolicy = {
    name: "ingress-backend-exists",
    description: "Every Ingress backend (rules and defaultBackend) names a Service in the Ingress's namespace and one of that Service's ports (port.number is the Service's port, not its targetPort; port.name a named Service port): otherwise the controller answers 503 for the path. " +
        "Gateway API routes (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute) likewise: each Service backendRef with traffic (weight not 0) names a Service the stack creates and its port, and one in another namespace needs a ReferenceGrant there; otherwise the gateway fails its share (HTTP 500, gRPC UNAVAILABLE, refused connections). The backendRef of a RequestMirror filter likewise, or the mirrored copies are lost. " +
        "An Argo Rollout's canaryService, stableService, activeService and previewService likewise name Services the stack creates. " +
        "A backend named after a custom resource of its namespace (a Knative Service), whose operator may create the Service, is not judged; routes, certificates, monitors and other configuration resources don't count.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const index = indexStack(args.resources);
        checkIngresses(index, reportViolation);
        checkRoutes(index, reportViolation);
        checkRolloutServices(index, reportViolation);
    },
};

export const wiringPolicies: Policies = [statefulSetHeadlessService, serviceSelectsPods, ingressBackendExists];
