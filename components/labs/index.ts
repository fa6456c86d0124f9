/**
 * The lab registry: which labs exist, how their settings are read, and how they are deployed
 * on a platform. One component per lab lives beside this file.
 */
import * as pulumi from "@pulumi/pulumi";
import { Section } from "../../infra/config";
import { Platform } from "../../infra/platform";
import { ImageSettings } from "../images";
import { SmilrLab, SmilrSettings, readSmilrSettings } from "./smilr";

/** Known labs, the values `kubelab:labs` takes. */
export const LAB_NAMES = ["smilr"] as const;
export type LabName = (typeof LAB_NAMES)[number];

/** Settings of the labs switched on. */
export interface LabSettings {
    smilr?: SmilrSettings;
}

/**
 * Reads `kubelab:<lab>` for every known lab, so that a typo is caught even in a lab that is
 * switched off, and returns the settings of the labs switched on.
 */
export function readLabSettings(enabled: readonly LabName[], config: Section): LabSettings {
    const smilr = readSmilrSettings(config.section("smilr"));
    return { smilr: enabled.includes("smilr") ? smilr : undefined };
}

/** What the stack needs from the labs it deploys. */
export interface DeployedLabs {
    /** How to reach each lab, by lab name. */
    endpoints: Record<string, pulumi.Output<unknown>>;
}

export interface DeployLabsArgs {
    labs: LabSettings;
    images: ImageSettings;
    protectData: boolean;
    ingressHost?: string;
}

/** Deploys every lab switched on, each as its own component on the platform's provider. */
export function deployLabs(platform: Platform, args: DeployLabsArgs): DeployedLabs {
    const opts: pulumi.ComponentResourceOptions = { provider: platform.provider };
    const endpoints: Record<string, pulumi.Output<unknown>> = {};
    if (args.labs.smilr) {
        const lab = new SmilrLab("smilr", {
            ...args.labs.smilr,
            images: args.images,
            storageClassName: platform.storageClassName,
            ingressClassName: platform.ingressClassName,
            ingressHost: args.ingressHost,
            ingressAddress: platform.ingressAddress,
            protectData: args.protectData,
        }, opts);
        endpoints.smilr = lab.endpoints;
    }
    return { endpoints };
}
