/**
 * Pieces of pod specs the shared components have in common: labels, resources, probes, env.
 * Plain functions that build Kubernetes input objects; no resources are created here.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type Container = k8s.types.input.core.v1.Container;

/** CPU and memory for one container, as Kubernetes quantities. */
export interface ResourceSpec {
    /** CPU request, e.g. "50m". */
    cpu: string;
    /** Memory request, e.g. "64Mi". */
    memory: string;
    /** Memory limit, e.g. "256Mi"; at least the request. */
    memoryLimit: string;
    /** CPU limit; unset lets the container burst. */
    cpuLimit?: string;
}

/** A readiness or liveness probe: an HTTP GET on the container port, a TCP connect, or a command. */
export type ProbeSpec = ({ httpGet: string } | { tcp: true } | { exec: string[] }) & {
    initialDelaySeconds?: number;
    periodSeconds?: number;
    failureThreshold?: number;
};

/** An environment variable read from a key of a Secret. */
export interface SecretRef {
    secretName: pulumi.Input<string>;
    key: string;
}

/** Labels every kubelab object carries; `app` is the selector label, as in the tutorials. */
export function labelsFor(app: string, partOf: string, component?: string): Record<string, string> {
    return {
        "app": app,
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/part-of": partOf,
        ...(component ? { "app.kubernetes.io/component": component } : {}),
        "app.kubernetes.io/managed-by": "kubelab",
    };
}

export function resources(spec: ResourceSpec): k8s.types.input.core.v1.ResourceRequirements {
    return {
        requests: { cpu: spec.cpu, memory: spec.memory },
        limits: { memory: spec.memoryLimit, ...(spec.cpuLimit ? { cpu: spec.cpuLimit } : {}) },
    };
}

export function probe(spec: ProbeSpec, port: number): k8s.types.input.core.v1.Probe {
    const timing = {
        initialDelaySeconds: spec.initialDelaySeconds,
        periodSeconds: spec.periodSeconds,
        failureThreshold: spec.failureThreshold,
    };
    if ("httpGet" in spec) {
        return { httpGet: { path: spec.httpGet, port }, ...timing };
    }
    if ("tcp" in spec) {
        return { tcpSocket: { port }, ...timing };
    }
    return { exec: { command: spec.exec }, ...timing };
}

/** Plain variables first, then variables from Secrets, in name order within each. */
export function envVars(
    plain: Record<string, pulumi.Input<string>> = {},
    fromSecrets: Record<string, SecretRef> = {},
): Container["env"] {
    const env = [
        ...Object.entries(plain).map(([name, value]) => ({ name, value })),
        ...Object.entries(fromSecrets).map(([name, ref]) => ({
            name,
            valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } },
        })),
    ];
    return env.length ? env : undefined;
}
