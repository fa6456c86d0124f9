/**
 * What a lab is to the registry: a settings schema and a way to deploy one instance.
 * Each lab folder (`components/labs/<lab>/index.ts`) exports its `deploy`; the registry pairs it
 * with the lab's settings schema through {@link defineLab}.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ClusterNeeds, Platform } from "../../infra/platform";
import { ImageKey, ImageSettings } from "../images";
import { dataProtection } from "../protect";
import { VolumeLedger } from "../volume-growth";
import { namespacePodSecurity } from "../security";

/** The only names a lab may have (LABS.md), built or planned. */
export const KNOWN_LAB_NAMES = ["smilr", "nanomon", "knote", "production-grade", "movie-catalog"] as const;
export type KnownLabName = (typeof KNOWN_LAB_NAMES)[number];

/** One deployment of a lab: a lab can be deployed more than once in a stack. */
export interface LabInstance {
    /** Instance name: Pulumi names start with it (`<name>-data-api`), labels carry it. Unique in the stack. */
    name: string;
    /** Namespace the instance lives in (created by the lab). Unique in the stack. */
    namespace: string;
    /**
     * Host the instance's Ingress rules answer to, replacing `kubelab:ingressHost`; two
     * instances never share a host (their paths would collide).
     */
    host?: string;
}

/** What every lab gets from the stack besides its own settings. */
export interface LabContext {
    /** The platform: provider, StorageClass, IngressClass, ingress address. */
    platform: Platform;
    /** Where images come from. */
    images: ImageSettings;
    /** Protect stateful data (`kubelab:protectData`). */
    protectData: boolean;
    /**
     * Host the labs' Ingress rules answer to (`kubelab:ingressHost`, a secret when `secure:`);
     * undefined answers any host. An instance's own `host` replaces it.
     */
    ingressHost?: pulumi.Input<string>;
    /** What the previous update deployed of each store's claims, and this update's record (../volume-growth.ts). */
    volumeLedger: VolumeLedger;
}

/** A deployed lab instance. */
export interface DeployedLab {
    /** How to reach it. */
    endpoints: pulumi.Output<unknown>;
}

/** Deploys one instance of a lab; `opts` carries the platform's provider. */
export type LabDeploy<S> = (instance: LabInstance, settings: S, context: LabContext, opts: pulumi.ComponentResourceOptions) => DeployedLab;

export interface LabDefinition<S> {
    /** Schema of `kubelab:<lab>`, with the defaults; shared by every instance of the lab. */
    settings: z.ZodType<S>;
    /** What the lab needs from the cluster: a platform that creates its cluster provides exactly what the labs switched on need. */
    needs: ClusterNeeds;
    /**
     * Checks what only a switched-on lab requires (a setting with no default, such as
     * movie-catalog's image), with the stack's other settings, before anything is registered;
     * throws a config error naming the key. `project` is the config namespace (`kubelab`);
     * `preview` is false in an update, where what would only fail on the cluster is refused too.
     * Returns warnings for the preview to show (what the update will refuse), if any.
     */
    check?(settings: S, project: string, preview: boolean): string[] | void;
    /**
     * Loads the lab's component module (a dynamic import), so that a stack loads only the labs it
     * deploys; the module exports `deploy`.
     */
    load(): Promise<{ deploy: LabDeploy<S> }>;
}

/** Declares a lab: its settings schema, what it needs from the cluster, its module and (optionally) what a switched-on instance requires, typed together. */
export function defineLab<S>(
    settings: z.ZodType<S>, needs: ClusterNeeds, load: () => Promise<{ deploy: LabDeploy<S> }>, check?: (settings: S, project: string, preview: boolean) => string[] | void,
): LabDefinition<S> {
    return { settings, needs, load, ...(check ? { check } : {}) };
}

/** What every lab component takes from its instance and the stack, besides its own settings. */
export interface LabBaseArgs {
    /** Namespace of the instance; the lab creates it. */
    namespace: string;
    /** Where images come from. */
    images: ImageSettings;
    /** Expandable StorageClass for the lab's claims. */
    storageClassName: pulumi.Input<string>;
    /** IngressClass of the cluster's ingress controller. */
    ingressClassName: string;
    /** Host the Ingress answers to (may be a secret); undefined answers any host. */
    ingressHost?: pulumi.Input<string>;
    /** How users reach the ingress controller (for the endpoints output). */
    ingressAddress: pulumi.Input<string>;
    /** Protect the data (namespace and claims; see `kubelab:protectData`). */
    protectData: boolean;
    /** Pass to every store (`StatefulStore`'s `volumeLedger`): how its claims grow in place. */
    volumeLedger: VolumeLedger;
}

/** The {@link LabBaseArgs} of an instance. */
export function labBaseArgs(instance: LabInstance, context: LabContext): LabBaseArgs {
    return {
        namespace: instance.namespace,
        images: context.images,
        storageClassName: context.platform.storageClassName,
        ingressClassName: context.platform.ingressClassName,
        ingressHost: instance.host ?? context.ingressHost,
        ingressAddress: context.platform.ingressAddress,
        protectData: context.protectData,
        volumeLedger: context.volumeLedger,
    };
}


/**
 * The namespace a lab instance creates: labelled as the instance's, enforcing the Pod Security
 * level every image it runs allows (restricted, or baseline with the reason annotated; see
 * ../security.ts), and protected with the data (`protectData`).
 */
export function labNamespace(
    name: string, args: Pick<LabBaseArgs, "namespace" | "protectData">, images: ImageKey[], parent: pulumi.Resource,
): k8s.core.v1.Namespace {
    const podSecurity = namespacePodSecurity(images);
    return new k8s.core.v1.Namespace(`${name}-namespace`, {
        metadata: {
            name: args.namespace,
            labels: { "app.kubernetes.io/part-of": name, "app.kubernetes.io/managed-by": "kubelab", ...podSecurity.labels },
            annotations: Object.keys(podSecurity.annotations).length ? podSecurity.annotations : undefined,
        },
    }, { parent, ...dataProtection(args.protectData) });
}
