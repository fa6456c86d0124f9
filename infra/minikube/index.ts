/**
 * The minikube platform. By default it creates its own cluster, a minikube profile named from the
 * stack, with `minikube start` (a `@pulumi/command` local Command) and deletes it with
 * `minikube delete` on `pulumi destroy`; with `create: false` it adopts an existing local cluster
 * (minikube, kind, k3d, Docker Desktop) from the local kubeconfig. Either way it adds the
 * StorageClass the labs use.
 *
 * minikube's default class `standard` (`k8s.io/minikube-hostpath`) cannot expand volumes. The
 * `csi-hostpath-driver` addon (driver `hostpath.csi.k8s.io`) can, so kubelab's lab class uses it
 * with `allowVolumeExpansion: true`. The ingress controller and metrics-server come from the
 * `ingress` and `metrics-server` addons: a created cluster gets the ones the switched-on labs need
 * (see {@link addonsFor}); an adopted one lists them all as prerequisites (see {@link MINIKUBE_ADDONS}).
 *
 * Loaded only by a stack whose `kubelab:platform` is `minikube` (infra/registry.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as local from "@pulumi/command/local";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../config";
import { ClusterNeeds, Platform, PlatformContext, expandableStorageClass } from "../platform";
import { MINIKUBE_VERSION, MIN_NODE_MEMORY_MIB, MinikubeSettings, memoryMiB } from "./settings";

/** Addons the labs need, in the order to enable them, with what each is for. */
export const MINIKUBE_ADDONS: readonly { name: string; why: string }[] = [
    { name: "ingress", why: "ingress-nginx controller (IngressClass nginx) for the labs' Ingress rules" },
    { name: "metrics-server", why: "CPU and memory metrics for the HorizontalPodAutoscalers" },
    { name: "volumesnapshots", why: "required by csi-hostpath-driver" },
    { name: "csi-hostpath-driver", why: "CSI hostpath driver (hostpath.csi.k8s.io), which can expand volumes" },
];

/** Which addons meet each need a lab can declare (`csi-hostpath-driver` needs `volumesnapshots` enabled too). */
export const ADDONS_BY_NEED: Readonly<Record<keyof ClusterNeeds, readonly string[]>> = {
    ingress: ["ingress"],
    metrics: ["metrics-server"],
    storage: ["volumesnapshots", "csi-hostpath-driver"],
};

/** The addons a created cluster enables for what the switched-on labs need, in {@link MINIKUBE_ADDONS} order. */
export function addonsFor(needs: ClusterNeeds): string[] {
    const wanted = new Set((Object.keys(ADDONS_BY_NEED) as (keyof ClusterNeeds)[]).filter(n => needs[n]).flatMap(n => ADDONS_BY_NEED[n]));
    return MINIKUBE_ADDONS.map(a => a.name).filter(a => wanted.has(a));
}

/**
 * The commands that enable the addons on an adopted cluster: `minikube addons enable` takes
 * exactly one addon per call, so one command per addon (`-p <profile>` when the context is not
 * the default profile).
 */
export function addonCommands(context: string): string[] {
    return MINIKUBE_ADDONS.map(a => `minikube addons enable ${a.name}${profileFlag(context)}`);
}

function profileFlag(profile: string): string {
    return profile === DEFAULT_PROFILE ? "" : ` -p ${profile}`;
}

/** minikube's default profile, the one its commands use without `-p`. */
export const DEFAULT_PROFILE = "minikube";

/** Names minikube refuses as a profile: its own subcommands (pkg/minikube/config's `keywords`). */
const RESERVED_PROFILE_NAMES = new Set(["start", "stop", "status", "delete", "config", "open", "profile", "addons", "cache", "logs"]);

/**
 * The minikube profile a stack's cluster gets, which is also its kubeconfig context and its first
 * node's name: the stack's name when that is a valid profile as it stands (lower-case letters,
 * digits and `-`, at least 2 characters, not a minikube subcommand), so the `minikube` stack's
 * cluster is minikube's default profile. Any other stack name is lower-cased and cleaned, with a
 * short hash of the original added so that `Dev` and `dev` still get two clusters.
 */
