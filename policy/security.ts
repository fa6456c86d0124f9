/**
 * Pod security: the Kubernetes Pod Security Standards (PSS) as policies, plus the namespace rules
 * that make them stick (the Pod Security admission labels, and a default-deny ingress
 * NetworkPolicy).
 *
 * Source of every field list and allowed value below: "Pod Security Standards",
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/ (the Baseline and Restricted
 * tables; "Policies for Windows pods" for the controls restricted does not apply to Windows pods).
 * The split into one policy per control follows Kyverno's pod-security policies
 * (https://kyverno.io/policies/?policytypes=Pod%2520Security%2520Standards%2520%28Baseline%29) and
 * Polaris' security checks (https://polaris.docs.fairwinds.com/checks/security/). The code is ours.
 *
 * - Baseline controls are mandatory in every profile: they stop known privilege escalations.
 * - Restricted controls are advisory by default (the workshop profile) and mandatory in the
 *   production profile.
 * - `pods-meet-namespace-level` checks what the API server itself will do: a pod in a namespace
 *   labelled `pod-security.kubernetes.io/enforce: restricted` that breaks restricted is refused.
 *
 * Every pod-running kind is covered (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
 * CronJob), with init and ephemeral containers. Where a kind keeps its pod, and which resources
 * run pods, come from ./lib (the pack's one definition); settings are read with ./lib/config.
 * Props are read lazily, so a value unknown during a preview throws the engine's
 * UnknownValueError from here, as it should (never catch it).
 */
