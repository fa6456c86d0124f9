/**
 * The platform registry: which platforms exist, their settings schema, and how each platform
 * module is loaded. Adding a platform is one folder `infra/<platform>/` (`settings.ts`: the zod
 * schema of `kubelab:<platform>`; `index.ts`: `createPlatform(settings, context)`) plus one entry
 * below. Each module is imported on demand, so a stack loads (and the Pulumi CLI type-checks)
 * only the cloud SDK it uses.
 */
import { z } from "zod";
import { Platform, PlatformContext } from "./platform";
import { MINIKUBE_MOVED_KEYS, minikubeSettings } from "./minikube/settings";
import { eksSettings } from "./eks/settings";
import { aksSettings } from "./aks/settings";
import { gkeSettings } from "./gke/settings";

/** What a platform module exports. */
export interface PlatformModule<S> {
    createPlatform(settings: S, context: PlatformContext): Platform;
}

/** One registry entry. */
export interface PlatformDefinition<S> {
    /** Schema of the platform's one structured key, `kubelab:<platform>`, with its defaults. */
    settings: z.ZodType<S>;
    /** Top-level keys of earlier versions that moved into `kubelab:<platform>`, with where to. */
    moved?: Record<string, string>;
    /** Loads the platform module (a dynamic import). */
    load(): Promise<PlatformModule<S>>;
}

function definePlatform<S>(definition: PlatformDefinition<S>): PlatformDefinition<S> {
    return definition;
}

/** The only names a platform may have, built or planned. */
export const KNOWN_PLATFORM_NAMES = ["minikube", "aks", "gke", "eks"] as const;
export type KnownPlatformName = (typeof KNOWN_PLATFORM_NAMES)[number];

/** Every platform that exists, by `kubelab:platform` value. One line each. */
export const PLATFORMS = {
    minikube: definePlatform({ settings: minikubeSettings, moved: MINIKUBE_MOVED_KEYS, load: () => import("./minikube") }),
    aks: definePlatform({ settings: aksSettings, load: () => import("./aks") }),
    gke: definePlatform({ settings: gkeSettings, load: () => import("./gke") }),
    eks: definePlatform({ settings: eksSettings, load: () => import("./eks") }),
} satisfies { [K in KnownPlatformName]?: unknown };

export type PlatformName = keyof typeof PLATFORMS;
export const PLATFORM_NAMES = Object.keys(PLATFORMS) as [PlatformName, ...PlatformName[]];

/** Platforms planned but not built yet, named in errors. */
export const PLANNED_PLATFORMS: readonly KnownPlatformName[] = KNOWN_PLATFORM_NAMES.filter(p => !(p in PLATFORMS));

type SettingsOf<K extends PlatformName> = z.output<(typeof PLATFORMS)[K]["settings"]>;

/** The chosen platform with its validated settings. */
export type PlatformChoice = { [K in PlatformName]: { name: K; settings: SettingsOf<K> } }[PlatformName];

const DEFINITIONS: { [K in PlatformName]: PlatformDefinition<SettingsOf<K>> } = PLATFORMS;

/** Creates (or adopts) the chosen platform's cluster, loading only the module it needs. */
export async function createPlatform<K extends PlatformName>(choice: { name: K; settings: SettingsOf<K> }, context: PlatformContext): Promise<Platform> {
    const module = await DEFINITIONS[choice.name].load();
    return module.createPlatform(choice.settings, context);
}
