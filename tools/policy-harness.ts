/**
 * Runs a policy pack the way `pulumi preview --policy-pack` runs it: the verdict comes from
 * `@pulumi/policy`'s own analyzer server (server.js, with its deserialize.js and proxy.js), not
 * from a copy of its rules. This module is the engine's side of the protocol:
 *
 * - the pack is served in process ({@link servePolicyPackInProcess}: the server code a
 *   `PolicyPack` starts, with its handlers called directly instead of over a port);
 * - like the CLI, it asks the server for its policies (GetAnalyzerInfo), sends every policy's
 *   effective level and properties (Configure: the schema's defaults overlaid with the
 *   `--policy-pack-config` file, see {@link resolvePolicyConfig}), calls Analyze once per resource
 *   with its checked inputs, then AnalyzeStack once with every resource, its parent, dependencies
 *   and property dependencies;
 * - it reports each diagnostic against the resource the engine reports it against (an Analyze
 *   diagnostic against the analyzed resource, an AnalyzeStack one against the URN the policy named).
 *
 * The requests are real protobuf messages. In process, a resource's properties Struct is decoded
 * once and handed to the server as what `toJavaScript()` returns (the server only ever decodes
 * it, and copies what it decodes for every policy); over gRPC (tools/policy-server.ts, which
 * starts the pack as the CLI does) they are ordinary Structs.
 */
import type { EnforcementLevel, PolicyPackArgs, PolicyResourceOptions, Severity } from "@pulumi/policy";
import type AjvClass from "ajv";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { WireProps } from "./recorder";
import { AnalyzerHandlers, AnalyzerProto, analyzerProto, callHandler, servePolicyPackInProcess } from "./sdk-internals";

/** One resource as the engine hands it to the analyzer. */
export interface AnalyzerResource {
    urn: string;
    type: string;
    name: string;
    /** Properties `Analyze` gets, on the wire: unknown sentinels and secret wrappers as sent. */
    properties: WireProps;
    /** Properties `AnalyzeStack` gets (outputs), when they differ from `properties`. */
    stackProperties?: WireProps;
    /** As the analyzer protocol carries them (it has no retainOnDelete). */
    options: PolicyResourceOptions;
    provider?: { urn: string; type: string; name: string; properties: WireProps };
    parent?: string;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
}

export interface PolicyDiagnostic {
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    description: string;
    message: string;
    enforcementLevel: EnforcementLevel;
    severity?: Severity;
    /** The resource the diagnostic is about (for resource policies, the analyzed one). */
    urn?: string;
}

export interface NotApplicable {
    policyName: string;
    reason?: string;
    /** Set for resource policies: the resource it did not apply to. */
    urn?: string;
}

export interface PolicyRun {
    diagnostics: PolicyDiagnostic[];
    notApplicable: NotApplicable[];
}

/** A policy's settings as `--policy-pack-config` gives them: a level, or an object of settings and level. */
export type PolicyConfigEntry = EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);
export type PolicyPackConfigFile = Record<string, PolicyConfigEntry>;

/** Resolved config per policy, as the server keeps it after `Configure`. */
export type ResolvedConfig = Record<string, { enforcementLevel?: EnforcementLevel } & Record<string, unknown>>;

export class PolicyConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PolicyConfigError";
    }
}

const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/**
 * What the CLI sends in `Configure`: for every policy, its schema's defaults overlaid with the
 * file's settings (`all` sets the level of every policy without its own), validated against
 * the schema. Unknown policy names and invalid values are errors, as in the CLI.
 */
