/**
 * The stack's settings, read and validated once, up front, before any resource is registered.
 *
 * Top-level keys (all `kubelab:`):
 * - `platform`: where the labs run (see {@link PLATFORMS});
 * - `labs`: the labs to deploy (see {@link LAB_NAMES});
 * - `protectData`: protect volumes and keep them on delete (production) or not (workshops);
 * - `imageRegistry`, `images`: where lab images come from (see components/images.ts);
 * - `ingressHost`: the host name the labs' Ingress rules answer to (empty: any host);
 * - the platform's own keys (infra/<platform>.ts) and one structured key per lab
 *   (`kubelab:smilr` …, components/labs/<lab>.ts).
 */
import { LAB_NAMES, LabName, LabSettings, readLabSettings } from "../components/labs";
import { ImageSettings, checkImageSettings } from "../components/images";
import { Section, projectConfig } from "./config";
import { PLATFORMS, PlatformSettings, readPlatformSettings } from "./platforms";

export interface Settings {
    /** The platform and its own settings. */
    platform: PlatformSettings;
    /** Labs switched on, in the order given. */
    labs: LabName[];
    /** Settings of every lab switched on. */
    lab: LabSettings;
    /** Protect volumes and keep them on delete. */
    protectData: boolean;
    /** Where images come from. */
    images: ImageSettings;
    /** Host the Ingress rules answer to; undefined answers any host. */
    ingressHost?: string;
}

const TOP_LEVEL_KEYS = ["platform", "labs", "protectData", "imageRegistry", "images", "ingressHost"] as const;

const HOST = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Reads and validates every setting of the stack; throws a ConfigError naming the first bad one. */
export function loadSettings(config: Section = projectConfig()): Settings {
    const platformName = config.oneOf("platform", PLATFORMS);
    const labs = config.listOf("labs", LAB_NAMES);
    const protectData = config.bool("protectData", false);
    const images: ImageSettings = {
        registry: config.string("imageRegistry", "", {
            re: /^$|^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$/,
            allowed: 'a registry host with an optional path, such as "myacr.azurecr.io" or "registry.local:5000/mirror", without a trailing slash',
        }),
        overrides: config.stringMap("images"),
    };
    checkImageSettings(images, config);
    const host = config.string("ingressHost", "", { re: new RegExp(`^$|${HOST.source}`), allowed: "a DNS host name such as labs.example.com, or empty for any host" });
    const platform = readPlatformSettings(platformName, config);
    const lab = readLabSettings(labs, config);
    config.done([...TOP_LEVEL_KEYS, ...platform.keys, ...LAB_NAMES]);
    return { platform: platform.settings, labs, lab, protectData, images, ingressHost: host || undefined };
}
