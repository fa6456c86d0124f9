/**
 * The pod-security family, control by control, on plain objects: each Pod Security Standards
 * control fails where the standard says and passes its allowed values; the namespace rules (enforce
 * label, the level the namespace enforces, default-deny ingress); exemptions and config defaults.
 * The family runs as its own pack here, so these tests don't depend on the pack's registration.
 */
import * as assert from "assert";
import * as path from "path";
import { PolicyPackArgs } from "@pulumi/policy";
import {
    BASELINE_CONTROLS, LATEST_PSS, RESTRICTED_CONTROLS, containersOfPod, enforcedPolicy, isDefaultDenyIngress, levelFindings, podViewOf, securityPolicies,
} from "../policy/security";
import { checkPaths, messageOf } from "../tools/check-lib";
import { ManifestObject, manifestResources, manifestUrn } from "../tools/manifests";
import { UNKNOWN_SENTINEL } from "../tools/render";
import { PackUnderTest, PolicyDiagnostic, PolicyPackConfigFile, PolicyRun, resolvePolicyConfig, runPolicyPack } from "../tools/policy-harness";

type Spec = Record<string, unknown>;
interface TestContainer { name: string; image: string; securityContext?: Spec; ports?: Spec[]; [key: string]: unknown }
interface TestPodSpec { containers: TestContainer[]; initContainers?: TestContainer[]; ephemeralContainers?: TestContainer[]; securityContext?: Spec; volumes?: Spec[]; [key: string]: unknown }

const packArgs: PolicyPackArgs = { description: "pod security (test)", enforcementLevel: "mandatory", policies: securityPolicies };
const securityPack: PackUnderTest = { name: "kubelab", version: "0.0.0", args: packArgs };
const FIXTURES = path.join(__dirname, "fixtures", "security");

async function run(objects: ManifestObject[], config: PolicyPackConfigFile = {}): Promise<PolicyRun> {
    return runPolicyPack(securityPack, manifestResources(objects), resolvePolicyConfig(packArgs, config));
}

function of(r: PolicyRun, policy: string): PolicyDiagnostic[] {
    return r.diagnostics.filter(d => d.policyName === policy);
}

async function messages(policy: string, objects: ManifestObject[], config: PolicyPackConfigFile = {}): Promise<string[]> {
    return of(await run(objects, config), policy).map(messageOf);
}

/** A pod spec that satisfies restricted. */
function securePodSpec(name: string): TestPodSpec {
    return {
        securityContext: { runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
        containers: [{
            name,
            image: "example/app:1.0.0",
            ports: [{ containerPort: 8080 }],
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        }],
        volumes: [{ name: "tmp", emptyDir: {} }, { name: "config", configMap: { name: "app" } }],
    };
}

const KIND_VERSIONS: Record<string, string> = { Pod: "v1", Deployment: "apps/v1", StatefulSet: "apps/v1", DaemonSet: "apps/v1", ReplicaSet: "apps/v1", Job: "batch/v1", CronJob: "batch/v1" };

/** A workload of `kind` around a secure pod, patched by `patch`. */
function workload(kind: string, name: string, patch: (pod: TestPodSpec, meta: { annotations?: Record<string, string> }) => void = () => undefined, namespace = "lab"): ManifestObject {
    const pod = securePodSpec(name);
    const meta: { labels: Record<string, string>; annotations?: Record<string, string> } = { labels: { app: name } };
    patch(pod, meta);
    const template = { metadata: meta, spec: kind === "Job" || kind === "CronJob" ? { restartPolicy: "OnFailure", ...pod } : pod };
    const metadata = { name, namespace };
    switch (kind) {
        case "Pod":
            return { apiVersion: "v1", kind, metadata: { ...metadata, ...meta }, spec: pod };
        case "Job":
            return { apiVersion: "batch/v1", kind, metadata, spec: { template } };
        case "CronJob":
            return { apiVersion: "batch/v1", kind, metadata, spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template } } } };
        default:
            return { apiVersion: KIND_VERSIONS[kind], kind, metadata, spec: { selector: { matchLabels: { app: name } }, ...(kind === "StatefulSet" ? { serviceName: name } : {}), template } };
    }
}

const deploy = (name: string, patch?: (pod: TestPodSpec, meta: { annotations?: Record<string, string> }) => void, namespace = "lab") => workload("Deployment", name, patch, namespace);
const sc = (pod: TestPodSpec, i = 0): Spec => (pod.containers[i].securityContext ??= {});
const podSc = (pod: TestPodSpec): Spec => (pod.securityContext ??= {});

function namespace(name: string, labels: Record<string, string> = { "pod-security.kubernetes.io/enforce": "restricted" }): ManifestObject {
    return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } };
}

function networkPolicy(name: string, spec: Spec, ns = "lab"): ManifestObject {
    return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: ns }, spec };
}