export function profileName(stack: string): string {
    if (/^[a-z0-9]([-a-z0-9]{0,48}[a-z0-9])$/.test(stack) && !RESERVED_PROFILE_NAMES.has(stack)) {
        return stack;
    }
    const slug = stack.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
    const hash = createHash("sha256").update(stack).digest("hex").slice(0, 6);
    return `${slug || "kubelab"}-${hash}`;
}

/** What a created cluster is, as `minikube start` gets it. */
export interface ClusterSpec {
    profile: string;
    nodes: number;
    cpus: number;
    /** Memory per node, MiB. */
    memoryMiB: number;
    kubernetesVersion: string;
    driver: string;
    cni: string;
    addons: string[];
}

/** The cluster a stack creates, from its settings and what its labs need. */
export function clusterSpec(settings: MinikubeSettings, stack: string, needs: ClusterNeeds): ClusterSpec {
    return {
        profile: profileName(stack),
        nodes: settings.nodes,
        cpus: settings.cpus,
        memoryMiB: memoryMiB(settings.memory) ?? NaN,
        kubernetesVersion: settings.kubernetesVersion,
        driver: settings.driver,
        cni: settings.cni,
        addons: addonsFor(needs),
    };
}

/**
 * The command lines that create and delete the cluster. Every value in them is validated to
 * letters, digits, `.` and `-` (profile, version, driver, CNI, addon names) or numbers, so they
 * need no shell quoting. All addons go in one `--addons=` flag, comma-separated; with no lab
 * needing one, the flag is left out.
 */
export function clusterCommands(spec: ClusterSpec): { create: string; delete: string } {
    const create = [
        `minikube start -p ${spec.profile}`,
        `--nodes ${spec.nodes}`,
        `--cpus ${spec.cpus}`,
        `--memory ${spec.memoryMiB}mb`,
        `--kubernetes-version ${spec.kubernetesVersion}`,
        `--driver ${spec.driver}`,
        `--cni ${spec.cni}`,
        ...(spec.addons.length ? [`--addons=${spec.addons.join(",")}`] : []),
    ].join(" ");
    return { create, delete: `minikube delete -p ${spec.profile}` };
}

/**
 * What minikube cannot change on a cluster that exists, each with the setting it comes from: a
 * change of any of them deletes and recreates the cluster (the Command's `triggers`).
 */
function replacingValues(spec: ClusterSpec): { key: keyof MinikubeSettings | "profile"; value: string | number; describe: (v: string | number) => string }[] {
    return [
        { key: "profile", value: spec.profile, describe: v => `profile ${v}` },
        { key: "nodes", value: spec.nodes, describe: v => `${v} nodes` },
        { key: "driver", value: spec.driver, describe: v => `driver ${v}` },
        { key: "kubernetesVersion", value: spec.kubernetesVersion, describe: v => `Kubernetes ${v}` },
        { key: "cni", value: spec.cni, describe: v => `CNI ${v}` },
        { key: "cpus", value: spec.cpus, describe: v => `${v} CPUs per node` },
        { key: "memory", value: spec.memoryMiB, describe: v => `${v}mb per node` },
    ];
}

// ---- Checks before anything is created -------------------------------------------------------

/** Memory kubelab leaves to the host itself when it sizes the nodes, MiB. */
export const HOST_RESERVED_MIB = 1024;

/** An existing cluster of the profile, as minikube recorded it in its profile's config.json. */
export interface ExistingCluster {
    nodes: number;
    driver: string;
    kubernetesVersion: string;
    cni: string;
    cpus: number;
    memoryMiB: number;
}

/** What the checks look at on the machine that runs `minikube`. */
export interface HostFacts {
    /** Where `minikube` is on PATH; undefined when it is not installed. */
    minikube: string | undefined;
    /** Whether the driver's own program (docker, podman) is on PATH; true for VM drivers, which minikube checks itself. */
    driverFound: boolean;
    /** Total memory, MiB. */
    memoryMiB: number;
    /** Logical CPUs. */
    cpus: number;
    /** The profile's cluster if it exists already. */
    existing?: ExistingCluster;
}

/** A program the stack needs on the machine that runs it is missing. */
export class PrerequisiteError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "PrerequisiteError";
    }
}

const KEY = "kubelab:minikube";

