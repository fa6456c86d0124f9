/**
 * How every kubelab pod runs, in one place: the secure defaults the shared components apply, the
 * one table saying which user each catalog image runs as, and the exceptions, each with its reason.
 *
 * Every pod the components build gets (Pod Security Standards "restricted",
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/):
 * - `automountServiceAccountToken: false`: no lab pod calls the Kubernetes API, so none carries a token;
 * - pod `securityContext`: `runAsNonRoot: true`, the image's numeric user and group
 *   (`runAsUser`/`runAsGroup`: the kubelet can only check a numeric user), `fsGroup` where the
 *   image writes its volume, `seccompProfile: RuntimeDefault`;
 * - container `securityContext`: `allowPrivilegeEscalation: false`, `capabilities.drop: [ALL]`,
 *   and `readOnlyRootFilesystem: true` only where the image is known to write nothing outside its
 *   volumes, with an `emptyDir` for each scratch path it does write (e.g. `/tmp`).
 *
 * An image that cannot run so is an {@link ImageException}, in {@link IMAGE_SECURITY} with its
 * reason: its pod still gets the token, seccomp, escalation and capability settings, but no
 * non-root user, and the namespace that runs it enforces `baseline` with the reason annotated
 * beside the label ({@link namespacePodSecurity}).
 *
 * A `kubelab:images` override must run like the image it replaces (same user, same writable paths).
 */
import * as k8s from "@pulumi/kubernetes";
import { ImageKey } from "./images";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** An image that runs restricted: as a known non-root user. */
export interface NonRootImage {
    kind: "non-root";
    /** `runAsUser`: the image's own user where it has one. */
    user: number;
    /** `runAsGroup`. */
    group: number;
    /** `fsGroup`: the pod's volumes are given to this group (group-writable), for an image that writes its volume. */
    fsGroup?: number;
    /**
     * Set when the image writes nothing outside its volumes but these scratch paths: the root
     * filesystem is then read-only and each path an `emptyDir`. Unset: the root filesystem stays
     * writable (the image writes elsewhere, or it is not known not to).
     */
    readOnlyRoot?: { scratch: string[] };
    /** Where the user and the behaviour come from. */
    source: string;
    /** What does not work under these settings, if anything. */
    limitation?: string;
}

/** An image that cannot run restricted: its namespace enforces baseline, with this reason beside the label. */
export interface ImageException {
    kind: "exception";
    /** Why it can't run restricted (written on the namespace). */
    reason: string;
    /** Where that comes from. */
    source: string;
}

export type ImageSecurity = NonRootImage | ImageException;

/**
 * Known non-root users of the images kubelab runs or is likely to (each from the image's own
 * Dockerfile or documentation).
 */
export const NON_ROOT_USERS = {
    /** docker-library/mongo 6.0/Dockerfile: `groupadd --gid 999 --system mongodb; useradd --uid 999 --system --gid mongodb mongodb`. */
    mongodb: 999,
    /** docker-library/postgres 17/bookworm/Dockerfile: `groupadd -r postgres --gid=999; useradd -r -g postgres --uid=999 postgres`. */
    postgres: 999,
    /** grafana/grafana (Grafana docs, "Run Grafana Docker image": the image runs as user `grafana`, UID 472, GID 472 since 5.1). */
    grafana: 472,
    /** docker-library/node (Debian and Alpine variants): `node`, uid/gid 1000 (`groupadd --gid 1000 node && useradd --uid 1000 --gid node`). */
    node: 1000,
    /** busybox's /etc/passwd: `nobody:x:65534:65534`. */
    nobody: 65534,
    /**
     * An image with no user database at all (`FROM scratch`) runs as any numeric user; 65532 is
     * the `nonroot` user of the distroless images, the usual choice.
     */
    anyStatic: 65532,
    /**
     * MinIO runs as any user that can write its data directory (minio/minio#7773, fixed in
     * June 2019, "allows MinIO containers to run ... docker run --user uid:gid"; MinIO's docs run
     * it with `--user $(id -u):$(id -g)`): 1000 here, with the volume given to its group.
     */
    minio: 1000,
} as const;