const denyAll = (ns = "lab") => networkPolicy("default-deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] }, ns);

describe("pod-security family", () => {
    it("has one policy per control plus the namespace rules, baseline mandatory and restricted advisory by default", () => {
        const names = securityPolicies.map(p => p.name);
        assert.strictEqual(new Set(names).size, names.length, "names are unique");
        assert.strictEqual(names.length, BASELINE_CONTROLS.length + RESTRICTED_CONTROLS.length + 3);
        for (const c of BASELINE_CONTROLS) {
            assert.strictEqual(securityPolicies.find(p => p.name === c.name)?.enforcementLevel, "mandatory", c.name);
        }
        for (const c of RESTRICTED_CONTROLS) {
            assert.strictEqual(securityPolicies.find(p => p.name === c.name)?.enforcementLevel, "advisory", c.name);
        }
        assert.deepStrictEqual(securityPolicies.slice(-3).map(p => [p.name, p.enforcementLevel]), [
            ["namespace-pod-security-label", "advisory"], ["pods-meet-namespace-level", "mandatory"], ["namespace-default-deny-ingress", "advisory"],
        ]);
        for (const p of securityPolicies) {
            assert.ok(p.configSchema, `${p.name} has a config schema`);
            for (const [key, schema] of Object.entries(p.configSchema.properties)) {
                assert.notStrictEqual(schema.default, undefined, `${p.name}.${key} has a default`);
            }
        }
    });

    it("passes a restricted workload of every kind in a labelled namespace with a default-deny policy", async () => {
        const objects = [namespace("lab"), denyAll(), ...Object.keys(KIND_VERSIONS).map(kind => workload(kind, kind.toLowerCase()))];
        const r = await run(objects);
        assert.deepStrictEqual(r.diagnostics.map(d => `${d.policyName}: ${messageOf(d)}`), []);
    });

    it("finds the pod of every kind, with the path of its fields, and every kind of container", () => {
        const paths = Object.keys(KIND_VERSIONS).map(kind => {
            const o = workload(kind, "x");
            return podViewOf(`kubernetes:${KIND_VERSIONS[kind].includes("/") ? KIND_VERSIONS[kind] : `core/${KIND_VERSIONS[kind]}`}:${kind}`, o as unknown as Record<string, unknown>, "x")?.specPath;
        });
        assert.deepStrictEqual(paths, ["spec", "spec.template.spec", "spec.template.spec", "spec.template.spec", "spec.template.spec", "spec.template.spec", "spec.jobTemplate.spec.template.spec"]);
        const c = (name: string) => ({ name, image: "busybox:1.36" });
        assert.deepStrictEqual(containersOfPod({ containers: [c("app")], initContainers: [c("init")], ephemeralContainers: [c("debug")] }).map(v => v.label),
            ["init container 'init'", "container 'app'", "ephemeral container 'debug'"]);
        assert.strictEqual(podViewOf("kubernetes:core/v1:Service", { spec: {} }, "x"), undefined);
        assert.strictEqual(podViewOf("kubernetes:apps/v1:Deployment", { metadata: { name: "x" }, spec: {} }, "x"), undefined, "no template yet");
        assert.strictEqual(podViewOf("kubernetes:apps/v1:DeploymentPatch", { spec: { template: { spec: {} } } }, "x"), undefined);
    });

    it("turns a value unknown during preview into the engine's advisory, for the policies that read it only", async () => {
        const d = deploy("web", pod => { pod.containers[0].securityContext = UNKNOWN_SENTINEL as unknown as Spec; });
        const r = await run([namespace("lab"), denyAll(), d]);
        const cantRun = r.diagnostics.filter(x => x.message.startsWith("can't run policy"));
        assert.ok(cantRun.length > 0);
        assert.ok(cantRun.every(x => x.enforcementLevel === "advisory"));
        assert.match(cantRun[0].message, /during preview: .* at \.spec\.template\.spec\.containers\.0\.securityContext can't be known during preview/);
        assert.deepStrictEqual(r.diagnostics.filter(x => !x.message.startsWith("can't run policy")), [], "no false result from an unknown value");
        const names = new Set(cantRun.map(x => x.policyName));
        for (const unaffected of ["no-host-namespaces", "no-host-path-volumes", "safe-sysctls-only", "restricted-volume-types", "namespace-pod-security-label", "namespace-default-deny-ingress"]) {
            assert.ok(!names.has(unaffected), `${unaffected} reads no container securityContext`);
        }
        assert.ok(names.has("no-privileged-containers") && names.has("pods-meet-namespace-level"));
    });

    it("an unknown pod annotation stops only the AppArmor control (and the namespace-level check that runs it)", async () => {
        const d = deploy("web", (_pod, meta) => { meta.annotations = UNKNOWN_SENTINEL as unknown as Record<string, string>; });
        const r = await run([namespace("lab"), denyAll(), d]);
        assert.deepStrictEqual(r.diagnostics.map(x => [x.policyName, x.message.startsWith("can't run policy")]), [
            ["no-apparmor-unconfined", true], ["pods-meet-namespace-level", true],
        ]);
    });

    it("ignores objects that run no pods", async () => {
        const objects: ManifestObject[] = [
            { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "lab" }, spec: { selector: { app: "web" }, ports: [{ port: 80, hostPort: 80 }] } },
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web", namespace: "lab" }, data: { hostNetwork: "true" } },
            { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "empty", namespace: "lab" }, spec: { selector: { matchLabels: { app: "empty" } } } },
        ];
        assert.deepStrictEqual((await run(objects)).diagnostics, []);
    });
});