/**
 * The checks made before the cluster is created, so that `pulumi preview` and `pulumi up` fail
 * with a message naming what to change instead of half-way through `minikube start`: minikube
 * (and the driver's program) installed, the nodes' memory and CPUs fitting the machine, and, when
 * `protectData` is on, no setting that would delete and recreate a cluster that exists. (Fewer
 * than one node is refused by the settings schema.) Returns warnings: the settings that differ
 * from an existing cluster of the profile when `protectData` is off.
 */
export function preflight(settings: MinikubeSettings, spec: ClusterSpec, protectData: boolean, host: HostFacts): string[] {
    if (!host.minikube) {
        throw new PrerequisiteError(`minikube is not installed (no minikube on PATH): with ${KEY}.create true (the default) this stack starts its own cluster `
            + `with \`minikube start -p ${spec.profile}\`. Install minikube (written against ${MINIKUBE_VERSION}: https://minikube.sigs.k8s.io/docs/start/), `
            + `or set ${KEY}.create to false to deploy into a cluster that already runs`);
    }
    if (!host.driverFound) {
        throw new PrerequisiteError(`${spec.driver} is not installed (no ${spec.driver} on PATH): ${KEY}.driver is ${spec.driver}, so minikube runs the nodes as ${spec.driver} containers. `
            + `Install and start ${spec.driver}, or set ${KEY}.driver to another driver`);
    }
    const total = spec.nodes * spec.memoryMiB;
    const usable = host.memoryMiB - HOST_RESERVED_MIB;
    if (total > usable) {
        const fits = Math.floor(usable / spec.nodes);
        throw new ConfigError(`${KEY}.memory`, settings.memory,
            `memory that fits this machine: ${spec.nodes} nodes (${KEY}.nodes) × ${spec.memoryMiB}mb = ${total}mb, but it has ${host.memoryMiB}mb `
            + `and keeps ${HOST_RESERVED_MIB}mb for itself; lower ${KEY}.memory (at most ${fits}mb per node${fits < MIN_NODE_MEMORY_MIB ? `, below minikube's ${MIN_NODE_MEMORY_MIB}mb minimum` : ""}) or ${KEY}.nodes`);
    }
    if (spec.cpus > host.cpus) {
        throw new ConfigError(`${KEY}.cpus`, settings.cpus, `at most the ${host.cpus} CPUs this machine has (each node gets ${KEY}.cpus of them)`);
    }
    const existing = host.existing;
    if (!existing) {
        return [];
    }
    const now: Record<string, string | number> = {
        nodes: existing.nodes, driver: existing.driver, kubernetesVersion: existing.kubernetesVersion,
        cni: existing.cni, cpus: existing.cpus, memory: existing.memoryMiB,
    };
    const differing = replacingValues(spec).filter(r => r.key in now && String(now[r.key]) !== String(r.value));
    const [first] = differing;
    if (first && protectData) {
        throw new ConfigError(`${KEY}.${first.key}`, settings[first.key as keyof MinikubeSettings],
            `what minikube profile ${spec.profile} has (${first.describe(now[first.key])}): minikube can't change that on a cluster that exists, so \`pulumi up\` would delete `
            + `and recreate the cluster with its volumes, and kubelab:protectData is on. Set it back, or turn kubelab:protectData off to let the cluster be replaced`);
    }
    // Without protectData a difference is a replacement when this stack created the cluster; a
    // cluster started by hand under the same profile would be taken over, then deleted on destroy.
    return differing.map(r => `minikube profile ${spec.profile} exists with ${r.describe(now[r.key])}, and ${KEY}.${r.key} asks for ${r.describe(r.value)}: `
        + `if this stack created it, \`pulumi up\` deletes and recreates the cluster; if you started it yourself, set ${KEY}.create to false to deploy into it instead `
        + `(a created cluster is deleted by \`pulumi destroy\`)`);
}

/**
 * A created cluster's kubeconfig context is its profile: `context`, if set, must name it. Another
 * context most likely means a cluster started by hand that the stack should adopt (`create: false`)
 * rather than take over and delete on destroy.
 */
export function checkCreatedContext(settings: MinikubeSettings, profile: string): void {
    if (settings.context !== undefined && settings.context !== profile) {
        throw new ConfigError(`${KEY}.context`, settings.context,
            `unset (or ${profile}) while ${KEY}.create is true: the created cluster's context is its minikube profile, ${profile}, named from the stack; `
            + `to deploy into the existing context ${settings.context} instead, set ${KEY}.create to false`);
    }
}

/** Whether the program runs under the Pulumi engine, which runs the Command on this machine (not under the offline plan's mocks). */
export function engineRunsCommands(): boolean {
    return pulumi.runtime.getEngine() !== undefined;
}

/** The facts {@link preflight} checks, read from this machine. */
export function probeHost(spec: ClusterSpec, env: NodeJS.ProcessEnv = process.env): HostFacts {
    const driverProgram = spec.driver === "docker" || spec.driver === "podman" ? spec.driver : undefined;
    return {
        minikube: findOnPath("minikube", env),
        driverFound: driverProgram ? findOnPath(driverProgram, env) !== undefined : true,
        memoryMiB: Math.floor(os.totalmem() / 1024 ** 2),
        cpus: os.cpus().length,
        existing: readExistingCluster(spec.profile, env),
    };
}

/** The first `name` on PATH that is a file (`.exe` and PATHEXT's extensions on Windows). */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    const extensions = process.platform === "win32" ? ["", ...(env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";")] : [""];
    for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
        for (const ext of extensions) {
            const file = path.join(dir, name + ext);
            try {
                if (fs.statSync(file).isFile()) {
                    return file;
                }
            } catch {
                // not there
            }
        }
    }
    return undefined;
}

