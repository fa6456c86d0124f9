/**
 * The lab registry. Adding a lab is one folder `components/labs/<lab>/` (`settings.ts`: the zod
 * schema of `kubelab:<lab>` with its defaults; `index.ts`: the component and its
 * {@link defineLab} entry; tests) plus one line in {@link LABS}. Everything else derives from it:
 * the names `kubelab:labs` accepts ({@link LAB_NAMES}, {@link LabName}), the `kubelab:<lab>` keys a
 * stack may set, and deployment. A name without a lab does not type-check, and `LABS` only takes
 * the lab names LABS.md lists ({@link KnownLabName}).
 */
import * as pulumi from "@pulumi/pulumi";
import { ClusterNeeds, combineNeeds } from "../../infra/platform";
import { z } from "zod";
import { ConfigError, HOST_NAME, dnsLabel, matching, oneOf, section, setting } from "../../infra/config";
import { DeployedLab, KNOWN_LAB_NAMES, KnownLabName, LabContext, LabDefinition, LabInstance, defineLab } from "./lab";
import { knoteSettings } from "./knote/settings";
import { checkCatalogImage, movieCatalogSettings } from "./movie-catalog/settings";
import { nanomonSettings } from "./nanomon/settings";
import { productionGradeSettings } from "./production-grade/settings";
import { smilrSettings } from "./smilr/settings";

/** Every lab that exists. One line each. */
export const LABS = {
    smilr: defineLab(smilrSettings, { ingress: true, metrics: false, storage: true }, () => import("./smilr")),
    knote: defineLab(knoteSettings, { ingress: true, metrics: false, storage: true }, () => import("./knote")),
    nanomon: defineLab(nanomonSettings, { ingress: true, metrics: true, storage: true }, () => import("./nanomon")),
    "movie-catalog": defineLab(movieCatalogSettings, { ingress: true, metrics: false, storage: true }, () => import("./movie-catalog"), checkCatalogImage),
    "production-grade": defineLab(productionGradeSettings, { ingress: true, metrics: true, storage: true }, () => import("./production-grade")),
} satisfies { [K in KnownLabName]?: unknown };

export type LabName = keyof typeof LABS;
export const LAB_NAMES = Object.keys(LABS) as [LabName, ...LabName[]];

/** Labs LABS.md plans that are not built yet, named in errors. */
export const PLANNED_LABS: readonly KnownLabName[] = KNOWN_LAB_NAMES.filter(lab => !(lab in LABS));

type SettingsOf<K extends LabName> = z.output<(typeof LABS)[K]["settings"]>;
const DEFINITIONS: { [K in LabName]: LabDefinition<SettingsOf<K>> } = LABS;

/** Schema of the lab sections, `kubelab:<lab>` for every lab (read even when the lab is off, so typos show). */
export const labSectionsShape = Object.fromEntries(LAB_NAMES.map(name => [name, LABS[name].settings])) as
    { [K in LabName]: (typeof LABS)[K]["settings"] };

/** A switched-on lab instance. */
export interface LabEntry extends LabInstance {
    lab: LabName;
}

const planned = PLANNED_LABS.length ? ` (${PLANNED_LABS.join(", ")} are planned but not implemented yet)` : "";
const labName = oneOf(LAB_NAMES, planned);

/** One entry of `kubelab:labs`: a lab name, or `{lab, name, namespace, host}`. */
const labEntry = z.preprocess(
    (entry, ctx) => {
        if (typeof entry === "string") {
            return { lab: entry };
        }
        if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
            ctx.addIssue({ code: "custom", message: `a lab name (one of ${LAB_NAMES.join(", ")}) or {lab: <name>, name: <instance>, namespace: <namespace>, host: <host>}`, input: entry });
            return z.NEVER;
        }
        return entry;
    },
    section({
        /** Which lab. */
        lab: labName,
        /** Instance name, unique in the stack (default: the lab name). */
        name: dnsLabel.optional(),
        /** Namespace, unique in the stack (default: the instance name). */
        namespace: dnsLabel.optional(),
        /** Host of the instance's Ingress rules (default: kubelab:ingressHost). */
        host: matching(HOST_NAME, "a DNS host name such as smilr-b.labs.example.com").optional(),
    }),
).transform((e): LabEntry => ({
    lab: e.lab, name: e.name ?? e.lab, namespace: e.namespace ?? e.name ?? e.lab, ...(e.host ? { host: e.host } : {}),
}));

