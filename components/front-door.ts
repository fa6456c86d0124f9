/**
 * The front door of a web service: a Service selecting pods by their `app` label (so every
 * {@link Workload} of that app, whatever its `version` or `track`, gets traffic), and optionally
 * an Ingress routing paths to it.
 *
 * `pin` narrows the selector to one release (blue/green: `pin: {version: "v2"}` moves all traffic
 * at once, and back). `ingress.annotations` carries ingress-nginx canary settings for A/B and
 * weighted canaries.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { formerChild } from "./aliases";
import { labelsFor } from "./pod";

export interface FrontDoorIngress {
    /** IngressClass of the cluster's controller, e.g. `nginx`. */
    className: string;
    /** Host the rule answers to (may be a secret); undefined answers any host. */
    host?: pulumi.Input<string>;
    /** Paths routed to the Service (pathType Prefix). */
    paths: string[];
    /** Annotations of the Ingress, e.g. `nginx.ingress.kubernetes.io/canary-by-header`. */
    annotations?: Record<string, string>;
}

export interface FrontDoorArgs {
    /** Namespace the Service (and Ingress) live in: the workloads' namespace. */
    namespace: pulumi.Input<string>;
    /** Kubernetes name of the Service and Ingress, the name other pods address it by, e.g. `data-api`. */
    name: string;
    /** The `app` label of the pods to send traffic to; defaults to `name`. */
    app?: string;
    /** Lab instance the Service belongs to (label `app.kubernetes.io/part-of`). */
    partOf: string;
    /** Extra pod labels the selector requires, e.g. `{version: "v2"}` for the live colour of a blue/green pair. */
    pin?: Record<string, string>;
    /** Port the Service exposes (default 80), forwarded to the pods' port named `http`. */
    servicePort?: number;
    /** Service type (default ClusterIP). */
    serviceType?: "ClusterIP" | "NodePort" | "LoadBalancer";
    /** Expose through an Ingress. */
    ingress?: FrontDoorIngress;
    /**
     * URN of the component that created this Service and Ingress in an earlier version (e.g. a
     * WebService, whose children were `<its name>-service` and `<its name>-ingress`): they keep
     * their identity (see aliases.ts) instead of being re-created and the live objects deleted.
     */
    formerComponent?: pulumi.Input<string>;
}

export class FrontDoor extends pulumi.ComponentResource {
    /** The Service. */
    readonly service: k8s.core.v1.Service;
    /** The Ingress, when `ingress` is given. */
    readonly ingress?: k8s.networking.v1.Ingress;
    /** Name of the Service, for other components to address. */
    readonly serviceName: pulumi.Output<string>;
    /** The Service's selector. */
    readonly selector: Record<string, string>;

    constructor(name: string, args: FrontDoorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:components:FrontDoor", name, {}, opts);
        const app = args.app ?? args.name;
        if ("app" in (args.pin ?? {})) {
            throw new Error(`FrontDoor ${name}: pin adds labels to the app selector; give the app as \`app\`, not in pin`);
        }
        this.selector = { app, ...args.pin };
        const metadata = { name: args.name, namespace: args.namespace, labels: labelsFor(app, args.partOf, "web") };
        const servicePort = args.servicePort ?? 80;

        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata,
            spec: {
                type: args.serviceType ?? "ClusterIP",
                selector: this.selector,
                ports: [{ name: "http", port: servicePort, targetPort: "http" }],
            },
        }, { parent: this, aliases: formerChild(args.formerComponent, "kubernetes:core/v1:Service", "service") });
        this.serviceName = this.service.metadata.name;

        if (args.ingress) {
            const ingress = args.ingress;
            this.ingress = new k8s.networking.v1.Ingress(`${name}-ingress`, {
                metadata: { ...metadata, annotations: ingress.annotations },
                spec: {
                    ingressClassName: ingress.className,
                    rules: [{
                        host: ingress.host,
                        http: {
                            paths: ingress.paths.map(path => ({
                                path,
                                pathType: "Prefix",
                                backend: { service: { name: this.serviceName, port: { number: servicePort } } },
                            })),
                        },
                    }],
                },
            }, { parent: this, aliases: formerChild(args.formerComponent, "kubernetes:networking.k8s.io/v1:Ingress", "ingress") });
        }

        this.registerOutputs({ serviceName: this.serviceName, selector: this.selector });
    }
}
