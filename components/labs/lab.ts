/**
 * What a lab is to the registry: a settings schema and a way to deploy one instance.
 * Each lab folder (`components/labs/<lab>/index.ts`) exports one {@link defineLab} value.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Platform } from "../../infra/platform";
import { ImageSettings } from "../images";

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
}

/** A deployed lab instance. */
export interface DeployedLab {
    /** How to reach it. */
    endpoints: pulumi.Output<unknown>;
}

export interface LabDefinition<S> {
    /** Schema of `kubelab:<lab>`, with the defaults; shared by every instance of the lab. */
    settings: z.ZodType<S>;
    /** Deploys one instance; `opts` carries the platform's provider. */
    deploy(instance: LabInstance, settings: S, context: LabContext, opts: pulumi.ComponentResourceOptions): DeployedLab;
}

/** Declares a lab (keeps its settings type tied to its deploy function). */
export function defineLab<S>(definition: LabDefinition<S>): LabDefinition<S> {
    return definition;
}