import { Policies, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { SettingSchema, configSchema, readConfig } from "./lib/config";
import { Container, KubeObject, POD_TEMPLATE_PATH, PodSpec, WorkloadKind, containersOf, describeWorkload, kindOf, objectsIn, podKindOf, podTemplateOf, stringsIn } from "./lib/k8s";
import { containerLabel } from "./lib/pods";
import { operatorResourcesIn } from "./lib/operator-pods";
import { describeOperatorResource } from "./lib/operators";
import { NetworkPolicySpec, coversIngress, isEmptySelector } from "./lib/network-policies";
import { Indexed, StackIndex, SYSTEM_NAMESPACES, indexStack, namespaceOf } from "./lib/stack";

// ---------------------------------------------------------------------------------------------
// The parts of Kubernetes objects these policies read.

export interface SeccompProfile { type?: string; localhostProfile?: string }
export interface AppArmorProfile { type?: string; localhostProfile?: string }
export interface SELinuxOptions { type?: string; user?: string; role?: string; level?: string }
export interface WindowsOptions { hostProcess?: boolean }

/** Fields a container's securityContext shares with the pod's. */
interface CommonSecurityContext {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    seccompProfile?: SeccompProfile;
    appArmorProfile?: AppArmorProfile;
    seLinuxOptions?: SELinuxOptions;
    windowsOptions?: WindowsOptions;
}

export interface ContainerSecurityContext extends CommonSecurityContext {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
    procMount?: string;
}

export interface PodSecurityContext extends CommonSecurityContext {
    sysctls?: { name?: string; value?: string }[];
}

/** A probe or lifecycle handler: only the fields that can point it at another host. */
export interface HostHandler {
    httpGet?: { host?: string };
    tcpSocket?: { host?: string };
}

/** A container, with the fields the security controls read beyond the pack's own. */
export interface SecurityContainer extends Container {
    livenessProbe?: HostHandler;
    readinessProbe?: HostHandler;
    startupProbe?: HostHandler;
    lifecycle?: { postStart?: HostHandler; preStop?: HostHandler };
    securityContext?: ContainerSecurityContext;
    ports?: { name?: string; containerPort?: number; hostPort?: number; protocol?: string }[];
}

/** A pod spec, with the fields the security controls read beyond the pack's own. */
export interface SecurityPodSpec extends Omit<PodSpec, "volumes"> {
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    /** false: the pod runs in its own user namespace (root in it is no one on the node). */
    hostUsers?: boolean;
    os?: { name?: string };
    securityContext?: PodSecurityContext;
    /** Each volume: its name and its one source field (`emptyDir`, `hostPath`, …). */
    volumes?: ({ name?: string } & Record<string, unknown>)[];
    containers?: SecurityContainer[];
    initContainers?: SecurityContainer[];
    ephemeralContainers?: SecurityContainer[];
}

// ---------------------------------------------------------------------------------------------
// A workload's pod, with the paths messages name its fields by.

/** Where each kind keeps its pod template (a Pod is its own), for messages: `spec.template.`. */
const TEMPLATE_PREFIX = Object.fromEntries(Object.entries(POD_TEMPLATE_PATH).map(([kind, keys]) => [kind, keys.map(k => `${k}.`).join("")])) as Record<WorkloadKind, string>;

/** A workload's pod, with how messages name it and where its fields are. */
export interface PodView {
    kind: WorkloadKind;
    /** The namespace the pods run in (`default` when unset). */
    namespace: string;
    name: string;
    /** `Deployment lab/web` (`Deployment web` when the object sets no namespace). */
    what: string;
    /** Path of the pod spec in the object: `spec` (Pod), `spec.template.spec`, `spec.jobTemplate.spec.template.spec` (CronJob). */
    specPath: string;
    /** Path of the pod's metadata: `metadata` (Pod), `spec.template.metadata`, … */
    metaPath: string;
    spec: SecurityPodSpec;
    /** The pod's annotations (the template's, or the Pod's own), read when asked for. */
    readonly annotations: Record<string, string>;
}

/** The pod a resource runs, or undefined when it runs none (or has no pod spec yet). */
export function podViewOf(type: string, props: Record<string, unknown>, fallbackName: string): PodView | undefined {
    const kind = podKindOf(type);
    return kind ? workloadPod(kind, props as KubeObject, fallbackName) : undefined;
}

/** The pod of a workload object, or undefined while it has no pod spec. */
function workloadPod(kind: WorkloadKind, obj: KubeObject, fallbackName: string): PodView | undefined {
    const template = podTemplateOf(kind, obj);
    const spec = template?.spec as SecurityPodSpec | undefined;
    if (!spec) {
        return undefined;
    }
    const prefix = TEMPLATE_PREFIX[kind];
    return {
        kind,
        namespace: namespaceOf(obj),
        name: obj.metadata?.name ?? fallbackName,
        what: describeWorkload(kind, obj, fallbackName),
        specPath: `${prefix}spec`,
        metaPath: `${prefix}metadata`,
        spec,
        // Read on demand: only the AppArmor control looks (so an annotation unknown during a preview stops that control alone).
        get annotations(): Record<string, string> {
            // The template's metadata sits beside its spec (a Pod's is its own).
            return template?.metadata?.annotations ?? {};
        },
    };
}

export type ContainerRole = "container" | "init container" | "ephemeral container";

export interface ContainerView {
    container: SecurityContainer;
    role: ContainerRole;
    /** `container 'web'`, `init container 'migrate'`, `ephemeral container 'debug'` */
    label: string;
}

/** Every container of a pod spec: init containers, containers (the pack's order), then ephemeral containers. */
export function containersOfPod(spec: SecurityPodSpec): ContainerView[] {
    const { initContainers, containers, ephemeralContainers } = spec;
    return [
        ...containersOf({ initContainers, containers }).map(({ container, role, position }) => ({ container: container as SecurityContainer, role, label: containerLabel(container, role, position) })),
        ...(ephemeralContainers ?? []).map(container => ({ container, role: "ephemeral container" as const, label: `ephemeral container '${container.name ?? "(unnamed)"}'` })),
    ];
}

/**
 * PSS "Policies for Windows pods": restricted does not check allowPrivilegeEscalation, seccomp
 * and capabilities of pods that set `spec.os.name: windows` (those fields mean nothing there),
 * since Kubernetes 1.25.
 */
function windowsExempt(pod: PodView, minor: PssMinor): boolean {
    return minor >= 25 && pod.spec.os?.name === "windows";
}

// ---------------------------------------------------------------------------------------------
// Settings. Each policy declares its settings with their defaults in its config schema, and reads
// them with readConfig (a missing setting takes its default; the CLI validates the values against
// the schema before the policy sees them).

/** Settings the controls read. Only the policies whose schema names a setting honour it. */
export interface ControlSettings {
    /** Host ports a pod may bind (no-host-ports). */
    allowedHostPorts: number[];
    /** Sysctls allowed beyond the safe set (safe-sysctls-only). */
    allowSysctls: string[];
}

/** What Pod Security admission allows: no exceptions (the API server doesn't read our config). */
export const ADMISSION_SETTINGS: ControlSettings = { allowedHostPorts: [], allowSysctls: [] };

// ---------------------------------------------------------------------------------------------
// The controls: each returns its findings for one pod, as "<who> <what is wrong>; <what to set>".

export type PssLevel = "baseline" | "restricted";

/**
 * The Pod Security Standards version controls judge by, as the minor version of Kubernetes 1.x
 * (a namespace's pod-security.kubernetes.io/enforce-version: v1.33 is 33), {@link LATEST_PSS} for
 * `latest`. Versions before 1.22, where Pod Security admission began, are judged as 1.22.
 */
export type PssMinor = number;
export const LATEST_PSS: PssMinor = Number.POSITIVE_INFINITY;

export interface Control {
    name: string;
    level: PssLevel;
    description: string;
    /** Extra config settings this control takes (beyond exemptNamespaces / exemptWorkloads), each with its default. */
    settings?: { [K in keyof ControlSettings]?: SettingSchema<ControlSettings[K]> };
    /** The findings for one pod under the standards of Kubernetes 1.`minor` (the policies judge by the latest). */
    check(pod: PodView, settings: ControlSettings, minor: PssMinor): string[];
    /** The Kubernetes minor version from which admission applies the control (unset: every version). */
    since?: PssMinor;
    /**
     * Baseline controls a restricted one replaces at the restricted level, as admission's
     * OverrideCheckIDs do: it reports what they would (and, for Windows pods, exempts what they
     * don't), so a restricted namespace's refusal names each problem once.
     */
    overrides?: readonly string[];
}

/** Capabilities baseline lets a container add (PSS Baseline, "Capabilities"). */
export const BASELINE_CAPABILITIES = [
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
];

/**
 * Sysctls baseline allows (PSS Baseline, "Sysctls"), each with the Kubernetes minor version that
 * added it: the five of 1.0, ip_local_reserved_ports (1.27), the TCP keepalive and fin_timeout
 * settings (1.29), tcp_rmem / tcp_wmem (1.32) and tcp_slow_start_after_idle / tcp_notsent_lowat
 * (1.37). Allow others with `allowSysctls` where the nodes' kubelets do (Pod Security admission
 * still won't).
 */
const SAFE_SYSCTLS_SINCE: readonly (readonly [string, PssMinor])[] = [
    ["kernel.shm_rmid_forced", 0], ["net.ipv4.ip_local_port_range", 0], ["net.ipv4.ip_unprivileged_port_start", 0],
    ["net.ipv4.tcp_syncookies", 0], ["net.ipv4.ping_group_range", 0], ["net.ipv4.ip_local_reserved_ports", 27],
    ["net.ipv4.tcp_keepalive_time", 29], ["net.ipv4.tcp_fin_timeout", 29], ["net.ipv4.tcp_keepalive_intvl", 29],
    ["net.ipv4.tcp_keepalive_probes", 29], ["net.ipv4.tcp_rmem", 32], ["net.ipv4.tcp_wmem", 32],
    ["net.ipv4.tcp_slow_start_after_idle", 37], ["net.ipv4.tcp_notsent_lowat", 37],
];

/** The values of a list whose entries each came with a Kubernetes minor version, as of 1.`minor`'s standards. */
function asOf(list: readonly (readonly [string, PssMinor])[], minor: PssMinor): string[] {
    return list.filter(([, since]) => minor >= since).map(([value]) => value);
}

/** The safe sysctls of Kubernetes 1.`minor`'s standards. */
function safeSysctls(minor: PssMinor): string[] {
    return asOf(SAFE_SYSCTLS_SINCE, minor);
}

export const SAFE_SYSCTLS = safeSysctls(LATEST_PSS);

/** SELinux types baseline allows (PSS Baseline, "SELinux"), each with the minor version that added it (container_engine_t 1.31); user and role must stay unset. */
const SELINUX_TYPES_SINCE: readonly (readonly [string, PssMinor])[] = [["container_t", 0], ["container_init_t", 0], ["container_kvm_t", 0], ["container_engine_t", 31]];

/** The SELinux types of Kubernetes 1.`minor`'s standards. */
function seLinuxTypes(minor: PssMinor): string[] {
    return asOf(SELINUX_TYPES_SINCE, minor);
}

export const SELINUX_TYPES = seLinuxTypes(LATEST_PSS);

/** Volume sources restricted allows (PSS Restricted, "Volume Types"). */
/** Volume sources restricted allows (image since Kubernetes 1.33: mounting an image is no more than running one). */
export const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"];

const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";
const SECCOMP_OK = ["RuntimeDefault", "Localhost"];

/** Where a securityContext sits, for messages: the pod's (`spec.template.spec.securityContext`) or a container's. */
function podContext(pod: PodView): string {
    return `${pod.specPath}.securityContext`;
}

/**
 * What to add to advice about the pod's securityContext for kinds whose controller refuses it by
 * default: Knative Serving rejects spec.template.spec.securityContext fields while its
 * kubernetes.podspec-securitycontext feature is disabled (the default), and takes a container's.
 */
const KNATIVE_POD_CONTEXT = "Knative takes these settings on each container; the pod's securityContext needs its kubernetes.podspec-securitycontext feature.";
const POD_CONTEXT_NOTES: Readonly<Partial<Record<WorkloadKind, string>>> = {
    Service: KNATIVE_POD_CONTEXT, Configuration: KNATIVE_POD_CONTEXT,
};

/** A control's finding as reported: with the kind's note when it names the pod's securityContext. */
function finding(pod: PodView, message: string): string {
    const note = POD_CONTEXT_NOTES[pod.kind];
    return note && message.includes(podContext(pod)) ? `${message} ${note}` : message;
}

const privileged: Control = {
    name: "no-privileged-containers",
    level: "baseline",
    description: "No container runs privileged (PSS baseline, Privileged Containers): a privileged container has every capability and the node's devices, so it owns the node.",
    check: pod => containersOfPod(pod.spec)
        .filter(({ container }) => container.securityContext?.privileged === true)
        .map(({ label }) => `${label} sets securityContext.privileged: true; remove it (or set it to false).`),
};

const hostNamespaces: Control = {
    name: "no-host-namespaces",
    level: "baseline",
    description: "No pod shares the node's network, process or IPC namespace (PSS baseline, Host Namespaces: hostNetwork, hostPID, hostIPC).",
    check: pod => ([["hostNetwork", "network"], ["hostPID", "process"], ["hostIPC", "IPC"]] as const)
        .filter(([field]) => pod.spec[field] === true)
        .map(([field, what]) => `${pod.specPath}.${field} is true, so the pod shares the node's ${what} namespace; remove it (or set it to false).`),
};

const hostPathVolumes: Control = {
    name: "no-host-path-volumes",
    level: "baseline",
    description: "No pod mounts a hostPath volume (PSS baseline, HostPath Volumes): it reads or writes the node's filesystem, and data stays on one node.",
    check: pod => objectsIn<NonNullable<SecurityPodSpec["volumes"]>[number]>(pod.spec.volumes)
        .filter(v => v.hostPath !== undefined && v.hostPath !== null)
        .map(v => `volume '${v.name ?? "(unnamed)"}' is a hostPath volume (${pod.specPath}.volumes[].hostPath); use an emptyDir, a configMap or secret, or a persistentVolumeClaim.`),
};

const hostPorts: Control = {
    name: "no-host-ports",
    level: "baseline",
    description: "No container binds a port on the node (PSS baseline, Host Ports: ports[].hostPort unset or 0, or on the configured list): a host port pins the pod to nodes where the port is free and bypasses Services and NetworkPolicies.",
    settings: {
        allowedHostPorts: { type: "array", items: { type: "integer", minimum: 1, maximum: 65535 }, default: [], description: "Host ports that may be bound (PSS allows a known list); Pod Security admission allows none." },
    },
    check: (pod, settings) => {
        const found: string[] = [];
        for (const { container, label } of containersOfPod(pod.spec)) {
            for (const p of objectsIn<NonNullable<typeof container.ports>[number]>(container.ports)) {
                if (p.hostPort !== undefined && p.hostPort !== null && p.hostPort !== 0 && !settings.allowedHostPorts.includes(p.hostPort)) {
                    found.push(`${label} binds hostPort ${p.hostPort} (containerPort ${p.containerPort ?? "?"}); remove ports[].hostPort and expose it through a Service (or list the port in policy config allowedHostPorts).`);
                }
            }
        }
        return found;
    },
};

/** A capability name as Pod Security spells it: `cap_chown` → `CHOWN`. */
function canonicalCapability(name: string): string {
    return String(name).toUpperCase().replace(/^CAP_/, "");
}

const baselineCapabilities: Control = {
    name: "baseline-capabilities-only",
    level: "baseline",
    description: `No container adds a capability beyond the baseline set (PSS baseline, Capabilities: ${BASELINE_CAPABILITIES.join(", ")}): SYS_ADMIN, NET_ADMIN, SYS_PTRACE and the like break out of the container.`,
    check: pod => containersOfPod(pod.spec).flatMap(({ container, label }) => {
        const extra = stringsIn(container.securityContext?.capabilities?.add).filter(c => !BASELINE_CAPABILITIES.includes(c));
        // chown or CAP_CHOWN is not CHOWN to Pod Security, which matches names exactly.
        const misspelt = extra.map(c => [c, canonicalCapability(c)]).filter(([, c]) => BASELINE_CAPABILITIES.includes(c)).map(([c, canonical]) => `${c} as ${canonical}`);
        const hint = misspelt.length ? `; names are matched exactly, in capitals and without CAP_: write ${misspelt.join(", ")}` : "";
        return extra.length ? [`${label} adds ${extra.join(", ")} in securityContext.capabilities.add; remove ${extra.length > 1 ? "them" : "it"} (baseline allows only ${BASELINE_CAPABILITIES.join(", ")}${hint}).`] : [];
    }),
};

/** Whether a pod runs in its own user namespace (hostUsers: false) where Pod Security relaxes the user and /proc checks: since Kubernetes 1.35. */
function userNamespaced(pod: PodView, minor: PssMinor): boolean {
    return minor >= 35 && pod.spec.hostUsers === false;
}

function unmaskedProc(pod: PodView): string[] {
    return containersOfPod(pod.spec)
        .filter(({ container }) => container.securityContext?.procMount !== undefined && container.securityContext.procMount !== null && container.securityContext.procMount !== "Default")
        .map(({ container, label }) => `${label} sets securityContext.procMount: ${container.securityContext?.procMount}; remove it (or set it to Default).`);
}

const procMount: Control = {
    name: "default-proc-mount",
    level: "baseline",
    description: "No container unmasks /proc (PSS baseline, /proc Mount Type: securityContext.procMount unset or Default), unless the pod runs in its own user namespace (hostUsers: false, Kubernetes 1.35+: restricted-proc-mount still forbids it there).",
    check: (pod, _settings, minor) => (userNamespaced(pod, minor) ? [] : unmaskedProc(pod)),
};

const restrictedProcMount: Control = {
    name: "restricted-proc-mount",
    level: "restricted",
    description: "No container of a pod in its own user namespace (hostUsers: false) unmasks /proc (PSS restricted, /proc Mount Type: baseline allows it there since Kubernetes 1.35, restricted doesn't; other pods are default-proc-mount's).",
    check: (pod, _settings, minor) => (userNamespaced(pod, minor) ? unmaskedProc(pod) : []),
};

const sysctls: Control = {
    name: "safe-sysctls-only",
    level: "baseline",
    description: `Pods set only safe sysctls (PSS baseline, Sysctls: ${SAFE_SYSCTLS.join(", ")}): others are node-wide or not isolated between pods.`,
    settings: {
        allowSysctls: { type: "array", items: { type: "string" }, default: [], description: "Sysctls allowed beyond the safe set, where the nodes' kubelets allow them (--allowed-unsafe-sysctls); Pod Security admission still refuses them in baseline and restricted namespaces." },
    },
    check: (pod, settings, minor) => {
        const safe = safeSysctls(minor);
        const names = objectsIn<{ name?: string }>(pod.spec.securityContext?.sysctls).map(s => String(s.name ?? "")).filter(n => !safe.includes(n) && !settings.allowSysctls.includes(n));
        return names.length ? [`${podContext(pod)}.sysctls sets ${names.join(", ")}, outside the safe set; remove ${names.length > 1 ? "them" : "it"} (or list ${names.length > 1 ? "them" : "it"} in policy config allowSysctls if the nodes allow ${names.length > 1 ? "them" : "it"}).`] : [];
    },
};

function seLinuxProblems(options: SELinuxOptions | undefined, where: string, minor: PssMinor): string[] {
    const found: string[] = [];
    const types = seLinuxTypes(minor);
    if (options?.type && !types.includes(options.type)) {
        found.push(`${where}.seLinuxOptions.type is ${options.type}; remove it or use one of ${types.join(", ")}.`);
    }
    for (const field of ["user", "role"] as const) {
        if (options?.[field]) {
            found.push(`${where}.seLinuxOptions.${field} is ${options[field]}; remove it (baseline allows no custom SELinux ${field}).`);
        }
    }
    return found;
}

const seLinux: Control = {
    name: "no-custom-selinux-options",
    level: "baseline",
    description: `No pod or container sets a custom SELinux user or role, or a type other than ${SELINUX_TYPES.join(", ")} (PSS baseline, SELinux).`,
    check: (pod, _settings, minor) => [
        ...seLinuxProblems(pod.spec.securityContext?.seLinuxOptions, podContext(pod), minor),
        ...containersOfPod(pod.spec).flatMap(({ container, label }) => seLinuxProblems(container.securityContext?.seLinuxOptions, `${label} securityContext`, minor)),
    ],
};

const appArmor: Control = {
    name: "no-apparmor-unconfined",
    level: "baseline",
    description: "No pod or container turns AppArmor off (PSS baseline, AppArmor: appArmorProfile.type unset, RuntimeDefault or Localhost; the beta annotation container.apparmor.security.beta.kubernetes.io/* unset, empty, runtime/default or localhost/*).",
    check: pod => {
        const found: string[] = [];
        const typeOk = (t: string | undefined) => t === undefined || t === null || t === "RuntimeDefault" || t === "Localhost";
        const podType = pod.spec.securityContext?.appArmorProfile?.type;
        if (!typeOk(podType)) {
            found.push(`${podContext(pod)}.appArmorProfile.type is ${podType}; remove it or set RuntimeDefault (or Localhost with a profile).`);
        }
        for (const { container, label } of containersOfPod(pod.spec)) {
            const t = container.securityContext?.appArmorProfile?.type;
            if (!typeOk(t)) {
                found.push(`${label} sets securityContext.appArmorProfile.type: ${t}; remove it or set RuntimeDefault (or Localhost with a profile).`);
            }
        }
        for (const [key, value] of Object.entries(pod.annotations)) {
            // Empty, runtime/default and localhost/* are allowed, as Pod Security allows them.
            if (key.startsWith(APPARMOR_ANNOTATION) && value !== "" && value !== "runtime/default" && !String(value).startsWith("localhost/")) {
                found.push(`${pod.metaPath}.annotations['${key}'] is ${value} (container '${key.slice(APPARMOR_ANNOTATION.length)}'); remove it or use runtime/default (better: securityContext.appArmorProfile.type: RuntimeDefault).`);
            }
        }
        return found;
    },
};

/**
 * Seccomp profiles that turn seccomp off (PSS baseline, Seccomp): the pod's, then each container's.
 * Restricted reports the same, and also containers that end up with no profile at all.
 */
function seccompOffFindings(pod: PodView): string[] {
    const found: string[] = [];
    const podType = pod.spec.securityContext?.seccompProfile?.type;
    if (podType !== undefined && podType !== null && !SECCOMP_OK.includes(podType)) {
        found.push(`${podContext(pod)}.seccompProfile.type is ${podType}; set RuntimeDefault (or Localhost with a profile).`);
    }
    for (const { container, label } of containersOfPod(pod.spec)) {
        const t = container.securityContext?.seccompProfile?.type;
        if (t !== undefined && t !== null && !SECCOMP_OK.includes(t)) {
            // Inheriting helps only when the pod has a profile of its own.
            const inherit = podType !== undefined && podType !== null && SECCOMP_OK.includes(podType) ? ", or remove it to inherit the pod's" : "";
            found.push(`${label} sets securityContext.seccompProfile.type: ${t}; set RuntimeDefault (or Localhost with a profile)${inherit}.`);
        }
    }
    return found;
}

const seccompUnconfined: Control = {
    name: "no-seccomp-unconfined",
    level: "baseline",
    description: "No pod or container turns seccomp off (PSS baseline, Seccomp: seccompProfile.type unset, RuntimeDefault or Localhost).",
    check: seccompOffFindings,
};

const hostProcess: Control = {
    name: "no-windows-host-process",
    level: "baseline",
    description: "No pod or container runs as a Windows HostProcess (PSS baseline, HostProcess: windowsOptions.hostProcess unset or false): it has the Windows node's full privileges.",
    check: pod => [
        ...(pod.spec.securityContext?.windowsOptions?.hostProcess === true ? [`${podContext(pod)}.windowsOptions.hostProcess is true; remove it (or set it to false).`] : []),
        ...containersOfPod(pod.spec)
            .filter(({ container }) => container.securityContext?.windowsOptions?.hostProcess === true)
            .map(({ label }) => `${label} sets securityContext.windowsOptions.hostProcess: true; remove it (or set it to false).`),
    ],
};

/** The handlers of a container whose `host` baseline restricts, with their field paths. */
function hostHandlers(c: SecurityContainer): [string, HostHandler | undefined][] {
    return [
        ["livenessProbe", c.livenessProbe], ["readinessProbe", c.readinessProbe], ["startupProbe", c.startupProbe],
        ["lifecycle.postStart", c.lifecycle?.postStart], ["lifecycle.preStop", c.lifecycle?.preStop],
    ];
}

const probeHost: Control = {
    name: "no-probe-host",
    level: "baseline",
    description: "No probe or lifecycle hook points at another host (PSS baseline, Host Probes / Lifecycle Hooks, Kubernetes 1.34+: httpGet.host and tcpSocket.host unset or empty): the kubelet would connect from the node to any address the pod names.",
    since: 34,
    check: pod => containersOfPod(pod.spec).flatMap(({ container, label }) => hostHandlers(container).flatMap(([field, handler]) =>
        (["httpGet", "tcpSocket"] as const)
            .filter(kind => handler?.[kind]?.host)
            .map(kind => `${label} sets ${field}.${kind}.host: ${handler?.[kind]?.host}; remove it, so the kubelet checks the pod's own IP.`))),
};

const runAsNonRoot: Control = {
    name: "run-as-non-root",
    level: "restricted",
    description: "Containers must run as non-root (PSS restricted, Running as Non-root: the pod's securityContext.runAsNonRoot true, or every container's; no container may set false): the kubelet then refuses an image that would start as root. Not checked for a pod in its own user namespace (hostUsers: false, Kubernetes 1.35+), where root is no one on the node.",
    check: (pod, _settings, minor) => {
        if (userNamespaced(pod, minor)) {
            return [];
        }
        const found: string[] = [];
        const podValue = pod.spec.securityContext?.runAsNonRoot;
        if (podValue === false) {
            found.push(`${podContext(pod)}.runAsNonRoot is false; set it to true.`);
        }
        for (const { container, label } of containersOfPod(pod.spec)) {
            const value = container.securityContext?.runAsNonRoot;
            if (value === false) {
                found.push(`${label} sets securityContext.runAsNonRoot: false; set it to true (or remove it and set ${podContext(pod)}.runAsNonRoot: true).`);
            } else if (value !== true && podValue !== true) {
                const uid = container.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser;
                found.push(typeof uid === "number" && uid > 0
                    // A non-zero runAsUser already keeps it off root; restricted still asks for the kubelet's guarantee.
                    ? `${label} runs as user ${uid} but doesn't set runAsNonRoot: true, which the restricted level requires (the kubelet then refuses to start it as root, whatever the image says); set ${podContext(pod)}.runAsNonRoot: true (or securityContext.runAsNonRoot: true on the container).`
                    : `${label} may run as root; set ${podContext(pod)}.runAsNonRoot: true (or securityContext.runAsNonRoot: true on the container), with a numeric runAsUser if the image's user is not numeric.`);
            }
        }
        return found;
    },
};

const runAsUser: Control = {
    name: "no-root-user",
    level: "restricted",
    description: "No pod or container sets runAsUser: 0 (PSS restricted, Running as Non-root user; not checked for a pod in its own user namespace, hostUsers: false, Kubernetes 1.35+).",
    since: 23,
    check: (pod, _settings, minor) => userNamespaced(pod, minor) ? [] : [
        ...(pod.spec.securityContext?.runAsUser === 0 ? [`${podContext(pod)}.runAsUser is 0 (root); set the image's non-root UID.`] : []),
        ...containersOfPod(pod.spec)
            .filter(({ container }) => container.securityContext?.runAsUser === 0)
            .map(({ label }) => `${label} sets securityContext.runAsUser: 0 (root); set the image's non-root UID.`),
    ],
};

const privilegeEscalation: Control = {
    name: "no-privilege-escalation",
    level: "restricted",
    description: "Every container sets securityContext.allowPrivilegeEscalation: false (PSS restricted, Privilege Escalation; not checked for Windows pods): otherwise setuid binaries can gain privileges.",
    check: (pod, _settings, minor) => windowsExempt(pod, minor) ? [] : containersOfPod(pod.spec)
        .filter(({ container }) => container.securityContext?.allowPrivilegeEscalation !== false)
        .map(({ container, label }) => `${label} ${container.securityContext?.allowPrivilegeEscalation === true ? "sets securityContext.allowPrivilegeEscalation: true" : "does not set securityContext.allowPrivilegeEscalation"}; set it to false.`),
};

const dropAll: Control = {
    name: "drop-all-capabilities",
    level: "restricted",
    overrides: ["baseline-capabilities-only"],
    description: "Every container drops ALL capabilities and adds back at most NET_BIND_SERVICE (PSS restricted, Capabilities; not checked for Windows pods).",
    check: (pod, _settings, minor) => windowsExempt(pod, minor) ? [] : containersOfPod(pod.spec).flatMap(({ container, label }) => {
        const found: string[] = [];
        const caps = container.securityContext?.capabilities;
        const drops = stringsIn(caps?.drop);
        if (!drops.includes("ALL")) {
            const near = drops.find(d => canonicalCapability(d) === "ALL");
            found.push(near === undefined
                ? `${label} does not drop ALL capabilities; set securityContext.capabilities.drop: [ALL].`
                : `${label} drops '${near}', which Pod Security doesn't count as ALL (it matches capability names exactly); set securityContext.capabilities.drop: [ALL].`);
        }
        const added = stringsIn(caps?.add).filter(c => c !== "NET_BIND_SERVICE");
        if (added.length) {
            found.push(`${label} adds ${added.join(", ")} in securityContext.capabilities.add; restricted allows adding only NET_BIND_SERVICE.`);
        }
        return found;
    }),
};

/** The alpha annotations that set a seccomp profile before the field (Kubernetes 1.19); ignored since 1.27. */
const SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/";

const seccompRequired: Control = {
    name: "seccomp-profile-required",
    level: "restricted",
    overrides: ["no-seccomp-unconfined"],
    description: "Every container runs under a seccomp profile (PSS restricted, Seccomp: seccompProfile.type RuntimeDefault or Localhost on the pod, or on every container; not checked for Windows pods).",
    check: (pod, _settings, minor) => {
        if (windowsExempt(pod, minor)) {
            return [];
        }
        const podType = pod.spec.securityContext?.seccompProfile?.type;
        const podOk = podType !== undefined && podType !== null && SECCOMP_OK.includes(podType);
        const unset = podOk ? [] : containersOfPod(pod.spec)
            .filter(({ container }) => container.securityContext?.seccompProfile?.type === undefined || container.securityContext.seccompProfile.type === null)
            .map(({ container, label }) => {
                const annotation = [SECCOMP_POD_ANNOTATION, `${SECCOMP_CONTAINER_ANNOTATION}${container.name ?? ""}`].find(key => pod.annotations[key] !== undefined);
                // Manifests written before 1.19 set the profile by annotation; say why it no longer counts.
                const legacy = annotation ? ` (the annotation ${annotation} it sets has had no effect since Kubernetes 1.27, deprecated since 1.19: only the field counts)` : "";
                // A pod-level type that isn't allowed (Unconfined) is what the container runs under: say so.
                const what = podType !== undefined && podType !== null ? `sets no seccomp profile, so it runs under the pod's ${podType}` : "has no seccomp profile";
                return `${label} ${what}${legacy}; set ${podContext(pod)}.seccompProfile.type: RuntimeDefault (or securityContext.seccompProfile.type on the container).`;
            });
        return [...seccompOffFindings(pod), ...unset];
    },
};

const volumeTypes: Control = {
    name: "restricted-volume-types",
    level: "restricted",
    overrides: ["no-host-path-volumes"],
    description: `Pods use only the volume types restricted allows (PSS restricted, Volume Types: ${RESTRICTED_VOLUME_TYPES.join(", ")}): other sources reach the node or storage directly, around PersistentVolumes.`,
    check: pod => objectsIn<NonNullable<SecurityPodSpec["volumes"]>[number]>(pod.spec.volumes).flatMap(v => {
        const sources = Object.keys(v).filter(k => k !== "name" && v[k] !== undefined && v[k] !== null);
        const bad = sources.filter(s => !RESTRICTED_VOLUME_TYPES.includes(s));
        return bad.length ? [`volume '${v.name ?? "(unnamed)"}' is of type ${bad.join("/")}; use ${RESTRICTED_VOLUME_TYPES.join(", ")} (a persistentVolumeClaim for storage).`] : [];
    }),
};

/** Baseline controls, in the order of the PSS table. */
export const BASELINE_CONTROLS: Control[] = [hostProcess, hostNamespaces, privileged, baselineCapabilities, hostPathVolumes, hostPorts, probeHost, appArmor, seLinux, procMount, seccompUnconfined, sysctls];
/** Restricted controls (restricted also includes every baseline control). */
export const RESTRICTED_CONTROLS: Control[] = [volumeTypes, privilegeEscalation, runAsNonRoot, runAsUser, seccompRequired, dropAll, restrictedProcMount];

/** The baseline controls a restricted one overrides there ({@link Control.overrides}). */
const OVERRIDDEN_AT_RESTRICTED = new Set(RESTRICTED_CONTROLS.flatMap(c => c.overrides ?? []));

/** The controls admission applies at each level. */
const LEVEL_CONTROLS: Readonly<Record<PssLevel, readonly Control[]>> = {
    baseline: BASELINE_CONTROLS,
    restricted: [...BASELINE_CONTROLS.filter(c => !OVERRIDDEN_AT_RESTRICTED.has(c.name)), ...RESTRICTED_CONTROLS],
};

/**
 * The findings of a PSS level for one pod, as Pod Security admission would judge it (no configured
 * exceptions), by the standards of Kubernetes 1.`minor` (the latest unless given): restricted is
 * every baseline control but those a restricted one overrides, and the restricted controls.
 */
export function levelFindings(pod: PodView, level: PssLevel, minor: PssMinor = LATEST_PSS): { control: string; message: string }[] {
    return LEVEL_CONTROLS[level]
        .filter(c => (c.since ?? 0) <= minor)
        .flatMap(c => c.check(pod, ADMISSION_SETTINGS, minor).map(message => ({ control: c.name, message: finding(pod, message) })));
}

// ---------------------------------------------------------------------------------------------
// Policies from controls.

/** Settings every control policy takes. */
interface ExemptionSettings {
    exemptNamespaces: string[];
    exemptWorkloads: string[];
}

const EXEMPTION_SCHEMA: { [K in keyof ExemptionSettings]: SettingSchema<ExemptionSettings[K]> } = {
    exemptNamespaces: { type: "array", items: { type: "string" }, default: ["kube-system"], description: "Namespaces whose pods are not checked (system namespaces the labs don't own)." },
    exemptWorkloads: { type: "array", items: { type: "string" }, default: [], description: "Workloads not checked, as '<namespace>/<name>' (a documented exception: say why in the README's security section)." },
};

function controlPolicy(control: Control): ResourceValidationPolicy {
    const schema = configSchema<ExemptionSettings & Partial<ControlSettings>>({ ...EXEMPTION_SCHEMA, ...control.settings });
    return {
        name: control.name,
        description: control.description,
        enforcementLevel: control.level === "baseline" ? "mandatory" : "advisory",
        configSchema: schema,
        validateResource: (args, reportViolation) => {
            const pod = podViewOf(args.type, args.props, args.name);
            if (!pod) {
                return;
            }
            const { exemptNamespaces, exemptWorkloads, ...taken } = readConfig(schema, args);
            if (exemptNamespaces.includes(pod.namespace) || exemptWorkloads.includes(`${pod.namespace}/${pod.name}`)) {
                return;
            }
            // A control reads only the settings its schema declares; the others stay at admission's (none).
            const settings: ControlSettings = { ...ADMISSION_SETTINGS, ...taken };
            for (const message of control.check(pod, settings, LATEST_PSS)) {
                reportViolation(`${pod.what}: ${finding(pod, message)}`);
            }
        },
    };
}

export const baselinePolicies: ResourceValidationPolicy[] = BASELINE_CONTROLS.map(controlPolicy);
export const restrictedPolicies: ResourceValidationPolicy[] = RESTRICTED_CONTROLS.map(controlPolicy);

// ---------------------------------------------------------------------------------------------
// Namespaces.

export const ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
const MODE_LABELS = ["enforce", "warn", "audit"].map(mode => `pod-security.kubernetes.io/${mode}`);
/** Levels of Pod Security admission, least strict first. */
export const LEVELS = ["privileged", "baseline", "restricted"] as const;
export type AdmissionLevel = (typeof LEVELS)[number];


function levelRank(level: string): number {
    return (LEVELS as readonly string[]).indexOf(level);
}

/** A version label's form, as Pod Security admission parses it (`latest` aside): v1.0, v1.33, no leading zeros. */
const VERSION_VALUE = /^v1\.([0-9]|[1-9][0-9]*)$/;

/** What Pod Security admission enforces in a namespace, read from its labels as admission reads them. */
export interface EnforcedPolicy {
    level: AdmissionLevel;
    /** The standards the pods are judged by ({@link PssMinor}: before 1.22 as 1.22). */
    minor: PssMinor;
    /** The enforce-version label when it names a version (`v1.33`). */
    version?: string;
    /** The enforce label's own value, when admission read it as something else (an invalid level is enforced as restricted). */
    invalidLevel?: string;
}

/**
 * The policy admission enforces from a namespace's labels (PolicyToEvaluate): undefined without
 * an enforce label (the cluster's default applies, privileged unless configured); an invalid
 * level fails closed to restricted; the version is `enforce-version`, `latest` when unset or
 * invalid.
 */
export function enforcedPolicy(labels: Record<string, string>): EnforcedPolicy | undefined {
    const value = labels[ENFORCE_LABEL];
    if (value === undefined) {
        return undefined;
    }
    const label = labels[`${ENFORCE_LABEL}-version`] ?? "";
    const pinned = VERSION_VALUE.exec(label);
    const version = pinned ? { minor: Math.max(Number(pinned[1]), 22), version: label } : { minor: LATEST_PSS };
    return levelRank(value) >= 0 ? { level: value as AdmissionLevel, ...version } : { level: "restricted", ...version, invalidLevel: value };
}

interface NamespaceLabelSettings {
    exemptNamespaces: string[];
    minimumLevel: AdmissionLevel;
}

const namespaceLabelSchema = configSchema<NamespaceLabelSettings>({
    exemptNamespaces: { type: "array", items: { type: "string" }, default: SYSTEM_NAMESPACES, description: "Namespaces that need no label (the cluster's own)." },
    minimumLevel: { type: "string", enum: [...LEVELS], default: "baseline", description: "The least strict enforce level accepted." },
});

/** Namespaces carry the Pod Security admission enforce label, at least at the configured level. */
export const namespacePodSecurityLabel: ResourceValidationPolicy = {
    name: "namespace-pod-security-label",
    description: "Every Namespace sets the Pod Security admission label pod-security.kubernetes.io/enforce (restricted where its pods comply, baseline with the reason written beside it otherwise): without it the API server admits any pod, privileged included.",
    enforcementLevel: "advisory",
    configSchema: namespaceLabelSchema,
    validateResource: (args, reportViolation) => {
        if (kindOf(args.type) !== "Namespace") {
            return;
        }
        const obj = args.props as KubeObject;
        const name = obj.metadata?.name ?? args.name;
        const { exemptNamespaces, minimumLevel: minimum } = readConfig(namespaceLabelSchema, args);
        if (exemptNamespaces.includes(name)) {
            return;
        }
        const labels = obj.metadata?.labels ?? {};
        for (const label of MODE_LABELS) {
            const value = labels[label];
            if (value !== undefined && levelRank(value) < 0) {
                // Admission fails closed for enforce (restricted) and open for warn and audit (privileged).
                const read = label === ENFORCE_LABEL ? "Pod Security admission enforces restricted instead" : "Pod Security admission ignores it";
                reportViolation(`Namespace ${name}: label ${label} is ${JSON.stringify(value)}, which is no level (${read}); use one of ${LEVELS.join(", ")}.`);
            }
            const version = labels[`${label}-version`];
            if (version !== undefined && version !== "latest" && !VERSION_VALUE.test(version)) {
                reportViolation(`Namespace ${name}: label ${label}-version is ${JSON.stringify(version)}, which Pod Security admission reads as latest; use latest or v1.<minor> (e.g. v1.33).`);
            }
        }
        const enforce = labels[ENFORCE_LABEL];
        if (enforce === undefined) {
            reportViolation(`Namespace ${name} has no ${ENFORCE_LABEL} label; set metadata.labels['${ENFORCE_LABEL}'] to restricted (or baseline, with the reason), and pod-security.kubernetes.io/warn and audit to restricted.`);
        } else if (levelRank(enforce) >= 0 && levelRank(enforce) < levelRank(minimum)) {
            reportViolation(`Namespace ${name} enforces ${enforce}, below ${minimum}; set metadata.labels['${ENFORCE_LABEL}'] to ${minimum === "restricted" ? "restricted" : "baseline or restricted"}.`);
        }
    },
};

/**
 * Workload kinds whose pods Pod Security admission may see otherwise than the stack writes them:
 * Knative's secure-pod-defaults feature (an operator's setting, planned as the default from
 * Knative 1.21) fills in a revision's securityContext first, so whether admission refuses them
 * depends on the cluster. The namespace-level rules leave them out; the controls' own policies
 * still advise on them.
 */
const ADMISSION_DEPENDS_ON_CLUSTER: readonly WorkloadKind[] = ["Service", "Configuration"];

/** Settings of the namespace-wide stack policies. */
interface NamespaceExemptions {
    exemptNamespaces: string[];
}

/**
 * The stack's pods and Namespaces, read once: each workload's pod with its resource, each
 * Namespace by name. Knative's kinds are left out ({@link ADMISSION_DEPENDS_ON_CLUSTER}).
 */
function stackPods(resources: PolicyResource[]): { index: StackIndex; pods: { resource: PolicyResource; pod: PodView }[]; namespaces: Map<string, Indexed> } {
    const index = indexStack(resources);
    const pods = index.podWorkloads.filter(w => !ADMISSION_DEPENDS_ON_CLUSTER.includes(w.kind)).flatMap(w => {
        const pod = workloadPod(w.kind, w.obj, w.resource.name);
        return pod ? [{ resource: w.resource, pod }] : [];
    });
    return { index, pods, namespaces: new Map(index.all("Namespace").map(ns => [ns.name, ns])) };
}

const admissionExemptionSchema = configSchema<NamespaceExemptions>({
    exemptNamespaces: { type: "array", items: { type: "string" }, default: [], description: "Namespaces the cluster's Pod Security admission configuration exempts (exemptions.namespaces)." },
});

/** Pods satisfy the level their Namespace enforces; the API server refuses those that don't. */
export const podsMeetNamespaceLevel: StackValidationPolicy = {
    name: "pods-meet-namespace-level",
    description: "Every pod satisfies the Pod Security level its Namespace enforces (pod-security.kubernetes.io/enforce baseline or restricted, by the standards of pod-security.kubernetes.io/enforce-version when it names one, judged as Pod Security admission does, without this pack's configured exceptions; an enforce value that is no level is enforced as restricted): otherwise the API server refuses the pods, and the workload never starts.",
    enforcementLevel: "mandatory",
    configSchema: admissionExemptionSchema,
    validateStack: (args, reportViolation) => {
        const { exemptNamespaces } = readConfig(admissionExemptionSchema, args);
        const { pods, namespaces } = stackPods(args.resources);
        for (const { resource, pod } of pods) {
            const ns = namespaces.get(pod.namespace);
            const policy = ns && !exemptNamespaces.includes(pod.namespace) ? enforcedPolicy(ns.obj.metadata?.labels ?? {}) : undefined;
            if (!policy || policy.level === "privileged") {
                continue;
            }
            const version = policy.version === undefined ? "" : ` as of ${policy.version}`;
            const enforces = policy.invalidLevel === undefined
                ? `enforces ${policy.level}${version}`
                : `has ${ENFORCE_LABEL}: ${JSON.stringify(policy.invalidLevel)}, no level, so admission enforces restricted${version}`;
            for (const { control, message } of levelFindings(pod, policy.level, policy.minor)) {
                reportViolation(`${pod.what}: Namespace ${pod.namespace} ${enforces}, and Pod Security admission will refuse its pods (${control}): ${message}`, resource.urn);
            }
        }
    },
};

/**
 * A default-deny ingress policy: it selects every pod (podSelector {}), covers ingress and allows
 * nothing (no ingress rules). When policyTypes is unset, Kubernetes counts Ingress in
 * (NetworkPolicySpec.policyTypes: "If this field is not specified, it will default based on the
 * existence of ingress or egress rules; policies that contain an egress section are assumed to
 * affect egress, and all policies (whether or not they contain an ingress section) are assumed to
 * affect ingress").
 */
export function isDefaultDenyIngress(spec: NetworkPolicySpec | undefined): boolean {
    if (!spec) {
        return false;
    }
    return isEmptySelector(spec.podSelector ?? {}) && coversIngress(spec) && (spec.ingress ?? []).length === 0;
}

const defaultDenySchema = configSchema<NamespaceExemptions>({
    exemptNamespaces: { type: "array", items: { type: "string" }, default: SYSTEM_NAMESPACES, description: "Namespaces that need no default-deny policy (the cluster's own)." },
});

/** A namespace that runs workloads starts from a default-deny ingress NetworkPolicy. */
export const namespaceDefaultDenyIngress: StackValidationPolicy = {
    name: "namespace-default-deny-ingress",
    description: "Every namespace that runs workloads (or an operator's database, broker or monitoring resource, whose pods the operator runs there) has a default-deny ingress NetworkPolicy (podSelector: {}, policyTypes: [Ingress], no ingress rules), so that only the paths other policies allow are open: without one, every pod in the cluster reaches every pod.",
    enforcementLevel: "advisory",
    configSchema: defaultDenySchema,
    validateStack: (args, reportViolation) => {
        const { exemptNamespaces } = readConfig(defaultDenySchema, args);
        const { index, pods, namespaces } = stackPods(args.resources);
        const workloads = new Map<string, string[]>();
        const runs = (namespace: string, what: string) => {
            if (!exemptNamespaces.includes(namespace)) {
                workloads.set(namespace, [...(workloads.get(namespace) ?? []), what]);
            }
        };
        for (const { pod } of pods) {
            runs(pod.namespace, pod.what);
        }
        // An operator's custom resource runs pods of its namespace too (lib/operator-pods.ts).
        for (const o of operatorResourcesIn(index)) {
            runs(o.namespace, describeOperatorResource(o.resource.type, o.resource.props, o.resource.name));
        }
        const denied = new Set<string>();
        for (const np of index.all("NetworkPolicy")) {
            if (isDefaultDenyIngress(np.obj.spec as NetworkPolicySpec | undefined)) {
                denied.add(np.namespace);
            }
        }
        for (const [ns, whats] of workloads) {
            if (!denied.has(ns)) {
                const shown = whats.length > 3 ? `${whats.slice(0, 3).join(", ")} and ${whats.length - 3} more` : whats.join(", ");
                reportViolation(`Namespace ${ns} runs ${shown} but has no default-deny ingress NetworkPolicy; add one with podSelector: {}, policyTypes: [Ingress] and no ingress rules, then allow each path its pods need (from the ingress controller, from the pods that call them).`,
                    namespaces.get(ns)?.resource.urn);
            }
        }
    },
};

/** The pod-security family: baseline controls, restricted controls, then the namespace rules. */
export const securityPolicies: Policies = [
    ...baselinePolicies,
    ...restrictedPolicies,
    namespacePodSecurityLabel,
    podsMeetNamespaceLevel,
    namespaceDefaultDenyIngress,
];