/**
 * The profile's cluster as minikube recorded it (`$MINIKUBE_HOME/.minikube/profiles/<profile>/config.json`,
 * MINIKUBE_HOME defaulting to the home folder); undefined when there is none or it can't be read.
 */
export function readExistingCluster(profile: string, env: NodeJS.ProcessEnv = process.env): ExistingCluster | undefined {
    const home = env.MINIKUBE_HOME || os.homedir();
    const miniPath = path.basename(home) === ".minikube" ? home : path.join(home, ".minikube");
    let raw: unknown;
    try {
        raw = JSON.parse(fs.readFileSync(path.join(miniPath, "profiles", profile, "config.json"), "utf8"));
    } catch {
        return undefined;
    }
    return parseProfileConfig(raw);
}

/** The fields of a minikube profile's config.json that kubelab compares; undefined for a shape it doesn't know. */
export function parseProfileConfig(raw: unknown): ExistingCluster | undefined {
    if (!raw || typeof raw !== "object") {
        return undefined;
    }
    const c = raw as { Nodes?: unknown; Driver?: unknown; CPUs?: unknown; Memory?: unknown; KubernetesConfig?: { KubernetesVersion?: unknown; CNI?: unknown } };
    const k = c.KubernetesConfig ?? {};
    if (!Array.isArray(c.Nodes) || typeof c.Driver !== "string" || typeof c.CPUs !== "number" || typeof c.Memory !== "number" || typeof k.KubernetesVersion !== "string") {
        return undefined;
    }
    return {
        nodes: c.Nodes.length, driver: c.Driver, cpus: c.CPUs, memoryMiB: c.Memory,
        kubernetesVersion: k.KubernetesVersion, cni: typeof k.CNI === "string" && k.CNI ? k.CNI : "auto",
    };
}

// ---- The platform ----------------------------------------------------------------------------

export interface MinikubePlatformArgs {
    /** The platform's settings, `kubelab:minikube`. */
    settings: MinikubeSettings;
    /** The stack's name, data protection and what its labs need. */
    context: PlatformContext;
}

export class MinikubePlatform extends pulumi.ComponentResource implements Platform {
    readonly name = "minikube";
    readonly provider: k8s.Provider;
    readonly storageClassName: pulumi.Output<string>;
    readonly ingressClassName = "nginx";
    readonly clusterServices = { ingressController: "provided", metricsServer: "provided" } as const;
    readonly ingressAddress: pulumi.Output<string>;
    readonly prerequisites: string[];
    readonly protectData: boolean;
    /** The `minikube start` / `minikube delete` Command of a created cluster; undefined for an adopted one. */
    readonly cluster?: local.Command;