export function resolvePolicyConfig(pack: PolicyPackArgs, file: PolicyPackConfigFile = {}, opts: { settingsCache?: string } = {}): ResolvedConfig {
    const names = new Set(pack.policies.map(p => p.name));
    for (const key of Object.keys(file)) {
        if (key !== "all" && !names.has(key)) {
            throw new PolicyConfigError(`policy config names '${key}', which is not a policy of this pack; known policies: ${[...names].join(", ")}`);
        }
    }
    const levelOf = (entry: PolicyConfigEntry | undefined): EnforcementLevel | undefined =>
        typeof entry === "string" ? entry : entry?.enforcementLevel;
    const allLevel = levelOf(file.all);
    const resolved: ResolvedConfig = {};
    /** Settings the user gave, by policy, to be checked against their schemas in one go. */
    const toCheck: Record<string, { props: Record<string, unknown>; schema: object }> = {};
    for (const policy of pack.policies) {
        const entry = file[policy.name];
        const level = levelOf(entry) ?? allLevel;
        if (level !== undefined && !LEVELS.includes(level)) {
            throw new PolicyConfigError(`policy config ${policy.name}: enforcementLevel ${JSON.stringify(level)} is not one of ${LEVELS.join(", ")}`);
        }
        const given = typeof entry === "object" ? { ...entry } : {};
        delete given.enforcementLevel;
        const defaults: Record<string, unknown> = {};
        for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
            if (schema.default !== undefined) {
                defaults[key] = schema.default;
            }
        }
        const props = { ...defaults, ...given };
        if (policy.configSchema && Object.keys(given).length) {
            // Only settings the user gave need checking (the schema's own defaults are valid).
            toCheck[policy.name] = { props, schema: { type: "object", ...policy.configSchema, additionalProperties: false } };
        } else if (!policy.configSchema && Object.keys(given).length) {
            throw new PolicyConfigError(`policy config ${policy.name}: this policy takes no settings, only enforcementLevel`);
        }
        if (level !== undefined || Object.keys(props).length) {
            resolved[policy.name] = level !== undefined ? { ...props, enforcementLevel: level } : props;
        }
    }
    checkSettings(toCheck, opts.settingsCache);
    return resolved;
}

/** Where {@link checkSettings} keeps the markers of settings found valid (KUBELAB_POLICY_CONFIG_CACHE names another folder). */
const SETTINGS_CACHE = process.env.KUBELAB_POLICY_CONFIG_CACHE
    ? path.resolve(process.env.KUBELAB_POLICY_CONFIG_CACHE)
    : path.join(__dirname, "..", "node_modules", ".cache", "kubelab-policy-config");

/**
 * Checks every policy's given settings against its schema with one compiled validator (ajv,
 * loaded only when a file gives settings; one compile instead of one per policy). The first
 * policy in pack order with an invalid setting is named, with every problem ajv found in it.
 */
