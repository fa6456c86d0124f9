/**
 * Every image the labs run, pinned, in one catalog, and how a stack overrides them.
 *
 * Workshops often mirror images into their own registry (ACR, ECR, Artifact Registry):
 * - `kubelab:imageRegistry` puts a registry in front of every image, replacing the public
 *   registry host: `smilr/data-api:2.9.8a` becomes `<registry>/smilr/data-api:2.9.8a`;
 * - `kubelab:images` replaces single images by catalog key, e.g.
 *   `{"smilr-data-api": "ghcr.io/benc-uk/smilr/data-api:stable"}`. An override is used as given.
 *
 * Each catalog image also has an entry in ./security.ts saying which non-root user it runs as (or
 * why it can't): an override must run like the image it replaces, same user and writable paths.
 */
import { z } from "zod";
import { matching, section } from "../infra/config";

/** The pinned images, by catalog key. */
export const IMAGE_CATALOG = {
    /** Smilr data API (Docker Hub release tag; ghcr.io/benc-uk/smilr/data-api:stable is the moving alternative). */
    "smilr-data-api": "smilr/data-api:2.9.8a",
    /** Smilr frontend, same release as the data API. */
    "smilr-frontend": "smilr/frontend:2.9.8a",
    /** MongoDB for smilr's single-member store. */
    "smilr-mongodb": "mongo:6.0.2-focal",
    /** knote (learnk8s/knote-js), the release that stores pictures in MinIO. */
    "knote": "learnk8s/knote-js:2.0.0",
    /** knote's earlier release, which keeps uploaded pictures on the pod's own disk (the lesson's stateful stage). */
    "knote-stateful": "learnk8s/knote-js:1.0.0",
    /** MongoDB for knote's notes (the tutorial's tag). */
    "knote-mongo": "mongo:6.0.2-focal",
    /** MinIO for knote's pictures; this release reads MINIO_ACCESS_KEY/MINIO_SECRET_KEY. */
    "knote-minio": "minio/minio:RELEASE.2022-10-29T06-21-33Z",
    /** NanoMon (github benc-uk/nanomon) API, its newest release. */
    "nanomon-api": "ghcr.io/benc-uk/nanomon-api:0.2.0",
    /** NanoMon frontend, same release. */
    "nanomon-frontend": "ghcr.io/benc-uk/nanomon-frontend:0.2.0",
    /** NanoMon runner, same release. */
    "nanomon-runner": "ghcr.io/benc-uk/nanomon-runner:0.2.0",
    /** PostgreSQL for NanoMon (the tutorial's major version). */
    "nanomon-postgres": "postgres:17",
    /** NanoMon's optional load test: request loops with busybox wget. */
    "nanomon-load-test": "busybox:1.36.1",
    /**
     * MongoDB for movie-catalog's replica set (LABS.md §5: the tutorial's `mongo:5`). The 5.0 series
     * reached its end of life in October 2024 (5.0.30 the last release), so the tag no longer moves.
     * The image ships mongosh, which the replica set's init Job runs.
     */
    "movie-catalog-mongo": "mongo:5",
    /** Grafana for movie-catalog, a StatefulSet keeping its data on a claim. */
    "movie-catalog-grafana": "grafana/grafana:11.3.0",
    /** production-grade's volume pods (busy and box) and the backend's log streamer. */
    "production-grade-busybox": "busybox:1.36.1",
    /**
     * production-grade's backend, the release the lab calls v2. icrosby/k8s-real-demo publishes
     * only `latest` (the tutorial's "version 1.0") and `v2`, so `v2` is the one pinned tag.
     */
    "production-grade-back": "icrosby/k8s-real-demo:v2",
    /**
     * The backend release the lab calls v1. The tutorial's v1 is only published as `latest`,
     * which is not a pin: the catalog runs `v2` here too (the pods still carry `version: v1`), and
     * a stack that wants the real first release sets
     * `kubelab:images: {production-grade-back-v1: icrosby/k8s-real-demo:latest}` (pinned-image-tag
     * then reports it: an advisory in the workshop profile, an error in production).
     */
    "production-grade-back-v1": "icrosby/k8s-real-demo:v2",
    /**
     * production-grade's frontend. Exception to pinning: LABS.md names the image without a tag
     * and which other tags exist can't be checked offline, so this is `latest`; a production stack
     * mirrors it under a pinned tag or digest (`kubelab:images.production-grade-front`).
     */
    "production-grade-front": "icrosby/k8s-real-fe:latest",
    /** production-grade's echo server behind echoheaders-x and -y (the tutorial's gcr.io/google_containers/echoserver:1.4, moved). */
    "production-grade-echo": "registry.k8s.io/echoserver:1.10",
} as const;

export type ImageKey = keyof typeof IMAGE_CATALOG;
const IMAGE_KEYS = Object.keys(IMAGE_CATALOG) as ImageKey[];

const IMAGE_REF = /^[a-z0-9]([-a-z0-9._:/]*[a-z0-9])?(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/** An image reference with a tag or digest. */
const pinnedImage = matching(IMAGE_REF, "an image reference with a pinned tag or digest, such as registry.example.com/smilr/data-api:2.9.8a")
    .pipe(z.string().refine(hasTagOrDigest, "an image reference with a pinned tag or digest, such as registry.example.com/smilr/data-api:2.9.8a"));

/** Schema of the image keys, `kubelab:imageRegistry` and `kubelab:images`. */
export const imageSettingsShape = {
    /** Registry prefix for every image; empty keeps the public registries. */
    imageRegistry: matching(/^$|^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$/,
        'a registry host with an optional path, such as "myacr.azurecr.io" or "registry.local:5000/mirror", without a trailing slash').default(""),
    /** Full image references replacing catalog entries, by catalog key. */
    images: section(Object.fromEntries(IMAGE_KEYS.map(k => [k, pinnedImage.optional()])) as Record<ImageKey, z.ZodOptional<typeof pinnedImage>>,
        { unknown: `an override for one of the catalog images: ${IMAGE_KEYS.join(", ")}` }),
};

export interface ImageSettings {
    /** Registry prefix for every image; empty keeps the public registries. */
    registry: string;
    /** Full image references replacing catalog entries, by catalog key. */
    overrides: Partial<Record<ImageKey, string>>;
}

function hasTagOrDigest(ref: string): boolean {
    const lastSegment = ref.slice(ref.lastIndexOf("/") + 1);
    return lastSegment.includes(":") || ref.includes("@sha256:");
}

/** The reference to run for catalog image `key` under `settings`. */
export function imageFor(key: ImageKey, settings: ImageSettings): string {
    const override = settings.overrides[key];
    if (override) {
        return override;
    }
    const ref: string = IMAGE_CATALOG[key];
    if (!settings.registry) {
        return ref;
    }
    return `${settings.registry}/${withoutRegistryHost(ref)}`;
}

/** `ghcr.io/benc-uk/x:1` → `benc-uk/x:1`; `docker.io/library/mongo:6` → `library/mongo:6`; `mongo:6` stays. */
function withoutRegistryHost(ref: string): string {
    const first = ref.split("/")[0];
    const isHost = ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    return isHost ? ref.slice(first.length + 1) : ref;
}