const mongo: NonRootImage = {
    kind: "non-root",
    user: NON_ROOT_USERS.mongodb,
    group: NON_ROOT_USERS.mongodb,
    fsGroup: NON_ROOT_USERS.mongodb,
    readOnlyRoot: { scratch: ["/tmp"] },
    source: "docker-library/mongo 6.0: user mongodb is uid/gid 999 (Dockerfile); docker-entrypoint.sh chowns /data/db and steps down " +
        "with gosu only when started as root (\"allow the container to be started with --user\"), so as 999 it runs mongod directly; " +
        "mongod writes its dbPath (the volume, given to group 999) and its socket in /tmp (an emptyDir).",
};

const nodeApp = (dockerfile: string): NonRootImage => ({
    kind: "non-root",
    user: NON_ROOT_USERS.node,
    group: NON_ROOT_USERS.node,
    source: `${dockerfile} (no USER, so root by default); the node base image's user node is uid/gid 1000, and the app only reads ` +
        "its own files. The root filesystem stays writable: npm (and node) may write under $HOME.",
});

const nanomon = (binary: string): NonRootImage => ({
    kind: "non-root",
    user: NON_ROOT_USERS.anyStatic,
    group: NON_ROOT_USERS.anyStatic,
    readOnlyRoot: { scratch: [] },
    source: `benc-uk/nanomon build/Dockerfile.${binary}: FROM scratch with one static Go binary (CGO_ENABLED=0) and read-only ` +
        "files in /app, no USER and no /etc/passwd, so any numeric user runs it; it writes nothing to disk.",
});

/**
 * How each catalog image runs: its non-root user, or why it is an exception. The one table:
 * labs pass these to the components and to {@link namespacePodSecurity}.
 */