describe("baseline controls", () => {
    it("no-privileged-containers: reports privileged: true in any container, mandatory, against the workload", async () => {
        const bad = deploy("web", pod => {
            pod.initContainers = [{ name: "setup", image: "busybox:1.36", securityContext: { privileged: true } }];
            sc(pod).privileged = false;
        });
        const found = of(await run([bad]), "no-privileged-containers");
        assert.deepStrictEqual(found.map(messageOf), ["Deployment lab/web: init container 'setup' sets securityContext.privileged: true; remove it (or set it to false)."]);
        assert.strictEqual(found[0].enforcementLevel, "mandatory");
        assert.strictEqual(found[0].urn, manifestUrn(bad));
    });

    it("no-host-namespaces: reports hostNetwork, hostPID and hostIPC at the pod spec's path; false passes", async () => {
        const bad = workload("CronJob", "backup", pod => Object.assign(pod, { hostNetwork: true, hostPID: true, hostIPC: true }));
        assert.deepStrictEqual(await messages("no-host-namespaces", [bad]), [["hostNetwork", "network"], ["hostPID", "process"], ["hostIPC", "IPC"]].map(([f, what]) =>
            `CronJob lab/backup: spec.jobTemplate.spec.template.spec.${f} is true, so the pod shares the node's ${what} namespace; remove it (or set it to false).`));
        assert.deepStrictEqual(await messages("no-host-namespaces", [deploy("web", pod => Object.assign(pod, { hostNetwork: false, hostPID: false, hostIPC: false }))]), []);
    });

    it("no-host-path-volumes: reports hostPath volumes only", async () => {
        const bad = workload("DaemonSet", "agent", pod => { pod.volumes = [{ name: "logs", hostPath: { path: "/var/log" } }, { name: "tmp", emptyDir: {} }]; });
        assert.deepStrictEqual(await messages("no-host-path-volumes", [bad]), [
            "DaemonSet lab/agent: volume 'logs' is a hostPath volume (spec.template.spec.volumes[].hostPath); use an emptyDir, a configMap or secret, or a persistentVolumeClaim.",
        ]);
        assert.deepStrictEqual(await messages("no-host-path-volumes", [deploy("web")]), []);
    });

    it("no-host-ports: reports a hostPort other than 0, unless configured", async () => {
        const bad = deploy("ingress", pod => { pod.containers[0].ports = [{ containerPort: 80, hostPort: 80 }, { containerPort: 443, hostPort: 443 }, { containerPort: 8080, hostPort: 0 }]; });
        assert.deepStrictEqual(await messages("no-host-ports", [bad]), [
            "Deployment lab/ingress: container 'ingress' binds hostPort 80 (containerPort 80); remove ports[].hostPort and expose it through a Service (or list the port in policy config allowedHostPorts).",
            "Deployment lab/ingress: container 'ingress' binds hostPort 443 (containerPort 443); remove ports[].hostPort and expose it through a Service (or list the port in policy config allowedHostPorts).",
        ]);
        assert.deepStrictEqual((await messages("no-host-ports", [bad], { "no-host-ports": { allowedHostPorts: [80] } })).map(m => m.replace(/ \(containerPort.*/, "")),
            ["Deployment lab/ingress: container 'ingress' binds hostPort 443"]);
    });

    it("no-probe-host: reports probes and lifecycle hooks aimed at another host; an empty host passes", async () => {
        const bad = deploy("web", pod => {
            Object.assign(pod.containers[0], {
                livenessProbe: { httpGet: { host: "169.254.169.254", path: "/", port: 80 } },
                readinessProbe: { tcpSocket: { host: "", port: 8080 } },
                lifecycle: { preStop: { httpGet: { host: "10.0.0.1", path: "/drain", port: 80 } } },
            });
            pod.initContainers = [{ name: "wait", image: "busybox:1.36", startupProbe: { tcpSocket: { host: "db.example.com", port: 5432 } } }];
        });
        const found = of(await run([bad]), "no-probe-host");
        assert.deepStrictEqual(found.map(messageOf), [
            "Deployment lab/web: init container 'wait' sets startupProbe.tcpSocket.host: db.example.com; remove it, so the kubelet checks the pod's own IP.",
            "Deployment lab/web: container 'web' sets livenessProbe.httpGet.host: 169.254.169.254; remove it, so the kubelet checks the pod's own IP.",
            "Deployment lab/web: container 'web' sets lifecycle.preStop.httpGet.host: 10.0.0.1; remove it, so the kubelet checks the pod's own IP.",
        ]);
        assert.ok(found.every(d => d.enforcementLevel === "mandatory"));
        assert.deepStrictEqual(await messages("no-probe-host", [deploy("web", pod => { Object.assign(pod.containers[0], { livenessProbe: { httpGet: { path: "/", port: 80 } } }); })]), []);
    });

    it("baseline-capabilities-only: reports capabilities added beyond the baseline set, not the set itself", async () => {
        const bad = deploy("web", pod => { sc(pod).capabilities = { drop: ["ALL"], add: ["CHOWN", "SYS_ADMIN", "NET_BIND_SERVICE", "NET_ADMIN"] }; });
        assert.deepStrictEqual(await messages("baseline-capabilities-only", [bad]), [
            "Deployment lab/web: container 'web' adds SYS_ADMIN, NET_ADMIN in securityContext.capabilities.add; remove them (baseline allows only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT).",
        ]);
        const ok = deploy("web", pod => { sc(pod).capabilities = { add: ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"] }; });
        assert.deepStrictEqual(await messages("baseline-capabilities-only", [ok]), []);
    });

    it("baseline-capabilities-only: says that a baseline capability spelt in lower case or with CAP_ is not the one Pod Security allows", async () => {
        const spelt = deploy("web", pod => { sc(pod).capabilities = { drop: ["ALL"], add: ["chown", "CAP_SETUID"] }; });
        assert.deepStrictEqual(await messages("baseline-capabilities-only", [spelt]), [
            "Deployment lab/web: container 'web' adds chown, CAP_SETUID in securityContext.capabilities.add; remove them (baseline allows only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT; names are matched exactly, in capitals and without CAP_: write chown as CHOWN, CAP_SETUID as SETUID).",
        ]);
    });

    it("default-proc-mount: reports procMount other than Default", async () => {
        assert.deepStrictEqual(await messages("default-proc-mount", [deploy("web", pod => { sc(pod).procMount = "Unmasked"; })]), [
            "Deployment lab/web: container 'web' sets securityContext.procMount: Unmasked; remove it (or set it to Default).",
        ]);
        assert.deepStrictEqual(await messages("default-proc-mount", [deploy("web", pod => { sc(pod).procMount = "Default"; })]), []);
    });

    it("default-proc-mount and restricted-proc-mount: a pod in its own user namespace may unmask /proc under baseline, not under restricted (Kubernetes 1.35+)", async () => {
        const unmasked = (hostUsers?: boolean) => deploy("web", pod => { sc(pod).procMount = "Unmasked"; if (hostUsers !== undefined) { pod.hostUsers = hostUsers; } });
        assert.deepStrictEqual(await messages("default-proc-mount", [unmasked(false)]), []);
        assert.deepStrictEqual(await messages("restricted-proc-mount", [unmasked(false)]), [
            "Deployment lab/web: container 'web' sets securityContext.procMount: Unmasked; remove it (or set it to Default).",
        ]);
        assert.strictEqual((await messages("default-proc-mount", [unmasked(true)])).length, 1, "hostUsers: true is the host's user namespace");
        assert.deepStrictEqual(await messages("restricted-proc-mount", [unmasked(true)]), [], "other pods are default-proc-mount's, reported once");
        const levels = (await run([unmasked(false)])).diagnostics.filter(d => d.policyName.includes("proc-mount")).map(d => `${d.policyName} ${d.enforcementLevel}`);
        assert.deepStrictEqual(levels, ["restricted-proc-mount advisory"]);
    });

    it("safe-sysctls-only: reports sysctls outside the safe set, unless configured", async () => {
        const sysctls = (names: string[]) => deploy("db", pod => { podSc(pod).sysctls = names.map(name => ({ name, value: "1" })); });
        assert.deepStrictEqual(await messages("safe-sysctls-only", [sysctls(["net.ipv4.tcp_keepalive_time", "kernel.msgmax", "net.core.somaxconn"])]), [
            "Deployment lab/db: spec.template.spec.securityContext.sysctls sets kernel.msgmax, net.core.somaxconn, outside the safe set; remove them (or list them in policy config allowSysctls if the nodes allow them).",
        ]);
        assert.deepStrictEqual(await messages("safe-sysctls-only", [sysctls(["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"])]), []);
        assert.deepStrictEqual(await messages("safe-sysctls-only", [sysctls(["net.core.somaxconn"])], { "safe-sysctls-only": { allowSysctls: ["net.core.somaxconn"] } }), []);
    });

    it("no-custom-selinux-options: reports a custom type, user or role on the pod or a container; the container types and a level pass", async () => {
        const bad = deploy("web", pod => {
            podSc(pod).seLinuxOptions = { type: "spc_t" };
            sc(pod).seLinuxOptions = { user: "system_u", role: "system_r" };
        });
        assert.deepStrictEqual(await messages("no-custom-selinux-options", [bad]), [
            "Deployment lab/web: spec.template.spec.securityContext.seLinuxOptions.type is spc_t; remove it or use one of container_t, container_init_t, container_kvm_t, container_engine_t.",
            "Deployment lab/web: container 'web' securityContext.seLinuxOptions.user is system_u; remove it (baseline allows no custom SELinux user).",
            "Deployment lab/web: container 'web' securityContext.seLinuxOptions.role is system_r; remove it (baseline allows no custom SELinux role).",
        ]);
        const ok = deploy("web", pod => { podSc(pod).seLinuxOptions = { type: "container_t", level: "s0:c123,c456" }; sc(pod).seLinuxOptions = { type: "container_init_t" }; });
        assert.deepStrictEqual(await messages("no-custom-selinux-options", [ok]), []);
    });

    it("no-apparmor-unconfined: reports Unconfined profiles and annotations; runtime/default and localhost pass", async () => {
        const bad = deploy("web", (pod, meta) => {
            meta.annotations = { "container.apparmor.security.beta.kubernetes.io/web": "unconfined", "example.com/other": "unconfined" };
            sc(pod).appArmorProfile = { type: "Unconfined" };
        });
        assert.deepStrictEqual(await messages("no-apparmor-unconfined", [bad]), [
            "Deployment lab/web: container 'web' sets securityContext.appArmorProfile.type: Unconfined; remove it or set RuntimeDefault (or Localhost with a profile).",
            "Deployment lab/web: spec.template.metadata.annotations['container.apparmor.security.beta.kubernetes.io/web'] is unconfined (container 'web'); remove it or use runtime/default (better: securityContext.appArmorProfile.type: RuntimeDefault).",
        ]);
        const ok = workload("Pod", "web", (pod, meta) => {
            meta.annotations = { "container.apparmor.security.beta.kubernetes.io/web": "localhost/k8s-web", "container.apparmor.security.beta.kubernetes.io/side": "runtime/default" };
            podSc(pod).appArmorProfile = { type: "RuntimeDefault" };
            sc(pod).appArmorProfile = { type: "Localhost", localhostProfile: "k8s-web" };
        });
        assert.deepStrictEqual(await messages("no-apparmor-unconfined", [ok]), []);
        const podLevel = workload("Pod", "web", (pod, meta) => { meta.annotations = { "container.apparmor.security.beta.kubernetes.io/web": "unconfined" }; podSc(pod).appArmorProfile = { type: "Unconfined" }; });
        assert.deepStrictEqual((await messages("no-apparmor-unconfined", [podLevel])).map(m => m.replace(/ is .*/, "")), [
            "Pod lab/web: spec.securityContext.appArmorProfile.type", "Pod lab/web: metadata.annotations['container.apparmor.security.beta.kubernetes.io/web']",
        ]);
    });

    it("no-apparmor-unconfined: an empty beta annotation is allowed, as Pod Security allows it", async () => {
        const empty = deploy("web", (pod, meta) => { meta.annotations = { "container.apparmor.security.beta.kubernetes.io/web": "" }; });
        assert.deepStrictEqual(await messages("no-apparmor-unconfined", [empty]), []);
    });

    it("no-seccomp-unconfined: reports Unconfined on the pod or a container; RuntimeDefault and Localhost pass", async () => {
        const bad = deploy("web", pod => { podSc(pod).seccompProfile = { type: "Unconfined" }; sc(pod).seccompProfile = { type: "Unconfined" }; });
        assert.deepStrictEqual(await messages("no-seccomp-unconfined", [bad]), [
            "Deployment lab/web: spec.template.spec.securityContext.seccompProfile.type is Unconfined; set RuntimeDefault (or Localhost with a profile).",
            "Deployment lab/web: container 'web' sets securityContext.seccompProfile.type: Unconfined; set RuntimeDefault (or Localhost with a profile).",
        ]);
        // Removing the container's setting helps only when the pod has a profile to inherit (the secure pod has RuntimeDefault).
        assert.deepStrictEqual(await messages("no-seccomp-unconfined", [deploy("web", pod => { sc(pod).seccompProfile = { type: "Unconfined" }; })]), [
            "Deployment lab/web: container 'web' sets securityContext.seccompProfile.type: Unconfined; set RuntimeDefault (or Localhost with a profile), or remove it to inherit the pod's.",
        ]);
        assert.deepStrictEqual(await messages("no-seccomp-unconfined", [deploy("web", pod => { sc(pod).seccompProfile = { type: "Localhost", localhostProfile: "profiles/web.json" }; })]), []);
    });

    it("no-windows-host-process: reports hostProcess on the pod or a container", async () => {
        const bad = workload("Pod", "win", pod => {
            pod.os = { name: "windows" };
            podSc(pod).windowsOptions = { hostProcess: true };
            pod.ephemeralContainers = [{ name: "debug", image: "mcr.microsoft.com/windows/nanoserver:ltsc2022", securityContext: { windowsOptions: { hostProcess: true } } }];
        });
        assert.deepStrictEqual(await messages("no-windows-host-process", [bad]), [
            "Pod lab/win: spec.securityContext.windowsOptions.hostProcess is true; remove it (or set it to false).",
            "Pod lab/win: ephemeral container 'debug' sets securityContext.windowsOptions.hostProcess: true; remove it (or set it to false).",
        ]);
        assert.deepStrictEqual(await messages("no-windows-host-process", [workload("Pod", "win", pod => { podSc(pod).windowsOptions = { hostProcess: false }; })]), []);
    });
});

describe("restricted controls", () => {
    it("run-as-non-root: the pod's true covers containers; a container's false or no setting anywhere is reported, advisory", async () => {
        const none = deploy("web", pod => {
            delete podSc(pod).runAsNonRoot;
            delete podSc(pod).runAsUser;
            pod.initContainers = [{ name: "setup", image: "busybox:1.36", securityContext: { runAsNonRoot: true } }];
        });
        const found = of(await run([none]), "run-as-non-root");
        assert.deepStrictEqual(found.map(messageOf), [
            "Deployment lab/web: container 'web' may run as root; set spec.template.spec.securityContext.runAsNonRoot: true (or securityContext.runAsNonRoot: true on the container), with a numeric runAsUser if the image's user is not numeric.",
        ]);
        assert.strictEqual(found[0].enforcementLevel, "advisory");
        const falseToo = deploy("web", pod => { podSc(pod).runAsNonRoot = false; sc(pod).runAsNonRoot = false; });
        assert.deepStrictEqual((await messages("run-as-non-root", [falseToo])).map(m => m.replace(/;.*/, "")), [
            "Deployment lab/web: spec.template.spec.securityContext.runAsNonRoot is false",
            "Deployment lab/web: container 'web' sets securityContext.runAsNonRoot: false",
        ]);
        assert.deepStrictEqual(await messages("run-as-non-root", [deploy("web", pod => { delete podSc(pod).runAsNonRoot; sc(pod).runAsNonRoot = true; })]), []);
    });

    it("run-as-non-root: a non-zero runAsUser (the container's, else the pod's) is not called 'may run as root', but runAsNonRoot is still asked for", async () => {
        const uid = (container: number | undefined, pod: number | undefined) => deploy("web", p => {
            delete podSc(p).runAsNonRoot;
            delete podSc(p).runAsUser;
            if (container !== undefined) { sc(p).runAsUser = container; }
            if (pod !== undefined) { podSc(p).runAsUser = pod; }
        });
        assert.deepStrictEqual(await messages("run-as-non-root", [uid(1001, undefined)]), [
            "Deployment lab/web: container 'web' runs as user 1001 but doesn't set runAsNonRoot: true, which the restricted level requires (the kubelet then refuses to start it as root, whatever the image says); set spec.template.spec.securityContext.runAsNonRoot: true (or securityContext.runAsNonRoot: true on the container).",
        ]);
        assert.match((await messages("run-as-non-root", [uid(undefined, 1000)]))[0], /container 'web' runs as user 1000 but/);
        assert.match((await messages("run-as-non-root", [uid(0, 1000)]))[0], /container 'web' may run as root;/, "the container's 0 wins over the pod's 1000");
    });

    it("no-root-user: reports runAsUser 0 on the pod or a container", async () => {
        const bad = deploy("web", pod => { podSc(pod).runAsUser = 0; pod.initContainers = [{ name: "chown", image: "busybox:1.36", securityContext: { runAsUser: 0 } }]; });
        assert.deepStrictEqual(await messages("no-root-user", [bad]), [
            "Deployment lab/web: spec.template.spec.securityContext.runAsUser is 0 (root); set the image's non-root UID.",
            "Deployment lab/web: init container 'chown' sets securityContext.runAsUser: 0 (root); set the image's non-root UID.",
        ]);
        assert.deepStrictEqual(await messages("no-root-user", [deploy("web", pod => { delete podSc(pod).runAsUser; })]), []);
    });

    it("run-as-non-root and no-root-user leave a pod in its own user namespace alone (hostUsers: false, Kubernetes 1.35+: root in it is no one on the node)", async () => {
        const rootInUserNamespace = deploy("web", pod => { pod.hostUsers = false; delete podSc(pod).runAsNonRoot; podSc(pod).runAsUser = 0; });
        assert.deepStrictEqual(await messages("run-as-non-root", [rootInUserNamespace]), []);
        assert.deepStrictEqual(await messages("no-root-user", [rootInUserNamespace]), []);
        const onHost = deploy("web", pod => { pod.hostUsers = true; delete podSc(pod).runAsNonRoot; podSc(pod).runAsUser = 0; });
        assert.strictEqual((await messages("no-root-user", [onHost])).length, 1);
        assert.strictEqual((await messages("run-as-non-root", [onHost])).length, 1);
    });

    it("no-privilege-escalation: reports containers that don't set false; Windows pods are not checked", async () => {
        const bad = deploy("web", pod => {
            delete sc(pod).allowPrivilegeEscalation;
            pod.initContainers = [{ name: "setup", image: "busybox:1.36", securityContext: { allowPrivilegeEscalation: true, capabilities: { drop: ["ALL"] } } }];
        });
        assert.deepStrictEqual(await messages("no-privilege-escalation", [bad]), [
            "Deployment lab/web: init container 'setup' sets securityContext.allowPrivilegeEscalation: true; set it to false.",
            "Deployment lab/web: container 'web' does not set securityContext.allowPrivilegeEscalation; set it to false.",
        ]);
        const windows = deploy("web", pod => { pod.os = { name: "windows" }; delete sc(pod).allowPrivilegeEscalation; });
        assert.deepStrictEqual(await messages("no-privilege-escalation", [windows]), []);
    });

    it("drop-all-capabilities: reports a container that keeps capabilities or adds any but NET_BIND_SERVICE", async () => {
        const bad = deploy("web", pod => {
            sc(pod).capabilities = { drop: ["NET_RAW"], add: ["NET_BIND_SERVICE", "CHOWN"] };
        });
        assert.deepStrictEqual(await messages("drop-all-capabilities", [bad]), [
            "Deployment lab/web: container 'web' does not drop ALL capabilities; set securityContext.capabilities.drop: [ALL].",
            "Deployment lab/web: container 'web' adds CHOWN in securityContext.capabilities.add; restricted allows adding only NET_BIND_SERVICE.",
        ]);
        assert.deepStrictEqual(await messages("drop-all-capabilities", [deploy("web", pod => { sc(pod).capabilities = { drop: ["ALL"], add: ["NET_BIND_SERVICE"] }; })]), []);
        assert.deepStrictEqual(await messages("drop-all-capabilities", [deploy("web", pod => { pod.os = { name: "windows" }; delete sc(pod).capabilities; })]), []);
    });

    it("drop-all-capabilities: says that drop: [all] in lower case is not ALL to Pod Security", async () => {
        assert.deepStrictEqual(await messages("drop-all-capabilities", [deploy("web", pod => { sc(pod).capabilities = { drop: ["all"] }; })]), [
            "Deployment lab/web: container 'web' drops 'all', which Pod Security doesn't count as ALL (it matches capability names exactly); set securityContext.capabilities.drop: [ALL].",
        ]);
    });

    it("seccomp-profile-required: the pod's profile covers containers; without one each container needs its own", async () => {
        const none = deploy("web", pod => {
            delete podSc(pod).seccompProfile;
            pod.initContainers = [{ name: "setup", image: "busybox:1.36", securityContext: { seccompProfile: { type: "RuntimeDefault" } } }];
        });
        assert.deepStrictEqual(await messages("seccomp-profile-required", [none]), [
            "Deployment lab/web: container 'web' has no seccomp profile; set spec.template.spec.securityContext.seccompProfile.type: RuntimeDefault (or securityContext.seccompProfile.type on the container).",
        ]);
        const override = deploy("web", pod => { sc(pod).seccompProfile = { type: "Unconfined" }; });
        assert.deepStrictEqual(await messages("seccomp-profile-required", [override]), [
            "Deployment lab/web: container 'web' sets securityContext.seccompProfile.type: Unconfined; set RuntimeDefault (or Localhost with a profile), or remove it to inherit the pod's.",
        ]);
        assert.deepStrictEqual(await messages("seccomp-profile-required", [deploy("web", pod => { delete podSc(pod).seccompProfile; sc(pod).seccompProfile = { type: "Localhost", localhostProfile: "p.json" }; })]), []);
        // A container without its own profile runs under the pod's, Unconfined too: not "no profile".
        const podUnconfined = deploy("web", pod => { podSc(pod).seccompProfile = { type: "Unconfined" }; });
        assert.deepStrictEqual(await messages("seccomp-profile-required", [podUnconfined]), [
            "Deployment lab/web: spec.template.spec.securityContext.seccompProfile.type is Unconfined; set RuntimeDefault (or Localhost with a profile).",
            "Deployment lab/web: container 'web' sets no seccomp profile, so it runs under the pod's Unconfined; set spec.template.spec.securityContext.seccompProfile.type: RuntimeDefault (or securityContext.seccompProfile.type on the container).",
        ]);
    });

    it("seccomp-profile-required: says that a pre-1.19 seccomp annotation, the pod's or the container's, no longer counts", async () => {
        const annotated = (key: string) => deploy("web", (pod, meta) => { delete podSc(pod).seccompProfile; meta.annotations = { [key]: "runtime/default" }; });
        for (const key of ["seccomp.security.alpha.kubernetes.io/pod", "container.seccomp.security.alpha.kubernetes.io/web"]) {
            assert.deepStrictEqual(await messages("seccomp-profile-required", [annotated(key)]), [
                `Deployment lab/web: container 'web' has no seccomp profile (the annotation ${key} it sets has had no effect since Kubernetes 1.27, deprecated since 1.19: only the field counts); set spec.template.spec.securityContext.seccompProfile.type: RuntimeDefault (or securityContext.seccompProfile.type on the container).`,
            ]);
        }
        assert.doesNotMatch((await messages("seccomp-profile-required", [annotated("container.seccomp.security.alpha.kubernetes.io/other")]))[0], /annotation/, "another container's annotation is not this one's");
    });

    it("restricted-volume-types: reports volumes outside the allow list; every allowed type passes", async () => {
        const bad = workload("StatefulSet", "db", pod => { pod.volumes = [{ name: "data", nfs: { server: "nfs.local", path: "/x" } }, { name: "repo", gitRepo: { repository: "https://example.com/r.git" } }, { name: "tmp", emptyDir: {} }]; });
        assert.deepStrictEqual(await messages("restricted-volume-types", [bad]), [
            "StatefulSet lab/db: volume 'data' is of type nfs; use configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret (a persistentVolumeClaim for storage).",
            "StatefulSet lab/db: volume 'repo' is of type gitRepo; use configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret (a persistentVolumeClaim for storage).",
        ]);
        const ok = deploy("web", pod => {
            pod.volumes = [
                { name: "a", configMap: { name: "c" } }, { name: "b", csi: { driver: "secrets-store.csi.k8s.io" } }, { name: "c", downwardAPI: { items: [] } },
                { name: "d", emptyDir: {} }, { name: "e", ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } } } },
                { name: "f", persistentVolumeClaim: { claimName: "data" } }, { name: "g", projected: { sources: [] } }, { name: "h", secret: { secretName: "s" } },
                { name: "i", image: { reference: "registry.example.com/tools:1.0", pullPolicy: "IfNotPresent" } },
            ];
        });
        assert.deepStrictEqual(await messages("restricted-volume-types", [ok]), []);
    });

    it("production makes restricted mandatory through the config file", async () => {
        const bad = deploy("web", pod => { delete sc(pod).allowPrivilegeEscalation; });
        const found = of(await run([bad], { "no-privilege-escalation": "mandatory" }), "no-privilege-escalation");
        assert.deepStrictEqual(found.map(d => d.enforcementLevel), ["mandatory"]);
    });
});

describe("exemptions and config", () => {
    const root = (ns: string, name = "web") => deploy(name, pod => { sc(pod).privileged = true; }, ns);

    it("exempts kube-system by default, and the configured namespaces and workloads instead", async () => {
        assert.deepStrictEqual((await messages("no-privileged-containers", [root("kube-system"), root("lab")])).map(m => m.replace(/:.*/, "")), ["Deployment lab/web"]);
        const config: PolicyPackConfigFile = { "no-privileged-containers": { exemptNamespaces: ["monitoring"], exemptWorkloads: ["lab/agent"] } };
        assert.deepStrictEqual((await messages("no-privileged-containers", [root("kube-system"), root("monitoring"), root("lab", "agent"), root("lab")], config)).map(m => m.replace(/:.*/, "")),
            ["Deployment kube-system/web", "Deployment lab/web"]);
    });

    it("uses the schema's defaults when the engine hands over no config, or only some settings", async () => {
        const objects = [root("kube-system"), root("lab"), deploy("ports", pod => { pod.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]; })];
        const bare = await runPolicyPack(securityPack, manifestResources(objects));
        assert.deepStrictEqual(of(bare, "no-privileged-containers").map(d => messageOf(d).replace(/:.*/, "")), ["Deployment lab/web"]);
        assert.strictEqual(of(bare, "no-host-ports").length, 1);
        // Only exemptWorkloads given (unresolved, as the policy server hands it over): exemptNamespaces keeps its default, kube-system.
        const partial = await runPolicyPack(securityPack, manifestResources(objects), { "no-privileged-containers": { exemptWorkloads: ["lab/web"] }, "no-host-ports": { exemptNamespaces: ["lab"] } });
        assert.deepStrictEqual(of(partial, "no-privileged-containers"), []);
        assert.deepStrictEqual(of(partial, "no-host-ports"), []);
        const levels = await runPolicyPack(securityPack, manifestResources([namespace("lab", { "pod-security.kubernetes.io/enforce": "privileged" }), namespace("kube-system", {})]), { "namespace-pod-security-label": {} });
        assert.deepStrictEqual(of(levels, "namespace-pod-security-label").map(d => messageOf(d).replace(/;.*/, "")), ["Namespace lab enforces privileged, below baseline"]);
    });

    it("refuses malformed settings before any policy runs, as the CLI does", () => {
        assert.throws(() => resolvePolicyConfig(packArgs, { "no-privileged-containers": { exemptNamespaces: "kube-system" } }), /no-privileged-containers: \/exemptNamespaces must be array/);
        assert.throws(() => resolvePolicyConfig(packArgs, { "no-host-ports": { allowedHostPorts: ["80"] } }), /no-host-ports: \/allowedHostPorts\/0 must be integer/);
    });

    it("rejects settings a policy doesn't take, as the CLI does", () => {
        assert.throws(() => resolvePolicyConfig(packArgs, { "no-privileged-containers": { allowedHostPorts: [80] } }), /no-privileged-containers/);
        assert.throws(() => resolvePolicyConfig(packArgs, { "namespace-pod-security-label": { minimumLevel: "strict" } }), /namespace-pod-security-label/);
    });
});