function checkSettings(toCheck: Record<string, { props: Record<string, unknown>; schema: object }>, cacheDir = SETTINGS_CACHE): void {
    const policies = Object.keys(toCheck);
    if (policies.length === 0) {
        return;
    }
    // Settings found valid once against the same schemas are valid again: a marker named by the
    // hash of both skips loading and compiling ajv on the next start (only valid ones are kept).
    const marker = path.join(cacheDir, createHash("sha256").update(JSON.stringify(toCheck)).digest("hex"));
    if (fs.existsSync(marker)) {
        return;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ajv = new (require("ajv").default as typeof AjvClass)({ allErrors: true, strict: false });
    const validate = ajv.compile({ type: "object", properties: Object.fromEntries(policies.map(p => [p, toCheck[p].schema])) });
    if (validate(Object.fromEntries(policies.map(p => [p, toCheck[p].props])))) {
        try {
            fs.mkdirSync(cacheDir, { recursive: true });
            fs.writeFileSync(marker, "");
        } catch {
            // A cache that can't be written only costs the next start the check.
        }
        return;
    }
    const errors = validate.errors ?? [];
    const policyOf = (path: string) => decodeURIComponent(path.split("/")[1] ?? "").replace(/~1/g, "/").replace(/~0/g, "~");
    const first = policies.find(p => errors.some(e => policyOf(e.instancePath) === p)) ?? policies[0];
    const why = errors.filter(e => policyOf(e.instancePath) === first)
        .map(e => `${e.instancePath.slice(first.length + 1) || "(config)"} ${e.message}`).join("; ");
    throw new PolicyConfigError(`policy config ${first}: ${why}`);
}

export interface PackUnderTest {
    name: string;
    version: string;
    args: PolicyPackArgs;
}

/** The Analyzer calls the engine makes, over whatever carries them. */
export interface AnalyzerTransport {
    getAnalyzerInfo(): Promise<AnalyzerProto.AnalyzerInfo>;
    configure(req: AnalyzerProto.ConfigureAnalyzerRequest): Promise<void>;
    analyze(req: AnalyzerProto.AnalyzeRequest): Promise<AnalyzerProto.AnalyzeResponse>;
    analyzeStack(req: AnalyzerProto.AnalyzeStackRequest): Promise<AnalyzerProto.AnalyzeResponse>;
    /** The properties message for a property map. */
    struct(props: WireProps): Struct;
}

const LEVELS_ON_WIRE = (): Record<EnforcementLevel, AnalyzerProto.EnforcementLevel> => {
    const { EnforcementLevel: L } = analyzerProto();
    return { advisory: L.ADVISORY, mandatory: L.MANDATORY, remediate: L.REMEDIATE, disabled: L.DISABLED };
};

function levelName(level: AnalyzerProto.EnforcementLevel): EnforcementLevel {
    const { EnforcementLevel: L } = analyzerProto();
    switch (level) {
        case L.ADVISORY: return "advisory";
        case L.MANDATORY: return "mandatory";
        case L.REMEDIATE: return "remediate";
        case L.DISABLED: return "disabled";
        default: throw new Error(`the policy server sent an unknown enforcement level ${String(level)}`);
    }
}

function severityName(severity: AnalyzerProto.PolicySeverity): Severity | undefined {
    const { PolicySeverity: S } = analyzerProto();
    switch (severity) {
        case S.POLICY_SEVERITY_LOW: return "low";
        case S.POLICY_SEVERITY_MEDIUM: return "medium";
        case S.POLICY_SEVERITY_HIGH: return "high";
        case S.POLICY_SEVERITY_CRITICAL: return "critical";
        default: return undefined;
    }
}

/**
 * What a properties Struct decodes to: `Struct.fromJavaScript(value).toJavaScript()` without
 * building the protobuf tree (which costs more than the policies that read it). A Struct keeps
 * its fields in a map that yields its keys sorted, so every object comes back with its keys in
 * sorted order; it takes what `for…in` enumerates; it can carry null, numbers, strings,
 * booleans, lists and structs, and nothing else ("Unexpected struct type."). The tests check it
 * against the real round trip.
 */
export function structDecoded(value: unknown): JavaScriptValue {
    switch (typeof value) {
        case "string":
        case "number":
        case "boolean":
            return value;
        case "object": {
            if (value === null) {
                return null;
            }
            if (Array.isArray(value)) {
                return value.map(structDecoded);
            }
            const keys: string[] = [];
            for (const key in value) {
                keys.push(key);
            }
            keys.sort();
            const out: Record<string, JavaScriptValue> = {};
            for (const key of keys) {
                out[key] = structDecoded((value as Record<string, unknown>)[key]);
            }
            return out;
        }
        default:
            throw new Error(`Unexpected struct type: a property value is ${typeof value}`);
    }
}

/**
 * A properties Struct as the in-process server gets it: `toJavaScript()` returns the decoded
 * properties (the server only ever decodes it, and copies what it decodes for every policy).
 * Nothing else of it is filled in; it never leaves the process.
 */
class DecodedStruct extends Struct {
    constructor(private readonly decoded: Record<string, JavaScriptValue>) {
        super();
    }

    override toJavaScript(): Record<string, JavaScriptValue> {
        return this.decoded;
    }

    override getFieldsMap(): never {
        throw new Error("an in-process properties Struct is only decoded (toJavaScript); the policy server read it another way");
    }
}

const decodedStructs = new WeakMap<WireProps, DecodedStruct>();

function decodedStruct(props: WireProps): DecodedStruct {
    let s = decodedStructs.get(props);
    if (!s) {
        s = new DecodedStruct(structDecoded(props) as Record<string, JavaScriptValue>);
        decodedStructs.set(props, s);
    }
    return s;
}

/** A pack served in process; runs on it take turns, since Configure sets the server's state. */
class InProcessServer implements AnalyzerTransport {
    private queue: Promise<unknown> = Promise.resolve();
    private info?: Promise<AnalyzerProto.AnalyzerInfo>;

    constructor(private readonly handlers: AnalyzerHandlers) {}

    exclusive<T>(work: () => Promise<T>): Promise<T> {
        const result = this.queue.then(work);
        this.queue = result.catch(() => undefined);
        return result;
    }

    getAnalyzerInfo(): Promise<AnalyzerProto.AnalyzerInfo> {
        this.info ??= callHandler(this.handlers.getAnalyzerInfo, new Empty());
        return this.info;
    }

    async configure(req: AnalyzerProto.ConfigureAnalyzerRequest): Promise<void> {
        await callHandler(this.handlers.configure, req);
    }

    analyze(req: AnalyzerProto.AnalyzeRequest): Promise<AnalyzerProto.AnalyzeResponse> {
        return callHandler(this.handlers.analyze, req);
    }

    analyzeStack(req: AnalyzerProto.AnalyzeStackRequest): Promise<AnalyzerProto.AnalyzeResponse> {
        return callHandler(this.handlers.analyzeStack, req);
    }

    struct(props: WireProps): Struct {
        return decodedStruct(props);
    }
}

const servers = new WeakMap<PolicyPackArgs, Map<string, InProcessServer>>();

/** The in-process server of a pack (one per pack name, version and policies). */
function serverFor(pack: PackUnderTest): InProcessServer {
    let byName = servers.get(pack.args);
    if (!byName) {
        byName = new Map();
        servers.set(pack.args, byName);
    }
    const key = `${pack.name}@${pack.version}`;
    let server = byName.get(key);
    if (!server) {
        server = new InProcessServer(servePolicyPackInProcess(pack.name, pack.version, pack.args));
        byName.set(key, server);
    }
    return server;
}

/**
 * Runs the pack over the resources as a preview does: Configure with `config` (what
 * {@link resolvePolicyConfig} returns), Analyze per resource, AnalyzeStack over all of them.
 */
export async function runPolicyPack(pack: PackUnderTest, resources: AnalyzerResource[], config: ResolvedConfig = {}): Promise<PolicyRun> {
    const server = serverFor(pack);
    return server.exclusive(() => runOver(server, resources, config));
}

/** GetAnalyzerInfo of the pack served in process: its policies as the CLI learns them. */
export function analyzerInfoOf(pack: PackUnderTest): Promise<AnalyzerProto.AnalyzerInfo> {
    return serverFor(pack).getAnalyzerInfo();
}

/** The same run over any transport (tools/policy-server.ts passes a gRPC one). */
export async function runOver(transport: AnalyzerTransport, resources: AnalyzerResource[], config: ResolvedConfig): Promise<PolicyRun> {
    await transport.configure(configureRequest(await transport.getAnalyzerInfo(), config));
    const run: PolicyRun = { diagnostics: [], notApplicable: [] };
    for (const r of resources) {
        collect(await transport.analyze(analyzeRequest(transport, r)), run, r.urn);
    }
    collect(await transport.analyzeStack(analyzeStackRequest(transport, resources)), run, undefined);
    return run;
}

/**
 * Configure as the CLI sends it (ReconcilePolicyPackConfig): every policy the server describes,
 * with its effective level (the config's, else the one GetAnalyzerInfo reports) and properties.
 */
export function configureRequest(info: AnalyzerProto.AnalyzerInfo, config: ResolvedConfig): AnalyzerProto.ConfigureAnalyzerRequest {
    const pb = analyzerProto();
    const levels = LEVELS_ON_WIRE();
    const req = new pb.ConfigureAnalyzerRequest();
    for (const p of info.getPoliciesList()) {
        const { enforcementLevel, ...properties } = config[p.getName()] ?? {};
        const pc = new pb.PolicyConfig();
        pc.setEnforcementlevel(enforcementLevel ? levels[enforcementLevel] : p.getEnforcementlevel());
        pc.setProperties(Struct.fromJavaScript(jsonObject(properties, `policy config ${p.getName()}`)));
        req.getPolicyconfigMap().set(p.getName(), pc);
    }
    return req;
}

/** Struct.fromJavaScript takes JSON only; say where a value isn't. */
function jsonObject(value: Record<string, unknown>, at: string): Record<string, JavaScriptValue> {
    const out: Record<string, JavaScriptValue> = {};
    for (const [k, v] of Object.entries(value)) {
        out[k] = jsonValue(v, `${at}.${k}`);
    }
    return out;
}

function jsonValue(value: unknown, at: string): JavaScriptValue {
    if (value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) {
        return value;
    }
    if (Array.isArray(value)) {
        return value.map((v, i) => jsonValue(v, `${at}[${i}]`));
    }
    if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
        return jsonObject(value as Record<string, unknown>, at);
    }
    throw new PolicyConfigError(`${at} is not a JSON value: ${String(value)}`);
}