export const IMAGE_SECURITY: Record<ImageKey, ImageSecurity> = {
    "smilr-data-api": nodeApp("benc-uk/smilr node/data-api/Dockerfile: FROM node:12-alpine, `npm start` in /home/app"),
    "smilr-frontend": nodeApp("benc-uk/smilr node/frontend/Dockerfile: FROM node:10-alpine, `npm start` in /home/app"),
    "smilr-mongodb": mongo,
    "knote": nodeApp("learnk8s/knote-js 04-05/Dockerfile: FROM node:12.0-slim, `node index.js`; pictures go to MinIO (multer memoryStorage)"),
    "knote-stateful": {
        kind: "exception",
        reason: "knote 1.0.0 (the stateful stage) saves uploaded pictures into its image's own directory (multer dest <app>/public/uploads/, " +
            "created at start), which belongs to root: as another user it cannot start",
        source: "learnk8s/knote-js 03/index.js and 03/Dockerfile (FROM node:12.0-slim, COPY . ., no USER)",
    },
    "knote-mongo": mongo,
    "knote-minio": {
        kind: "non-root",
        user: NON_ROOT_USERS.minio,
        group: NON_ROOT_USERS.minio,
        fsGroup: NON_ROOT_USERS.minio,
        source: "minio/minio: no USER in the image, but MinIO runs as any user that can write its data directory (minio/minio#7773; " +
            "MinIO's container docs run it with --user); /storage is the volume, given to group 1000. The root filesystem stays " +
            "writable (MinIO looks for its certs directory under $HOME).",
    },
    "nanomon-api": nanomon("api"),
    "nanomon-frontend": nanomon("frontend"),
    "nanomon-runner": {
        ...nanomon("runner"),
        limitation: "ping monitors open raw ICMP sockets (pro-bing SetPrivileged(true), services/runner/monitor/ping.go), which need " +
            "CAP_NET_RAW: restricted drops it, so ping monitors report an error; http, tcp and dns monitors work",
    },
    "nanomon-postgres": {
        kind: "non-root",
        user: NON_ROOT_USERS.postgres,
        group: NON_ROOT_USERS.postgres,
        fsGroup: NON_ROOT_USERS.postgres,
        source: "docker-library/postgres 17 (Debian): user postgres is uid/gid 999 (Dockerfile); docker-entrypoint.sh chowns and " +
            "steps down with gosu only when started as root, and initdb runs as any user in /etc/passwd (docker-library/postgres#253), " +
            "which 999 is. PGDATA is a sub-directory the entrypoint creates (mode 0700) in the volume, given to group 999. " +
            "The root filesystem stays writable (the server's socket and lock files go to /var/run/postgresql).",
    },
    "nanomon-load-test": {
        kind: "non-root",
        user: NON_ROOT_USERS.nobody,
        group: NON_ROOT_USERS.nobody,
        readOnlyRoot: { scratch: [] },
        source: "busybox: the script only runs wget -O /dev/null, sleep and date, so it runs as nobody (65534) and writes nothing.",
    },
    "movie-catalog-mongo": {
        ...mongo,
        source: "docker-library/mongo 5.0: user mongodb is uid/gid 999 (Dockerfile, as in 6.0); the lab runs mongod directly " +
            "(command mongod --replSet …, no entrypoint), which writes its dbPath (the volume, given to group 999) and its socket in " +
            "/tmp (an emptyDir). The init Job runs mongosh from the same image with HOME=/tmp (the image's HOME /data/db is " +
            "read-only there).",
    },
    "movie-catalog-grafana": {
        kind: "non-root",
        user: NON_ROOT_USERS.grafana,
        group: NON_ROOT_USERS.grafana,
        fsGroup: NON_ROOT_USERS.grafana,
        source: "grafana/grafana Dockerfile: user grafana, uid 472 (GF_UID), owns /var/lib/grafana, /var/log/grafana and the " +
            "provisioning paths; GF_PATHS_DATA /var/lib/grafana is the volume, given to group 472. The root filesystem stays " +
            "writable (Grafana writes its logs and plugins under its own paths).",
    },
    "production-grade-busybox": {
        kind: "non-root",
        user: NON_ROOT_USERS.nobody,
        group: NON_ROOT_USERS.nobody,
        fsGroup: NON_ROOT_USERS.nobody,
        readOnlyRoot: { scratch: [] },
        source: "busybox: the volume pods run sleep 3600 and the lessons' touch/ls in their volumes (emptyDir is world-writable; " +
            "claims are given to group 65534), the log streamer tail -F; as nobody (65534), writing nothing else.",
    },
    "production-grade-back": {
        kind: "non-root",
        user: NON_ROOT_USERS.nobody,
        group: NON_ROOT_USERS.nobody,
        fsGroup: NON_ROOT_USERS.nobody,
        source: "icrosby/k8s-real-demo (ContainerSolutions' workshop app, a Go service: its datastore is gorm's) publishes no " +
            "Dockerfile to check offline; it listens on 8080 (unprivileged) and writes only /var/log/app.log, which the lab " +
            "mounts as a volume given to group 65534, so it runs as nobody. The root filesystem stays writable (not known not to " +
            "write elsewhere).",
        limitation: "the user is not taken from the image (none is documented): if a release writes outside /var/log, it fails " +
            "with permission denied, which kubectl logs shows",
    },
    "production-grade-back-v1": {
        kind: "non-root",
        user: NON_ROOT_USERS.nobody,
        group: NON_ROOT_USERS.nobody,
        fsGroup: NON_ROOT_USERS.nobody,
        source: "the same image as production-grade-back (its v1 override, icrosby/k8s-real-demo:latest, is the same Go service).",
    },
    "production-grade-front": {
        kind: "non-root",
        user: 101,
        group: 101,
        readOnlyRoot: { scratch: ["/var/cache/nginx", "/var/run", "/tmp"] },
        source: "icrosby/k8s-real-fe serves the frontend with nginx on port 80 and proxies /webapp/ to pgk-back-service; nginx " +
            "images run unprivileged as their nginx user (101 in the official image, which it is assumed to build on) when its " +
            "cache, pid and temp paths are writable (emptyDirs here), and the lab lets the pod bind port 80 without root with the " +
            "namespaced sysctl net.ipv4.ip_unprivileged_port_start=0 (safe under Pod Security).",
        limitation: "the base image is not documented: if it is not the official nginx image's layout, nginx stops at start " +
            "naming the path it could not write",
    },
    "production-grade-echo": {
        kind: "non-root",
        user: NON_ROOT_USERS.nobody,
        group: NON_ROOT_USERS.nobody,
        source: "registry.k8s.io/echoserver:1.10 (kubernetes test image: nginx with a Lua handler echoing the request) listens on " +
            "8080, an unprivileged port, so its nginx needs no root to bind; it runs as nobody with a writable root filesystem.",
        limitation: "not verified on a running cluster: nginx run by a user other than root ignores its user directive (a " +
            "warning) and needs its temp directories writable; if they are not, the pod logs name them",
    },
};

/** The security settings of catalog image `key`. */
export function securityOf(key: ImageKey): ImageSecurity {
    return IMAGE_SECURITY[key];
}

