/**
 * The platform registry: which platforms exist, how their settings are read, and how a
 * platform module is loaded. Each module is imported on demand, so a stack only loads (and the
 * Pulumi CLI only type-checks) the cloud SDK it uses.
 */
import { Section } from "./config";
import type { MinikubeSettings } from "./minikube";
import { Platform } from "./platform";

/** Known platforms, the values `kubelab:platform` takes. */
export const PLATFORMS = ["minikube"] as const;
export type PlatformName = (typeof PLATFORMS)[number];

/** A platform's validated settings, tagged with its name. */
export type PlatformSettings = { name: "minikube" } & MinikubeSettings;

/** Reads the settings of platform `name`; `keys` are the top-level keys it owns. */
export function readPlatformSettings(name: PlatformName, config: Section): { settings: PlatformSettings; keys: string[] } {
    switch (name) {
        case "minikube":
            return {
                settings: {
                    name,
                    kubeconfig: config.string("kubeconfig", ""),
                    context: config.string("context", "minikube", {
                        re: /^[^\s]+$/, allowed: "a kubeconfig context name (see kubectl config get-contexts)",
                    }),
                },
                keys: ["kubeconfig", "context"],
            };
    }
}

/** Creates (or adopts) the platform's cluster, loading only the module it needs. */
export async function createPlatform(settings: PlatformSettings, protectData: boolean): Promise<Platform> {
    switch (settings.name) {
        case "minikube": {
            const { MinikubePlatform } = await import("./minikube");
            return new MinikubePlatform("minikube", { ...settings, protectData });
        }
    }
}
