/**
 * The platform layer's stack settings (all `kubelab:`):
 * - `platform`: where the labs run, one of {@link PLATFORM_NAMES} (required);
 * - `<platform>`: that platform's own settings, one structured key (`kubelab:minikube: {context: …}`);
 * - `protectData`: protect volumes and keep them on delete (production) or not (workshops);
 * - `ingressHost`: the host name the labs' Ingress rules answer to (empty: any host); may be `secure:`.
 *
 * The labs layer (components/labs/stack-settings.ts) puts these together with the image and lab
 * settings into the one schema a stack is validated with.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { HOST_NAME, RawConfig, boolean, matching, oneOf, secretIf } from "./config";
import { PLANNED_PLATFORMS, PLATFORMS, PLATFORM_NAMES, PlatformChoice, PlatformName } from "./registry";

const planned = PLANNED_PLATFORMS.length ? ` (${PLANNED_PLATFORMS.join(", ")} are planned but not implemented yet)` : "";

type PlatformSections = { [K in PlatformName]: (typeof PLATFORMS)[K]["settings"] };
const platformSections = Object.fromEntries(PLATFORM_NAMES.map(name => [name, PLATFORMS[name].settings])) as PlatformSections;

/** Schema of the platform layer's top-level keys. */
export const platformLayerShape = {
    /** Where the labs run. */
    platform: oneOf(PLATFORM_NAMES, planned),
    /** Protect volumes and keep them on delete. */
    protectData: boolean.default(false),
    /** Host the Ingress rules answer to; empty answers any host. */
    ingressHost: matching(new RegExp(`^$|${HOST_NAME.source}`), "a DNS host name such as labs.example.com, or empty for any host", { secure: true }).default(""),
    ...platformSections,
};

/** Top-level keys of earlier versions that moved into a platform's key. */
export const PLATFORM_MOVED_KEYS: Record<string, string> = Object.assign({}, ...PLATFORM_NAMES.map(name => PLATFORMS[name].moved ?? {}));

type PlatformLayer = z.output<z.ZodObject<typeof platformLayerShape>>;

/** What the platform layer's settings come to. */
export interface PlatformLayerSettings {
    /** The chosen platform and its settings. */
    platform: PlatformChoice;
    /** Protect volumes and keep them on delete. */
    protectData: boolean;
    /** Host the Ingress rules answer to, a secret when `secure:`; undefined answers any host. */
    ingressHost?: pulumi.Input<string>;
}

/** Picks the chosen platform's settings out of the parsed keys. */
export function platformLayerSettings(parsed: PlatformLayer, raw: RawConfig): PlatformLayerSettings {
    const name = parsed.platform;
    return {
        platform: { name, settings: parsed[name] } as PlatformChoice,
        protectData: parsed.protectData,
        ingressHost: parsed.ingressHost ? secretIf(raw.secretKeys.has("ingressHost"), parsed.ingressHost) : undefined,
    };
}