/** `kubelab:labs`: the lab instances to deploy, in order; names and namespaces unique. */
export const labsSchema = setting(z.array(z.unknown()),
    `a list of labs, each a lab name (${LAB_NAMES.join(", ")}) or {lab: <name>, name: <instance>, namespace: <namespace>, host: <host>}`)
    .pipe(z.array(labEntry))
    .superRefine((entries, ctx) => {
        const seen = { name: new Map<string, number>(), namespace: new Map<string, number>() };
        entries.forEach((entry, i) => {
            for (const field of ["name", "namespace"] as const) {
                const first = seen[field].get(entry[field]);
                if (first !== undefined) {
                    ctx.addIssue({
                        code: "custom", path: [i],
                        message: `a lab instance whose ${field} differs from every other: kubelab:labs[${first}] already uses ${field} ${entry[field]} ` +
                            `(deploy a lab twice as {lab: ${entry.lab}, name: ${entry.lab}-2, namespace: ${entry.lab}-2})`,
                    });
                    return;
                }
                seen[field].set(entry[field], i);
            }
        });
    })
    .default([]);

/**
 * Two instances answering on the same host would route the same paths: each instance after the
 * first on a host must have its own (`host`, or `kubelab:ingressHost` for all). Throws a config
 * error naming the entry. `ingressHost` is the stack's host as written ("" for any host).
 */
export function checkHosts(entries: readonly LabEntry[], written: readonly unknown[], ingressHost: string, prefix: string): void {
    const seen = new Map<string, number>();
    entries.forEach((entry, i) => {
        const host = entry.host ?? ingressHost;
        const first = seen.get(host);
        if (first !== undefined) {
            throw new ConfigError(`${prefix}labs[${i}]`, written[i],
                `a lab instance with an Ingress host of its own: kubelab:labs[${first}] already answers on ${host ? `host ${host}` : "any host"} with the same paths ` +
                `(add host, e.g. {lab: ${entry.lab}, name: ${entry.name}, namespace: ${entry.namespace}, host: ${entry.name}.${host || "labs.example.com"}})`);
        }
        seen.set(host, i);
    });
}

/**
 * Runs each switched-on lab's own check (see {@link LabDefinition.check}); throws a config error
 * naming the key, and returns the warnings the checks gave.
 */
export function checkLabs(instances: readonly LabEntry[], settings: { [K in LabName]: SettingsOf<K> }, project: string, preview = true): string[] {
    return [...new Set(instances.map(i => i.lab))].flatMap(lab => checkOne(lab, settings[lab], project, preview));
}

function checkOne<K extends LabName>(lab: K, settings: SettingsOf<K>, project: string, preview: boolean): string[] {
    return DEFINITIONS[lab].check?.(settings, project, preview) ?? [];
}

/** What the lab instances switched on need from the cluster together. */
export function clusterNeeds(instances: readonly LabEntry[]): ClusterNeeds {
    return combineNeeds(instances.map(instance => LABS[instance.lab].needs));
}

/** What the stack needs from the labs it deploys. */
export interface DeployedLabs {
    /** How to reach each lab instance, by instance name. */
    endpoints: Record<string, pulumi.Output<unknown>>;
}

/**
 * Deploys every lab instance switched on, each as its own component on the platform's provider.
 * Only the modules of the labs switched on are loaded.
 */
export async function deployLabs(
    instances: readonly LabEntry[],
    settings: { [K in LabName]: SettingsOf<K> },
    context: LabContext,
): Promise<DeployedLabs> {
    const endpoints: Record<string, pulumi.Output<unknown>> = {};
    for (const instance of instances) {
        const lab: DeployedLab = await deployOne(instance.lab, instance, settings[instance.lab], context);
        endpoints[instance.name] = lab.endpoints;
    }
    return { endpoints };
}

async function deployOne<K extends LabName>(lab: K, instance: LabInstance, settings: SettingsOf<K>, context: LabContext): Promise<DeployedLab> {
    const { deploy } = await DEFINITIONS[lab].load();
    return deploy(instance, settings, context, { provider: context.platform.provider });
}
