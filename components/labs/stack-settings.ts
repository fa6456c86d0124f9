/**
 * The stack's settings, read and validated once, up front, before any resource is registered:
 * one zod schema made of each layer's part.
 *
 * Keys (all `kubelab:`):
 * - platform layer (infra/settings.ts): `platform`, `<platform>` (e.g. `minikube`), `protectData`, `ingressHost`;
 * - components (components/images.ts, components/volume-growth.ts): `imageRegistry`, `images`, `restartPodsOnResize`;
 * - labs (components/labs/registry.ts): `labs`, and `<lab>` for each lab (e.g. `smilr`).
 *
 * Unknown keys are errors listing the known ones; keys of earlier versions say where they went.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { RawConfig, parseConfig, readConfig, section } from "../../infra/config";
import { PLATFORM_NAMES } from "../../infra/registry";
import { PLATFORM_MOVED_KEYS, PlatformLayerSettings, platformLayerSettings, platformLayerShape } from "../../infra/settings";
import { ImageSettings, imageSettingsShape } from "../images";
import { volumeSettingsShape } from "../volume-growth";
import { LabEntry, LabName, checkHosts, checkLabs, labSectionsShape, labsSchema } from "./registry";

const stackSchema = section({
    ...platformLayerShape,
    ...imageSettingsShape,
    ...volumeSettingsShape,
    /** The lab instances to deploy. */
    labs: labsSchema,
    ...labSectionsShape,
}, { moved: PLATFORM_MOVED_KEYS });

type Parsed = z.output<typeof stackSchema>;

export interface Settings extends PlatformLayerSettings {
    /** Lab instances switched on, in the order given. */
    labs: LabEntry[];
    /** Settings of every lab, `kubelab:<lab>`, defaults filled in. */
    lab: { [K in LabName]: Parsed[K] };
    /** Where images come from. */
    images: ImageSettings;
    /** Restart a store's pods after its claims grew (`kubelab:restartPodsOnResize`). */
    restartPodsOnResize: boolean;
    /** The stack's name. */
    stack: string;
}

/** Reads and validates every setting of the stack; throws a config error naming the first bad one. */
export function loadSettings(raw: RawConfig = readConfig()): Settings {
    const parsed = parseConfig(stackSchema, raw.values, `${raw.project}:`);
    checkHosts(parsed.labs, Array.isArray(raw.values.labs) ? raw.values.labs : [], parsed.ingressHost, `${raw.project}:`);
    warnAboutSecrets(raw);
    const lab = Object.fromEntries(Object.keys(labSectionsShape).map(name => [name, parsed[name as LabName]])) as Settings["lab"];
    for (const warning of checkLabs(parsed.labs, lab, raw.project, raw.preview ?? true)) {
        void pulumi.log.warn(warning);
    }
    return {
        ...platformLayerSettings(parsed, raw),
        labs: parsed.labs,
        lab,
        images: { registry: parsed.imageRegistry, overrides: parsed.images },
        restartPodsOnResize: parsed.restartPodsOnResize,
        stack: pulumi.getStack(),
    };
}

/** Keys whose secure values the program keeps secret: ingressHost, and the platform's key (its kubeconfig). */
const SECRET_AWARE = new Set<string>(["ingressHost", ...PLATFORM_NAMES]);

/**
 * Any other key with a `secure:` value is accepted, but its settings are no credentials (sizes,
 * counts, names) and end up in plain text in Kubernetes objects and the state: say so.
 */
function warnAboutSecrets(raw: RawConfig): void {
    for (const key of raw.secretKeys) {
        if (!SECRET_AWARE.has(key)) {
            void pulumi.log.warn(`${raw.project}:${key} holds a secure: value; kubelab reads it, but its settings are not credentials and appear in plain text in the Kubernetes objects and the state`);
        }
    }
}