const RUNTIME_DEFAULT = { type: "RuntimeDefault" };

/** Names of the scratch `emptyDir` volumes, one per path, in order. */
function scratchVolumes(security: ImageSecurity): { name: string; mountPath: string }[] {
    const paths = security.kind === "non-root" ? security.readOnlyRoot?.scratch ?? [] : [];
    return paths.map((mountPath, i) => ({ name: `scratch-${i}`, mountPath }));
}

/**
 * The pod-level settings: no ServiceAccount token, the pod securityContext, and the scratch
 * volumes. Add the pod's own volumes after {@link PodSecurityParts.volumes}.
 */
export interface PodSecurityParts {
    automountServiceAccountToken: false;
    securityContext: NonNullable<PodSpec["securityContext"]>;
    volumes: Volume[];
}

export function securePod(security: ImageSecurity): PodSecurityParts {
    const context = security.kind === "non-root"
        ? {
            runAsNonRoot: true,
            runAsUser: security.user,
            runAsGroup: security.group,
            ...(security.fsGroup !== undefined ? { fsGroup: security.fsGroup } : {}),
            seccompProfile: RUNTIME_DEFAULT,
        }
        : { seccompProfile: RUNTIME_DEFAULT };
    return {
        automountServiceAccountToken: false,
        securityContext: context,
        volumes: scratchVolumes(security).map(v => ({ name: v.name, emptyDir: {} })),
    };
}

/** The container-level settings: its securityContext and the scratch mounts (add its own mounts after them). */
export interface ContainerSecurityParts {
    securityContext: NonNullable<Container["securityContext"]>;
    volumeMounts: VolumeMount[];
}

export function secureContainer(security: ImageSecurity): ContainerSecurityParts {
    const readOnly = security.kind === "non-root" && security.readOnlyRoot !== undefined;
    return {
        securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            ...(readOnly ? { readOnlyRootFilesystem: true } : {}),
        },
        volumeMounts: scratchVolumes(security).map(v => ({ name: v.name, mountPath: v.mountPath })),
    };
}

/** A pod spec as the components build it: plain lists of containers, volumes and mounts. */
export interface PlainPodSpec extends Omit<PodSpec, "containers" | "volumes"> {
    containers: (Omit<Container, "volumeMounts"> & { volumeMounts?: VolumeMount[] })[];
    volumes?: Volume[];
}

/**
 * `spec` with the security parts merged in: the pod gets {@link securePod}, every container
 * {@link secureContainer}. The scratch volumes and mounts come before the spec's own; empty lists
 * are left out.
 */
export function withSecurity(security: ImageSecurity, spec: PlainPodSpec): PodSpec {
    const pod = securePod(security);
    const container = secureContainer(security);
    const volumes = [...pod.volumes, ...(spec.volumes ?? [])];
    return {
        ...spec,
        automountServiceAccountToken: pod.automountServiceAccountToken,
        securityContext: pod.securityContext,
        containers: spec.containers.map(c => {
            const mounts = [...container.volumeMounts, ...(c.volumeMounts ?? [])];
            return { ...c, securityContext: container.securityContext, volumeMounts: mounts.length ? mounts : undefined };
        }),
        volumes: volumes.length ? volumes : undefined,
    };
}

export const POD_SECURITY_REASON_ANNOTATION = "kubelab.dev/pod-security-reason";

/**
 * The Pod Security admission labels of a lab namespace that runs these catalog images:
 * `restricted` enforced, warned and audited when none is an exception; otherwise `baseline`
 * enforced (restricted still warned and audited), with the exceptions' reasons annotated beside it.
 */
export function namespacePodSecurity(images: ImageKey[]): { labels: Record<string, string>; annotations: Record<string, string> } {
    const exceptions = [...new Set(images)].flatMap(key => {
        const security = IMAGE_SECURITY[key];
        return security.kind === "exception" ? [`${key}: ${security.reason}`] : [];
    });
    const labels = {
        "pod-security.kubernetes.io/enforce": exceptions.length ? "baseline" : "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    };
    const annotations: Record<string, string> = exceptions.length
        ? { [POD_SECURITY_REASON_ANNOTATION]: `baseline, not restricted: ${exceptions.join("; ")}` }
        : {};
    return { labels, annotations };
}