    constructor(name: string, args: MinikubePlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:infra:MinikubePlatform", name, {}, opts);
        const { settings, context } = args;
        this.protectData = context.protectData;

        if (settings.create) {
            const spec = clusterSpec(settings, context.stack, context.needs);
            const commands = clusterCommands(spec);
            const values = replacingValues(spec);
            const kubeconfig = settings.kubeconfig ? pulumi.secret(expandHome(settings.kubeconfig)) : undefined;
            this.cluster = new local.Command(`${name}-cluster`, {
                create: commands.create,
                delete: commands.delete,
                // What minikube can't change on an existing cluster: a change replaces the
                // Command (delete, then create). Addons are not here: a new list re-runs
                // `minikube start`, which enables them on the running cluster.
                triggers: values.map(v => v.value),
                environment: {
                    MINIKUBE_IN_STYLE: "false", // plain progress lines in Pulumi's log, no emoji
                    ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}),
                },
            }, {
                parent: this,
                // One profile can't hold two clusters: the old one goes first.
                deleteBeforeReplace: true,
                // The offline diff reads replaceOnChanges; the provider replaces on triggers too.
                replaceOnChanges: ["triggers"],
                // protectData: `pulumi destroy` and a replacement are refused, the cluster is kept.
                protect: context.protectData,
                retainOnDelete: context.protectData,
            });
            this.provider = new k8s.Provider(`${name}-k8s`, {
                kubeconfig,
                context: spec.profile,
                // A new cluster (a replaced Command) is a new identity: the provider, and every
                // object it manages, is replaced with it, so the labs are deployed again. Read
                // from the Command, so that the engine sees the provider depend on it.
                clusterIdentifier: this.cluster.triggers.apply(() => `minikube ${values.map(v => v.describe(v.value)).join(", ")}`),
                // When the cluster is gone (deleted by hand), `pulumi destroy` forgets its objects.
                deleteUnreachable: true,
            }, { parent: this, dependsOn: [this.cluster] });
            this.prerequisites = [];
            this.ingressAddress = pulumi.output(`$(minikube${profileFlag(spec.profile)} ip)`);
        } else {
            const clusterContext = settings.context ?? DEFAULT_PROFILE;
            this.prerequisites = addonCommands(clusterContext);
            this.ingressAddress = pulumi.output(`$(minikube${profileFlag(clusterContext)} ip)`);
            this.provider = new k8s.Provider(`${name}-k8s`, {
                // A kubeconfig may hold credentials: always a secret, whether a path or the contents.
                kubeconfig: settings.kubeconfig ? pulumi.secret(expandHome(settings.kubeconfig)) : undefined,
                context: clusterContext,
            }, { parent: this });
        }

        // A hostpath volume lives on one node (the addon runs its driver on every node since
        // minikube 1.30 and pins each volume to the node that made it): create it on the node
        // the pod is scheduled to, or a pod could be tied to a node its spread rules avoid.
        const storageClass = expandableStorageClass(`${name}-storage`, {
            provisioner: "hostpath.csi.k8s.io", volumeBindingMode: "WaitForFirstConsumer", ...(settings.storageClassName ? { name: settings.storageClassName } : {}),
        }, context, { parent: this, provider: this.provider });
        this.storageClassName = storageClass.metadata.name;

        this.registerOutputs({
            storageClassName: this.storageClassName,
            prerequisites: this.prerequisites,
            // The command lines a created cluster runs, where a reader of the plan or the state finds them.
            ...(this.cluster ? { clusterCommands: { create: this.cluster.create, delete: this.cluster.delete } } : {}),
        });
    }
}

/**
 * The registry's entry point: builds the platform for a stack. A stack that creates its cluster
 * is checked first ({@link preflight}) when the Pulumi engine runs it, on the machine that will
 * run `minikube`; the offline plan has no engine and runs no command, so it skips the checks.
 */
export function createPlatform(settings: MinikubeSettings, context: PlatformContext, host?: HostFacts): Platform {
    if (settings.create) {
        const spec = clusterSpec(settings, context.stack, context.needs);
        checkCreatedContext(settings, spec.profile);
        if (host || engineRunsCommands()) {
            for (const warning of preflight(settings, spec, context.protectData, host ?? probeHost(spec))) {
                void pulumi.log.warn(warning);
            }
        }
    }
    return new MinikubePlatform("minikube", { settings, context });
}

function expandHome(file: string): string {
    return file === "~" || file.startsWith("~/") ? path.join(os.homedir(), file.slice(1)) : file;
}