const optionsMessages = new WeakMap<AnalyzerResource, AnalyzerProto.AnalyzerResourceOptions>();

/**
 * The options the engine sends (marshalResourceOptions), parent as a string. Built once per resource: Analyze and AnalyzeStack carry the same (read-only) message.
 */
function resourceOptions(r: AnalyzerResource): AnalyzerProto.AnalyzerResourceOptions {
    let o = optionsMessages.get(r);
    if (!o) {
        o = newResourceOptions(r);
        optionsMessages.set(r, o);
    }
    return o;
}

function newResourceOptions(r: AnalyzerResource): AnalyzerProto.AnalyzerResourceOptions {
    const pb = analyzerProto();
    const o = new pb.AnalyzerResourceOptions();
    o.setProtect(r.options.protect);
    o.setIgnorechangesList(r.options.ignoreChanges);
    o.setDeletebeforereplace(r.options.deleteBeforeReplace ?? false);
    o.setDeletebeforereplacedefined(r.options.deleteBeforeReplace !== undefined);
    o.setAdditionalsecretoutputsList(r.options.additionalSecretOutputs);
    o.setAliasesList(r.options.aliases);
    const { createSeconds, updateSeconds, deleteSeconds } = r.options.customTimeouts;
    // The engine always sends timeouts; the server reads absent ones as 0, so policies see the
    // same either way, and leaving zeros out spares the server a message per policy and resource.
    if (createSeconds || updateSeconds || deleteSeconds) {
        const t = new pb.AnalyzerResourceOptions.CustomTimeouts();
        t.setCreate(createSeconds);
        t.setUpdate(updateSeconds);
        t.setDelete(deleteSeconds);
        o.setCustomtimeouts(t);
    }
    o.setParent(r.options.parent ?? "");
    return o;
}

