/**
 * Growing volumes in place: what a stack deployed before, and the rule that sizes only grow.
 *
 * A StatefulSet's `volumeClaimTemplates` are immutable and the StatefulSet controller never
 * resizes a claim it created, so raising a store's size in stack config needs three things
 * (see ./stateful-store.ts for the mechanism itself):
 * 1. which claims exist and how large they were made: the stack's own previous outputs, key
 *    `volumes` ({@link VolumeRecord}), read through a `StackReference` to the stack itself
 *    ({@link readPreviousVolumes}). On a first deploy there are none; `pulumi preview` and
 *    `pulumi up` read the outputs of the last update; the offline plan reads the outputs of the
 *    previous plan given with `--against`.
 * 2. a refusal, before anything is registered, of a size smaller than the deployed one
 *    ({@link checkVolumeSettings}): the API server rejects a shrinking claim, halfway through an
 *    update otherwise.
 * 3. a ledger ({@link VolumeLedger}) that each store reads its deployed record from and writes its
 *    new one to; the program exports the ledger as the `volumes` output for the next run.
 *
 * The ledger is handed down explicitly (stack → labs → stores), never a module global.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError, boolean } from "../infra/config";
import { compareQuantities } from "../policy/lib/quantity";

/** What one store's claims were deployed with, as the `volumes` output records it. */
export interface DeployedVolume {
    /** The claim size requested, a Kubernetes quantity (`500M`, `2Gi`). */
    size: string;
    /** How many claims exist, `<template>-<statefulset>-0 …`: the highest replica count ever deployed (scaled-down claims are retained). */
    claims: number;
    /** The stack setting that sets the size, below `kubelab:` (`smilr.mongoStorage`); unset when the size is fixed in code. */
    setting?: string;
}

/** The `volumes` output: every store's claims, by the store's Pulumi resource name. */
export type VolumeRecord = Record<string, DeployedVolume>;

/** The name of the stack output that holds the {@link VolumeRecord}. */
export const VOLUMES_OUTPUT = "volumes";

/** Schema of the volume settings: `kubelab:restartPodsOnResize`. */
export const volumeSettingsShape = {
    /**
     * Restart a store's pods, one at a time, after its claims grew. Needed only with a storage
     * driver that cannot grow a mounted file system (its claims then show the condition
     * `FileSystemResizePending` until the pod restarts); most CSI drivers resize online.
     */
    restartPodsOnResize: boolean.default(false),
};

const deployedVolume = z.object({
    size: z.string(),
    claims: z.number().int().min(0),
    setting: z.string().optional(),
});

/**
 * Reads the `volumes` output of the stack's previous update (a StackReference to the stack
 * itself). A first deploy has none: `{}`. A malformed record (an older kubelab's) is reported and
 * ignored entry by entry rather than trusted.
 */
export async function readPreviousVolumes(): Promise<VolumeRecord> {
    const self = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
    const reference = new pulumi.StackReference("kubelab-previous-outputs", { name: self });
    const details = await reference.getOutputDetails(VOLUMES_OUTPUT);
    const value: unknown = details.value ?? details.secretValue;
    if (value === undefined || value === null) {
        return {};
    }
    if (typeof value !== "object" || Array.isArray(value)) {
        void pulumi.log.warn(`the previous ${VOLUMES_OUTPUT} output is not an object; volume sizes cannot be checked against what is deployed`);
        return {};
    }
    const record: VolumeRecord = {};
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
        const parsed = deployedVolume.safeParse(entry);
        if (parsed.success) {
            record[key] = parsed.data;
        } else {
            void pulumi.log.warn(`the previous ${VOLUMES_OUTPUT}.${key} output is malformed; its size cannot be checked against what is deployed`);
        }
    }
    return record;
}

/** The error for a size below the deployed one: names the key, the deployed size and the requested one. */
function shrinkError(key: string, deployed: string, requested: string): ConfigError {
    return new ConfigError(key, requested,
        `at least the deployed size ${deployed}: a claim can only grow (Kubernetes rejects a smaller request). ` +
        `To start smaller, move the data out and delete the claims by hand; kubelab never deletes a volume`);
}

/** Throws {@link shrinkError} when `requested` is smaller than `deployed`. */
function refuseShrink(key: string, deployed: string, requested: string): void {
    if ((compareQuantities(requested, deployed) ?? 0) < 0) {
        throw shrinkError(key, deployed, requested);
    }
}

/**
 * Refuses, before anything is registered, every setting whose value is smaller than the size its
 * claims were deployed with. `valueOf` gives a setting's current value by its path below
 * `kubelab:` (`smilr.mongoStorage`), undefined when the setting no longer exists.
 */
export function checkVolumeSettings(previous: VolumeRecord, valueOf: (setting: string) => unknown, project = "kubelab"): void {
    for (const entry of Object.values(previous)) {
        if (!entry.setting) {
            continue;
        }
        const requested = valueOf(entry.setting);
        if (typeof requested === "string") {
            refuseShrink(`${project}:${entry.setting}`, entry.size, requested);
        }
    }
}

/** A setting's value by its path below `kubelab:` in an object of settings (`smilr.mongoStorage` → `settings.smilr.mongoStorage`). */
export function settingAt(settings: unknown, path: string): unknown {
    let at: unknown = settings;
    for (const part of path.split(".")) {
        if (at === null || typeof at !== "object" || !(part in at)) {
            return undefined;
        }
        at = (at as Record<string, unknown>)[part];
    }
    return at;
}

/**
 * What the previous deployment left (read) and what this one deploys (written), by store.
 * One per stack run, created by the program and passed to every store.
 */
export class VolumeLedger {
    private readonly deployedNow: VolumeRecord = {};

    constructor(
        /** The previous update's `volumes` output ({@link readPreviousVolumes}). */
        private readonly previous: VolumeRecord,
        /** `kubelab:restartPodsOnResize`. */
        readonly restartPodsOnResize: boolean,
    ) {}

    /** What the previous update deployed for store `key`, if anything. */
    deployed(key: string): DeployedVolume | undefined {
        return this.previous[key];
    }

    /**
     * A store's claims in this update: refuses a size below the deployed one (naming the setting,
     * or `<what>: volume.size` for a size fixed in code), records the size and the claims that
     * will exist (every one ever created: scaled-down claims are retained), and returns how many
     * claims the previous update left, to be grown.
     */
    claim(key: string, volume: { size: string; claims: number; setting?: string }, what: string): number {
        const deployed = this.previous[key];
        if (deployed) {
            refuseShrink(volume.setting ? `kubelab:${volume.setting}` : `${what}: volume.size`, deployed.size, volume.size);
        }
        const existing = deployed?.claims ?? 0;
        this.record(key, { size: volume.size, claims: Math.max(existing, volume.claims), ...(volume.setting ? { setting: volume.setting } : {}) });
        return existing;
    }

    /** Records what this update deploys for store `key`; a key recorded twice is a programming error. */
    record(key: string, volume: DeployedVolume): void {
        if (key in this.deployedNow) {
            throw new Error(`volume ledger: store ${key} recorded twice`);
        }
        this.deployedNow[key] = volume;
    }

    /** The `volumes` output of this update. */
    output(): VolumeRecord {
        return { ...this.deployedNow };
    }
}
