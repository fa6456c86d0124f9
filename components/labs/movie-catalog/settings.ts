/**
 * Settings of the movie-catalog lab, `kubelab:movie-catalog` (shared by every movie-catalog instance):
 *
 * ```yaml
 * kubelab:movie-catalog:
 *   image: registry.example.com/netflix-movie-catalog:0.0.1   # REQUIRED when the lab is on: no public image exists
 *   replicas: 3               # MongoDB replica-set members mongo-0 … (1–7); grow with pulumi up, shrink by hand
 *   storage: 2Gi              # each member's claim mongo-persistent-storage-mongo-N; may only grow
 *   catalogReplicas: 2        # catalog app pods
 *   grafanaStorage: 2Gi       # Grafana's claim grafana-storage-grafana-0; may only grow
 *   ingressControllerNamespace: ingress-nginx   # where the ingress controller's pods run
 * ```
 *
 * The schema is read even when the lab is off (so typos show), so `image` is optional here and
 * required by {@link requireCatalogImage} when an instance is deployed; an update refuses a
 * placeholder under a reserved example domain ({@link checkCatalogImage}).
 */
import { z } from "zod";
import { ConfigError, MissingConfigError, dnsLabel, section, setting, storage, wholeNumber } from "../../../infra/config";
import { MAX_VOTING_MEMBERS } from "../../data/mongo-rs-init";

/** Most catalog pods a stack may ask for. */
export const MAX_CATALOG_REPLICAS = 10;

/**
 * An image reference with a pinned tag (not `latest`) or digest, such as the tutorial's
 * `netflix_movie_catalog:0.0.1` pushed to a registry: `registry.example.com/team/netflix_movie_catalog:0.0.1`.
 */
const IMAGE_REFERENCE = /^[a-z0-9]([-a-z0-9._/:]*[a-z0-9])?(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

function isPinned(ref: string): boolean {
    if (!IMAGE_REFERENCE.test(ref)) {
        return false;
    }
    const [name, digest] = ref.split("@");
    const lastSegment = name.slice(name.lastIndexOf("/") + 1);
    const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : undefined;
    return digest !== undefined || (tag !== undefined && tag !== "latest");
}

/** What `image` must be, in errors. */
export const CATALOG_IMAGE_ALLOWED =
    "the catalog app's image with a pinned tag (not latest) or digest, such as registry.example.com/netflix_movie_catalog:0.0.1";

/** How to get an image, in the error for a missing one. */
export const NO_PUBLIC_IMAGE =
    "no public image of the catalog app exists: build it from github.com/exit-zero-academy/NetflixMovieCatalog " +
    "(the tutorial tags it netflix_movie_catalog:0.0.1), push it to a registry the cluster can pull from " +
    "(or minikube image load it), then pulumi config set --path movie-catalog.image <image>";

export const movieCatalogSettings = section({
    /** The catalog app's image, a full reference used as given (no `kubelab:imageRegistry` prefix); required when the lab is on. */
    image: setting(z.string().refine(isPinned), CATALOG_IMAGE_ALLOWED).optional(),
    /** MongoDB replica-set members, `mongo-0` … (every member votes: at most 7). */
    replicas: wholeNumber(1, MAX_VOTING_MEMBERS,
        ` (replica-set members, each a voter; MongoDB allows ${MAX_VOTING_MEMBERS}. Raising it adds members; lowering it needs rs.remove() by hand first)`).default(3),
    /** Size of each member's claim `mongo-persistent-storage-mongo-N`. */
    storage: storage().default("2Gi"),
    /** Catalog app pods. */
    catalogReplicas: wholeNumber(1, MAX_CATALOG_REPLICAS, " (catalog app pods; the Service needs one behind it)").default(2),
    /** Size of Grafana's claim `grafana-storage-grafana-0`. */
    grafanaStorage: storage().default("2Gi"),
    /**
     * Namespace of the ingress controller's pods: the only place from which the catalog and
     * Grafana accept connections.
     */
    ingressControllerNamespace: dnsLabel.default("ingress-nginx"),
});

export type MovieCatalogSettings = z.output<typeof movieCatalogSettings>;

/**
 * The catalog image of a switched-on lab; a missing one is a config error naming
 * `<project>:movie-catalog.image`, saying that no public image exists and how to set one.
 */
export function requireCatalogImage(settings: MovieCatalogSettings, project = "kubelab"): string {
    if (settings.image === undefined) {
        throw new MissingConfigError(`${project}:movie-catalog.image`, `${CATALOG_IMAGE_ALLOWED}; ${NO_PUBLIC_IMAGE}`);
    }
    return settings.image;
}

/**
 * The registry host of `image` when it is one of the names reserved for examples, which never
 * resolve (RFC 2606: example.com, example.net, example.org and the .example, .test and
 * .invalid domains), such as the cloud stack files' placeholder; undefined otherwise.
 */
export function placeholderRegistry(image: string): string | undefined {
    const first = image.split("/")[0];
    if (!image.includes("/") || !/[.:]/.test(first)) {
        return undefined; // a Docker Hub image: no registry host
    }
    const host = first.replace(/:\d+$/, "").toLowerCase();
    return /(^|\.)example\.(com|net|org)$|\.(example|test|invalid)$|^(example|test|invalid)$/.test(host) ? host : undefined;
}

/**
 * The lab's check (see LabDefinition.check): the image is required when the lab is on, and in
 * an update it may not be a placeholder under a reserved example domain, which the nodes could
 * never pull (the Deployment would wait in ImagePullBackOff until Pulumi's timeout). Previews
 * and the offline plan accept the placeholder, so that the stack files as shipped can be
 * planned, and warn that the update will refuse it.
 */
export function checkCatalogImage(settings: MovieCatalogSettings, project: string, preview: boolean): string[] {
    const image = requireCatalogImage(settings, project);
    const host = placeholderRegistry(image);
    if (!host) {
        return [];
    }
    const key = `${project}:movie-catalog.image`;
    const why = `${host} is a name reserved for examples and never resolves`;
    if (!preview) {
        throw new ConfigError(key, image, `an image the nodes can pull: ${why}; ${NO_PUBLIC_IMAGE}`);
    }
    return [`${key} is ${image}, a placeholder (${why}): this preview plans it, but pulumi up will refuse it; ${NO_PUBLIC_IMAGE}`];
}
