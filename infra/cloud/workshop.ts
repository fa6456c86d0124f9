/**
 * Workshop lifecycle settings shared by every cloud platform (AKS, GKE, EKS): who owns the
 * cluster, what it is for, when it may be torn down, and whether the cloud refuses to delete it.
 *
 * Each cloud's settings section spreads {@link workshopShape} into its own keys:
 *
 * ```yaml
 * kubelab:aks:
 *   owner: platform-team        # who answers for the cluster (required on a cloud stack)
 *   purpose: k8s-workshop       # what it is for (default: workshop)
 *   expiresAt: "2026-12-31"     # ISO date (or date-time) after which `npm run teardown` destroys it
 *   deletionProtection: false   # workshop stacks: false, so that `pulumi destroy` removes everything
 * ```
 *
 * and tags (or labels) every cloud resource it creates with {@link workshopTags} (GKE:
 * {@link gcpLabels}). The values are restricted to what every cloud accepts as a tag/label value
 * (GCP labels are the strictest: lower-case letters, digits, `-` and `_`, at most 63 characters),
 * so that the same setting works unchanged on every platform.
 *
 * This module imports no cloud SDK: it is read by the settings of every platform, including
 * minikube's stacks (all platform sections are validated in every stack).
 */
import { z } from "zod";
import { MissingConfigError, boolean, matching, setting } from "../config";

/** A value every cloud accepts as a tag or label value (GCP's label rules, the strictest). */
const LABEL_VALUE = /^[a-z0-9]([-_a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_VALUE_ALLOWED = "lower-case letters, digits, '-' and '_', starting and ending with a letter or digit, at most 63 characters (a valid tag or label value on every cloud)";

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The moment an `expiresAt` value names, or undefined when it is not an ISO date (`2026-12-31`,
 * the end of that day in UTC) or an ISO date-time with a zone (`2026-12-31T18:00:00Z`,
 * `2026-12-31T18:00+01:00`). Calendar checks included: `2026-02-30` is not a date.
 * Exported for the teardown tool, which reads the same setting.
 */
export function parseExpiry(value: string): Date | undefined {
    const date = ISO_DATE.exec(value);
    const dateTime = date ? undefined : ISO_DATE_TIME.exec(value);
    const parts = date ?? dateTime;
    if (!parts) {
        return undefined;
    }
    const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
    const calendar = new Date(Date.UTC(year, month - 1, day));
    if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) {
        return undefined;
    }
    if (date) {
        // A date alone expires at the end of that day (UTC).
        return new Date(Date.UTC(year, month - 1, day, 23, 59, 59));
    }
    const [hour, minute, second] = [Number(parts[4]), Number(parts[5]), Number(parts[6] ?? 0)];
    if (hour > 23 || minute > 59 || second > 59) {
        return undefined;
    }
    const moment = new Date(value);
    return Number.isNaN(moment.getTime()) ? undefined : moment;
}

const EXPIRES_AT_ALLOWED = "an ISO date such as \"2026-12-31\" (expires at the end of that day, UTC) or an ISO date-time with a zone such as \"2026-12-31T18:00:00Z\"";

/** `expiresAt`: an ISO date or date-time; YAML's unquoted dates arrive as strings from the engine, but a Date is accepted too. */
const expiresAt = setting(
    z.union([z.string().trim(), z.date().transform(d => d.toISOString())])
        .refine(v => parseExpiry(v) !== undefined)
        .transform(v => ({ written: v, at: parseExpiry(v) as Date })),
    EXPIRES_AT_ALLOWED,
);

/** The workshop keys every cloud platform's section has (spread into its `section({...})`). */
export const workshopShape = {
    /** Who answers for the cluster: a team or user name. Required on a cloud stack (checked when the platform is created). */
    owner: matching(LABEL_VALUE, LABEL_VALUE_ALLOWED).optional(),
    /** What the cluster is for. */
    purpose: matching(LABEL_VALUE, LABEL_VALUE_ALLOWED).default("workshop"),
    /** When the cluster may be destroyed (`npm run teardown` selects stacks past it); unset: never. */
    expiresAt: expiresAt.optional(),
    /**
     * Whether the cloud refuses to delete the cluster (GKE's `deletionProtection`, AKS's
     * `CanNotDelete` lock, EKS's equivalent). Workshop stacks: false, so that one
     * `pulumi destroy` removes everything.
     */
    deletionProtection: boolean.default(false),
};

/** The workshop keys as parsed. */
export interface WorkshopSettings {
    owner?: string;
    purpose: string;
    expiresAt?: { written: string; at: Date };
    deletionProtection: boolean;
}

/** Tag keys kubelab puts on every cloud resource. Valid as Azure and AWS tag keys and as GCP label keys. */
export const TAG_KEYS = {
    owner: "owner",
    purpose: "purpose",
    expiresAt: "expires-at",
    managedBy: "managed-by",
    stack: "kubelab-stack",
} as const;

/** The `expires-at` tag's value when the stack sets no `expiresAt`. */
export const NEVER_EXPIRES = "never";

/**
 * The tags every cloud resource of the stack carries: owner, purpose, expiry (`never` when
 * unset), `managed-by: kubelab` and the stack's name. Throws a config error naming
 * `<settingsKey>.owner` when the owner is not set: a cloud cluster nobody owns is never cleaned up.
 *
 * @param settingsKey the platform's key as the user writes it, e.g. `kubelab:aks`.
 */
export function workshopTags(settings: WorkshopSettings, settingsKey: string, stack: string): Record<string, string> {
    if (!settings.owner) {
        throw new MissingConfigError(`${settingsKey}.owner`, `the team or user who answers for the cluster (${LABEL_VALUE_ALLOWED})`);
    }
    return {
        [TAG_KEYS.owner]: settings.owner,
        [TAG_KEYS.purpose]: settings.purpose,
        [TAG_KEYS.expiresAt]: settings.expiresAt?.written ?? NEVER_EXPIRES,
        [TAG_KEYS.managedBy]: "kubelab",
        [TAG_KEYS.stack]: stack,
    };
}

/**
 * The tags as GCP labels: values lower-cased, every character GCP does not allow in a label
 * (`:`, `.`, `+`, upper case…) replaced by `-`, at most 63 characters. A date-time expiry
 * `2026-12-31T18:00:00Z` becomes `2026-12-31t18-00-00z`; a date stays as written.
 */
export function gcpLabels(tags: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(tags).map(([key, value]) =>
        [key, value.toLowerCase().replace(/[^a-z0-9_-]/g, "-").slice(0, 63)]));
}