describe("policy namespace-pod-security-label", () => {
    it("reports a namespace without the enforce label, as advisory, against the Namespace", async () => {
        const ns = namespace("lab", { app: "lab" });
        const found = of(await run([ns]), "namespace-pod-security-label");
        assert.deepStrictEqual(found.map(messageOf), [
            "Namespace lab has no pod-security.kubernetes.io/enforce label; set metadata.labels['pod-security.kubernetes.io/enforce'] to restricted (or baseline, with the reason), and pod-security.kubernetes.io/warn and audit to restricted.",
        ]);
        assert.strictEqual(found[0].enforcementLevel, "advisory");
        assert.strictEqual(found[0].urn, manifestUrn(ns));
    });

    it("reports invalid level values and levels below the minimum; baseline and restricted pass by default", async () => {
        const objects = [
            namespace("typo", { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "strict" }),
            namespace("open", { "pod-security.kubernetes.io/enforce": "privileged" }),
            namespace("base", { "pod-security.kubernetes.io/enforce": "baseline" }),
            namespace("tight"),
        ];
        assert.deepStrictEqual(await messages("namespace-pod-security-label", objects), [
            "Namespace typo: label pod-security.kubernetes.io/warn is \"strict\", which is no level (Pod Security admission ignores it); use one of privileged, baseline, restricted.",
            "Namespace open enforces privileged, below baseline; set metadata.labels['pod-security.kubernetes.io/enforce'] to baseline or restricted.",
        ]);
        assert.deepStrictEqual((await messages("namespace-pod-security-label", objects, { "namespace-pod-security-label": { minimumLevel: "restricted" } })).map(m => m.replace(/;.*/, "")), [
            "Namespace typo: label pod-security.kubernetes.io/warn is \"strict\", which is no level (Pod Security admission ignores it)",
            "Namespace open enforces privileged, below restricted",
            "Namespace base enforces baseline, below restricted",
        ]);
    });

    it("skips the cluster's own namespaces and objects that are not Namespaces", async () => {
        const objects = [namespace("kube-system", {}), namespace("kube-node-lease", {}), deploy("web")];
        assert.deepStrictEqual(await messages("namespace-pod-security-label", objects), []);
        assert.deepStrictEqual(await messages("namespace-pod-security-label", [namespace("kube-system", {})], { "namespace-pod-security-label": { exemptNamespaces: [] } }), [
            "Namespace kube-system has no pod-security.kubernetes.io/enforce label; set metadata.labels['pod-security.kubernetes.io/enforce'] to restricted (or baseline, with the reason), and pod-security.kubernetes.io/warn and audit to restricted.",
        ]);
    });
});

