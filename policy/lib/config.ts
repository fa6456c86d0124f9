/**
 * A policy's settings, read one way by every policy that has any.
 *
 * The Pulumi CLI fills each policy's config with its schema's defaults before `Configure`, but the
 * policy server itself does not: `getConfig()` returns `{}` for a policy the config doesn't name,
 * and only the properties given for one it does. Reading a property straight from `getConfig()`
 * therefore throws (or silently checks against `undefined`) whenever a property is missing. Here
 * the schema is the single source of the defaults, and a missing (or null) property takes its
 * default.
 */
import { PolicyConfigSchema } from "@pulumi/policy";

/** One property of a config schema (the package does not export its name for it). */
export type PolicyConfigJSONSchema = PolicyConfigSchema["properties"][string];

/** A schema property that carries a default of the setting's own type. */
export type SettingSchema<V> = PolicyConfigJSONSchema & { default: V };

/** A config schema whose properties are exactly the settings of `T`, each with its default. */
export type ConfigSchemaOf<T> = PolicyConfigSchema & { properties: { [K in keyof T]: SettingSchema<T[K]> } };

/** Declares a policy's config schema: every setting of `T`, each with a default of its type. */
export function configSchema<T>(properties: { [K in keyof T]: SettingSchema<T[K]> }): ConfigSchemaOf<T> {
    return { properties };
}

/** What a policy's validate arguments offer for reading config. */
export interface ConfigSource {
    getConfig<C extends object>(): C;
}

/** The policy's settings: what the stack's policy config gives, the schema's default for anything missing or null. */
export function readConfig<T>(schema: ConfigSchemaOf<T>, args: ConfigSource): T {
    const given: Record<string, unknown> = args.getConfig<Record<string, unknown>>() ?? {};
    const settings: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(schema.properties) as [string, PolicyConfigJSONSchema][]) {
        const value = given[key];
        settings[key] = value === undefined || value === null ? property.default : value;
    }
    return settings as T;
}