function providerResource(transport: AnalyzerTransport, r: AnalyzerResource): AnalyzerProto.AnalyzerProviderResource | undefined {
    if (!r.provider) {
        return undefined;
    }
    const p = new (analyzerProto().AnalyzerProviderResource)();
    p.setUrn(r.provider.urn);
    p.setType(r.provider.type);
    p.setName(r.provider.name);
    p.setProperties(transport.struct(r.provider.properties));
    return p;
}

export function analyzeRequest(transport: AnalyzerTransport, r: AnalyzerResource): AnalyzerProto.AnalyzeRequest {
    const req = new (analyzerProto().AnalyzeRequest)();
    req.setUrn(r.urn);
    req.setType(r.type);
    req.setName(r.name);
    req.setProperties(transport.struct(r.properties));
    req.setOptions(resourceOptions(r));
    const provider = providerResource(transport, r);
    if (provider) {
        req.setProvider(provider);
    }
    return req;
}

export function analyzeStackRequest(transport: AnalyzerTransport, resources: AnalyzerResource[]): AnalyzerProto.AnalyzeStackRequest {
    const pb = analyzerProto();
    const req = new pb.AnalyzeStackRequest();
    req.setResourcesList(resources.map(r => {
        const ar = new pb.AnalyzerResource();
        ar.setUrn(r.urn);
        ar.setType(r.type);
        ar.setName(r.name);
        ar.setProperties(transport.struct(r.stackProperties ?? r.properties));
        ar.setOptions(resourceOptions(r));
        const provider = providerResource(transport, r);
        if (provider) {
            ar.setProvider(provider);
        }
        ar.setParent(r.parent ?? "");
        ar.setDependenciesList(r.dependencies);
        for (const [key, urns] of Object.entries(r.propertyDependencies)) {
            // The engine leaves out properties without dependencies.
            if (urns.length) {
                const deps = new pb.AnalyzerPropertyDependencies();
                deps.setUrnsList(urns);
                ar.getPropertydependenciesMap().set(key, deps);
            }
        }
        return ar;
    }));
    return req;
}

/**
 * Adds a response to the run with the URNs the engine reports under. The server sets a
 * diagnostic's urn only to what the policy passed to reportViolation; the engine reports an
 * Analyze diagnostic against the analyzed resource whatever its urn ("For now, we always use the
 * URN we have here", step_generator.go), and an AnalyzeStack one against its own urn, if any.
 * Not-applicable entries carry no urn; an Analyze one is about the analyzed resource.
 */
function collect(res: AnalyzerProto.AnalyzeResponse, run: PolicyRun, analyzed: string | undefined): void {
    for (const d of res.getDiagnosticsList()) {
        const diagnostic: PolicyDiagnostic = {
            policyName: d.getPolicyname(),
            policyPackName: d.getPolicypackname(),
            policyPackVersion: d.getPolicypackversion(),
            description: d.getDescription(),
            message: d.getMessage(),
            enforcementLevel: levelName(d.getEnforcementlevel()),
        };
        const severity = severityName(d.getSeverity());
        if (severity) {
            diagnostic.severity = severity;
        }
        const urn = analyzed ?? (d.getUrn() || undefined);
        if (urn) {
            diagnostic.urn = urn;
        }
        run.diagnostics.push(diagnostic);
    }
    for (const n of res.getNotApplicableList()) {
        const na: NotApplicable = { policyName: n.getPolicyName() };
        if (n.getReason()) {
            na.reason = n.getReason();
        }
        if (analyzed) {
            na.urn = analyzed;
        }
        run.notApplicable.push(na);
    }
}