describe("Pod Security labels as admission reads them", () => {
    it("reports an enforce value that is no level (admission enforces restricted) and version labels that are no version", async () => {
        const objects = [
            namespace("caps", { "pod-security.kubernetes.io/enforce": "Restricted" }),
            namespace("pinned", { "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "v1.33", "pod-security.kubernetes.io/warn-version": "latest" }),
            namespace("sloppy", { "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "1.33", "pod-security.kubernetes.io/audit-version": "v1.033" }),
        ];
        assert.deepStrictEqual(await messages("namespace-pod-security-label", objects), [
            "Namespace caps: label pod-security.kubernetes.io/enforce is \"Restricted\", which is no level (Pod Security admission enforces restricted instead); use one of privileged, baseline, restricted.",
            "Namespace sloppy: label pod-security.kubernetes.io/enforce-version is \"1.33\", which Pod Security admission reads as latest; use latest or v1.<minor> (e.g. v1.33).",
            "Namespace sloppy: label pod-security.kubernetes.io/audit-version is \"v1.033\", which Pod Security admission reads as latest; use latest or v1.<minor> (e.g. v1.33).",
        ]);
    });

    it("parses the enforced policy as PolicyToEvaluate does", () => {
        const enforce = "pod-security.kubernetes.io/enforce";
        assert.strictEqual(enforcedPolicy({}), undefined, "no enforce label: the cluster's default");
        assert.strictEqual(enforcedPolicy({ [`${enforce}-version`]: "v1.30" }), undefined, "a version alone enforces nothing");
        assert.deepStrictEqual(enforcedPolicy({ [enforce]: "baseline" }), { level: "baseline", minor: LATEST_PSS });
        assert.deepStrictEqual(enforcedPolicy({ [enforce]: "restricted", [`${enforce}-version`]: "v1.33" }), { level: "restricted", minor: 33, version: "v1.33" });
        assert.deepStrictEqual(enforcedPolicy({ [enforce]: "restricted", [`${enforce}-version`]: "v1.19" }), { level: "restricted", minor: 22, version: "v1.19" }, "before Pod Security admission: judged as 1.22");
        assert.deepStrictEqual(enforcedPolicy({ [enforce]: "restricted", [`${enforce}-version`]: "1.33" }), { level: "restricted", minor: LATEST_PSS }, "an invalid version is latest");
        assert.deepStrictEqual(enforcedPolicy({ [enforce]: "strict" }), { level: "restricted", minor: LATEST_PSS, invalidLevel: "strict" }, "an invalid level fails closed");
    });
});

describe("policy pods-meet-namespace-level", () => {
    const loose = (ns = "lab") => deploy("web", pod => { delete sc(pod).allowPrivilegeEscalation; }, ns);

    it("reports pods that break the level their namespace enforces, mandatory, against the workload", async () => {
        const web = loose();
        const found = of(await run([namespace("lab"), web]), "pods-meet-namespace-level");
        assert.deepStrictEqual(found.map(messageOf), [
            "Deployment lab/web: Namespace lab enforces restricted, and Pod Security admission will refuse its pods (no-privilege-escalation): container 'web' does not set securityContext.allowPrivilegeEscalation; set it to false.",
        ]);
        assert.strictEqual(found[0].enforcementLevel, "mandatory");
        assert.strictEqual(found[0].urn, manifestUrn(web));
    });

    it("judges baseline namespaces by baseline only, and ignores the pack's configured exceptions", async () => {
        const ports = deploy("ingress", pod => { pod.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]; delete sc(pod).allowPrivilegeEscalation; }, "edge");
        const base = namespace("edge", { "pod-security.kubernetes.io/enforce": "baseline" });
        const found = await messages("pods-meet-namespace-level", [base, ports], { "no-host-ports": { allowedHostPorts: [80] } });
        assert.deepStrictEqual(found.map(m => m.replace(/: container.*/, "")), ["Deployment edge/ingress: Namespace edge enforces baseline, and Pod Security admission will refuse its pods (no-host-ports)"]);
    });

    it("skips privileged and unlabelled namespaces, namespaces not in the stack, and exempt ones", async () => {
        const objects = [namespace("open", { "pod-security.kubernetes.io/enforce": "privileged" }), namespace("plain", {}), loose("open"), loose("plain"), loose("elsewhere")];
        assert.deepStrictEqual(await messages("pods-meet-namespace-level", objects), []);
        assert.deepStrictEqual(await messages("pods-meet-namespace-level", [namespace("lab"), loose()], { "pods-meet-namespace-level": { exemptNamespaces: ["lab"] } }), []);
    });

    it("judges by the standards of the namespace's enforce-version: what changed in 1.25, 1.32, 1.34 and 1.35", async () => {
        const pinned = (name: string, level: string, version?: string) =>
            namespace(name, { "pod-security.kubernetes.io/enforce": level, ...(version ? { "pod-security.kubernetes.io/enforce-version": version } : {}) });
        const controls = async (ns: ManifestObject, patch: (pod: TestPodSpec) => void) =>
            (await messages("pods-meet-namespace-level", [ns, deploy("web", patch, ns.metadata!.name)])).map(m => /\(([a-z-]+)\)/.exec(m)?.[1]);
        // A probe host is refused since 1.34.
        const probeHost = (pod: TestPodSpec) => { (pod.containers[0] as Spec).readinessProbe = { httpGet: { host: "10.0.0.1", path: "/", port: 8080 } }; };
        assert.deepStrictEqual(await controls(pinned("old", "baseline", "v1.33"), probeHost), []);
        assert.deepStrictEqual(await controls(pinned("new", "baseline", "v1.34"), probeHost), ["no-probe-host"]);
        assert.deepStrictEqual(await controls(pinned("now", "baseline"), probeHost), ["no-probe-host"]);
        // tcp_rmem became a safe sysctl in 1.32.
        const rmem = (pod: TestPodSpec) => { podSc(pod).sysctls = [{ name: "net.ipv4.tcp_rmem", value: "4096 87380 6291456" }]; };
        assert.deepStrictEqual(await controls(pinned("old", "baseline", "v1.31"), rmem), ["safe-sysctls-only"]);
        assert.deepStrictEqual(await controls(pinned("new", "baseline", "v1.32"), rmem), []);
        // A pod in its own user namespace may leave runAsNonRoot unset since 1.35.
        const userns = (pod: TestPodSpec) => { (pod as Spec).hostUsers = false; delete podSc(pod).runAsNonRoot; };
        assert.deepStrictEqual(await controls(pinned("old", "restricted", "v1.34"), userns), ["run-as-non-root"]);
        assert.deepStrictEqual(await controls(pinned("new", "restricted", "v1.35"), userns), []);
        // A Windows pod's privilege escalation is not checked since 1.25.
        const windows = (pod: TestPodSpec) => { (pod as Spec).os = { name: "windows" }; delete sc(pod).allowPrivilegeEscalation; };
        assert.deepStrictEqual(await controls(pinned("old", "restricted", "v1.24"), windows), ["no-privilege-escalation"]);
        assert.deepStrictEqual(await controls(pinned("new", "restricted", "v1.25"), windows), []);
        // tcp_notsent_lowat became safe in 1.37; container_engine_t an allowed SELinux type in 1.31.
        const lowat = (pod: TestPodSpec) => { podSc(pod).sysctls = [{ name: "net.ipv4.tcp_notsent_lowat", value: "16384" }]; };
        assert.deepStrictEqual(await controls(pinned("old", "baseline", "v1.36"), lowat), ["safe-sysctls-only"]);
        assert.deepStrictEqual(await controls(pinned("now", "baseline"), lowat), []);
        const engine = (pod: TestPodSpec) => { podSc(pod).seLinuxOptions = { type: "container_engine_t" }; };
        assert.deepStrictEqual(await controls(pinned("old", "baseline", "v1.30"), engine), ["no-custom-selinux-options"]);
        assert.deepStrictEqual(await controls(pinned("new", "baseline", "v1.31"), engine), []);
        // runAsUser: 0 is refused from 1.23 (a pin before Pod Security admission is judged as 1.22).
        const rootUser = (pod: TestPodSpec) => { sc(pod).runAsUser = 0; };
        assert.deepStrictEqual(await controls(pinned("old", "restricted", "v1.22"), rootUser), []);
        assert.deepStrictEqual(await controls(pinned("older", "restricted", "v1.19"), rootUser), []);
        assert.deepStrictEqual(await controls(pinned("new", "restricted", "v1.23"), rootUser), ["no-root-user"]);
        // The message names the version.
        assert.match((await messages("pods-meet-namespace-level", [pinned("old", "baseline", "v1.31"), deploy("web", rmem, "old")]))[0], /Namespace old enforces baseline as of v1\.31, and Pod Security admission will refuse its pods \(safe-sysctls-only\)/);
    });

    it("enforces restricted where the enforce label is no level, as admission fails closed", async () => {
        const caps = namespace("caps", { "pod-security.kubernetes.io/enforce": "Baseline" });
        assert.deepStrictEqual(await messages("pods-meet-namespace-level", [caps, loose("caps")]), [
            "Deployment caps/web: Namespace caps has pod-security.kubernetes.io/enforce: \"Baseline\", no level, so admission enforces restricted, and Pod Security admission will refuse its pods (no-privilege-escalation): container 'web' does not set securityContext.allowPrivilegeEscalation; set it to false.",
        ]);
    });

    it("levelFindings applies every baseline control at restricted too, but those a restricted control overrides, as admission does", () => {
        const view = (o: ManifestObject) => {
            const pod = podViewOf("kubernetes:apps/v1:Deployment", o as unknown as Record<string, unknown>, "web");
            assert.ok(pod);
            return pod;
        };
        const privileged = view(deploy("web", pod => { sc(pod).privileged = true; }));
        assert.deepStrictEqual(levelFindings(privileged, "restricted").map(f => f.control), ["no-privileged-containers"]);
        assert.deepStrictEqual(levelFindings(privileged, "baseline").map(f => f.control), ["no-privileged-containers"]);
        // A hostPath volume, an added SYS_ADMIN and an Unconfined profile: once each at restricted, by the restricted control.
        const loose = view(deploy("web", pod => {
            (pod.volumes as Spec[]).push({ name: "node", hostPath: { path: "/var/run" } });
            (sc(pod).capabilities as Spec).add = ["SYS_ADMIN"];
            podSc(pod).seccompProfile = { type: "Unconfined" };
        }));
        const controls = (level: "baseline" | "restricted") => [...new Set(levelFindings(loose, level).map(f => f.control))].sort();
        assert.deepStrictEqual(controls("baseline"), ["baseline-capabilities-only", "no-host-path-volumes", "no-seccomp-unconfined"]);
        assert.deepStrictEqual(controls("restricted"), ["drop-all-capabilities", "restricted-volume-types", "seccomp-profile-required"]);
        for (const c of RESTRICTED_CONTROLS) {
            for (const name of c.overrides ?? []) {
                assert.ok(BASELINE_CONTROLS.some(b => b.name === name), `${c.name} overrides ${name}, a baseline control`);
            }
        }
    });
});

describe("policy namespace-default-deny-ingress", () => {
    it("recognises a default-deny ingress policy", () => {
        assert.strictEqual(isDefaultDenyIngress({ podSelector: {}, policyTypes: ["Ingress"] }), true);
        assert.strictEqual(isDefaultDenyIngress({ podSelector: {}, policyTypes: ["Ingress", "Egress"] }), true);
        assert.strictEqual(isDefaultDenyIngress({ podSelector: { matchLabels: {} }, ingress: [] }), true, "policyTypes unset means Ingress");
        assert.strictEqual(isDefaultDenyIngress({ podSelector: {}, policyTypes: [] }), true, "an empty policyTypes is defaulted as an unset one");
        assert.strictEqual(isDefaultDenyIngress({ podSelector: {}, policyTypes: ["Egress"] }), false);
        assert.strictEqual(isDefaultDenyIngress({ podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress"] }), false);
        assert.strictEqual(isDefaultDenyIngress({ podSelector: { matchExpressions: [{ key: "app", operator: "Exists" }] }, policyTypes: ["Ingress"] }), false);
        assert.strictEqual(isDefaultDenyIngress({ podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] }), false, "an empty rule allows everything");
        assert.strictEqual(isDefaultDenyIngress(undefined), false);
    });

    it("reports a namespace with workloads and no default-deny policy, against its Namespace, as advisory", async () => {
        const ns = namespace("lab");
        const objects = [ns, deploy("web"), deploy("api"), workload("StatefulSet", "db"), workload("CronJob", "backup"),
            networkPolicy("allow-web", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] }),
            denyAll("other")];
        const found = of(await run(objects), "namespace-default-deny-ingress");
        assert.deepStrictEqual(found.map(messageOf), [
            "Namespace lab runs Deployment lab/web, Deployment lab/api, StatefulSet lab/db and 1 more but has no default-deny ingress NetworkPolicy; add one with podSelector: {}, policyTypes: [Ingress] and no ingress rules, then allow each path its pods need (from the ingress controller, from the pods that call them).",
        ]);
        assert.strictEqual(found[0].enforcementLevel, "advisory");
        assert.strictEqual(found[0].urn, ns.metadata && manifestUrn(ns));
    });

    it("passes namespaces with a default-deny policy, without workloads, or exempt; reports one not in the stack against the stack", async () => {
        assert.deepStrictEqual(await messages("namespace-default-deny-ingress", [namespace("lab"), deploy("web"), denyAll(), namespace("empty")]), []);
        assert.deepStrictEqual(await messages("namespace-default-deny-ingress", [deploy("dns", undefined, "kube-system")]), []);
        const found = of(await run([deploy("web", undefined, "loose")]), "namespace-default-deny-ingress");
        assert.deepStrictEqual(found.map(d => [messageOf(d).replace(/ but.*/, ""), d.urn]), [["Namespace loose runs Deployment loose/web", undefined]]);
        assert.deepStrictEqual(await messages("namespace-default-deny-ingress", [deploy("web", undefined, "loose")], { "namespace-default-deny-ingress": { exemptNamespaces: ["loose"] } }), []);
    });
});

describe("pod security on YAML files", () => {
    it("passes a locked-down lab", async () => {
        const result = await checkPaths([path.join(FIXTURES, "good")], {}, securityPack);
        assert.deepStrictEqual(result.problems, []);
        assert.ok(result.objects.length >= 5);
        assert.deepStrictEqual(result.run.diagnostics.map(d => `${d.policyName}: ${messageOf(d)}`), []);
        assert.strictEqual(result.exitCode, 0);
    });

    it("reports every breach of an insecure lab, with the workshop and production profiles", async () => {
        const workshop = await checkPaths([path.join(FIXTURES, "bad")], await profile("minikube"), securityPack);
        assert.deepStrictEqual(workshop.problems, []);
        const levels = (r: PolicyRun) => [...new Set(r.diagnostics.map(d => `${d.policyName} ${d.enforcementLevel}`))].sort();
        assert.deepStrictEqual(levels(workshop.run), [
            "baseline-capabilities-only mandatory", "drop-all-capabilities advisory", "namespace-default-deny-ingress advisory", "namespace-pod-security-label advisory",
            "no-host-namespaces mandatory", "no-host-path-volumes mandatory", "no-privilege-escalation advisory", "no-privileged-containers mandatory",
            "pods-meet-namespace-level mandatory", "restricted-volume-types advisory", "run-as-non-root advisory", "seccomp-profile-required advisory",
        ]);
        assert.strictEqual(workshop.exitCode, 1);
        const production = await checkPaths([path.join(FIXTURES, "bad")], await profile("production"), securityPack);
        assert.ok(production.run.diagnostics.every(d => d.enforcementLevel === "mandatory"), "production makes every rule mandatory");
    });

    it("both profiles set every policy of the family: the workshop's levels as the family declares them, production's all mandatory", async () => {
        const workshop = await profile("minikube");
        const production = await profile("production");
        for (const [name, config] of [["minikube", workshop], ["production", production]] as const) {
            assert.deepStrictEqual(Object.keys(config).sort(), securityPolicies.map(p => p.name).sort(), name);
        }
        const levelOf = (entry: PolicyPackConfigFile[string]) => typeof entry === "string" ? entry : entry.enforcementLevel;
        assert.deepStrictEqual(securityPolicies.map(p => [p.name, levelOf(workshop[p.name])]), securityPolicies.map(p => [p.name, p.enforcementLevel]));
        assert.deepStrictEqual(securityPolicies.filter(p => levelOf(production[p.name]) !== "mandatory").map(p => p.name), []);
        assert.deepStrictEqual(production["namespace-pod-security-label"], { enforcementLevel: "mandatory", minimumLevel: "baseline" });
    });
});

/** The family's entries of a profile's policy config, the file `plan` and the CLI read (policy/config/<name>.json). */
async function profile(name: string): Promise<PolicyPackConfigFile> {
    const fs = await import("fs");
    const file = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "policy", "config", `${name}.json`), "utf8")) as PolicyPackConfigFile;
    const family = new Set(securityPolicies.map(p => p.name));
    return Object.fromEntries(Object.entries(file).filter(([policy]) => family.has(policy)));
}
