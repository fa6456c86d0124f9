/**
 * Mocks that answer the way the providers kubelab uses would, where the program depends on it,
 * and leave unknown what a real preview leaves unknown.
 *
 * - Kubernetes objects: the provider's Check fills in `metadata.name` when it is unset, as
 *   `<resource name>-<8 random characters>`; a preview then reports the checked inputs as the
 *   outputs. The suffix here is derived from the resource name, so plans are reproducible.
 * - `random` resources: in a preview a new password's `result` is unknown (the SDK marks it
 *   secret); in an update it is generated.
 * - Provider resources echo their inputs.
 * - Cloud resources and invokes (azure-native, gcp, aws): one file per cloud in ./cloud-mocks/.
 * - Invokes: none is answered by invention. An invoke the program starts calling must be taught
 *   here, from the provider's documented behaviour, or the run fails naming it.
 * - A `StackReference` to the program's own stack (`<stack>`, `<project>/<stack>` or
 *   `<org>/<project>/<stack>`) reads the previous outputs it is given (a previous plan's, with
 *   `--against`; none without it, as on a stack's first update), as the engine reads them from the
 *   stack's state; a reference to any other stack
 *   fails: its outputs are not available offline. Secret outputs, which a report keeps only as a
 *   marker, become a secret placeholder; unknown ones stay unknown.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash, randomBytes } from "crypto";
import { CLOUD_MOCKS } from "./cloud-mocks";

type State = Record<string, unknown>;

export interface KubelabMocksOptions {
    /** Preview: values computed during deployment are unknown. */
    preview: boolean;
    /**
     * The program's own stack's previous outputs (a previous plan report's `outputs`), for a
     * `StackReference` to its own stack. Unset: a first deploy, which has no outputs yet.
     */
    previousOutputs?: Record<string, unknown>;
}

/** `pulumi.StackReference` registers (reads) this type with the stack's name as its id. */
export const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";

/** How a plan report marks a value it does not hold (report.ts's MARKER_KEY). */
const MARKER_KEY = "@kubelab";

export class KubelabMocks implements pulumi.runtime.Mocks {
    constructor(private readonly opts: KubelabMocksOptions) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
        const inputs = (args.inputs ?? {}) as State;
        if (args.type === STACK_REFERENCE_TYPE) {
            return this.stackReference(typeof inputs.name === "string" ? inputs.name : String(args.id ?? args.name));
        }
        if (args.type.startsWith("pulumi:providers:")) {
            return { id: this.opts.preview ? undefined : `${args.name}-id`, state: inputs };
        }
        if (args.type.startsWith("kubernetes:")) {
            return this.kubernetesObject(args.type, args.name, inputs);
        }
        if (args.type.startsWith("random:")) {
            return this.random(args.type, args.name, inputs);
        }
        if (!args.custom) {
            return { id: undefined, state: inputs };
        }
        const cloud = CLOUD_MOCKS.find(m => args.type.startsWith(m.prefix));
        if (cloud) {
            return cloud.newResource(args.type, args.name, inputs, this.opts.preview);
        }
        throw new Error(`kubelab mocks: no provider behaviour is modelled for resource type ${args.type} (${args.name}); teach tools/mocks.ts`);
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const cloud = CLOUD_MOCKS.find(m => args.token.startsWith(m.prefix));
        if (cloud) {
            return cloud.call(args.token, (args.inputs ?? {}) as State, this.opts.preview);
        }
        // The SDK reports a failed invoke with the gRPC status's `details`, as the engine sends it.
        const message = `kubelab mocks: the program called invoke ${args.token}, which the offline plan does not answer; teach tools/mocks.ts what the provider returns`;
        throw Object.assign(new Error(message), { details: message });
    }

    /** The state the engine reads for a StackReference: `outputs` and `secretOutputNames`. */
    private stackReference(name: string): { id: string; state: State } {
        const stack = pulumi.getStack();
        const project = pulumi.getProject();
        const parts = name.split("/");
        const own = (parts.length === 1 && parts[0] === stack)
            || (parts.length === 2 && parts[0] === project && parts[1] === stack)
            || (parts.length === 3 && parts[1] === project && parts[2] === stack);
        if (!own) {
            throw new Error(`kubelab mocks: StackReference to ${name}: another stack's outputs are not available offline (only this stack's own, ${project}/${stack}, from a previous plan)`);
        }
        // No previous plan: the plan shows a first deploy, and a stack's first update has no outputs yet.
        const previous = this.opts.previousOutputs ?? {};
        const secretOutputNames: string[] = [];
        const outputs: State = {};
        for (const [key, value] of Object.entries(previous)) {
            const secret = { found: false };
            outputs[key] = fromReport(value, key, secret);
            if (secret.found) {
                secretOutputNames.push(key);
            }
        }
        return { id: name, state: { name, outputs, secretOutputNames } };
    }

    private kubernetesObject(type: string, name: string, inputs: State): { id: string | undefined; state: State } {
        const metadata = { ...((inputs.metadata ?? {}) as State) };
        // Patch resources and list-like objects keep their metadata as given.
        if (!type.endsWith("Patch") && metadata.name === undefined) {
            metadata.name = `${name}-${suffix(name)}`;
        }
        const state = { ...inputs, metadata };
        if (this.opts.preview) {
            return { id: undefined, state };
        }
        const ns = typeof metadata.namespace === "string" ? `${metadata.namespace}/` : "";
        return { id: `${ns}${String(metadata.name)}`, state };
    }

    private random(type: string, name: string, inputs: State): { id: string | undefined; state: State } {
        if (type === "random:index/randomPassword:RandomPassword" || type === "random:index/randomString:RandomString") {
            const length = typeof inputs.length === "number" ? inputs.length : 16;
            const result = this.opts.preview ? pulumi.unknown : randomBytes(length).toString("base64url").slice(0, length);
            return { id: this.opts.preview ? undefined : "none", state: { ...inputs, result } };
        }
        throw new Error(`kubelab mocks: random resource ${type} (${name}) is not modelled; teach tools/mocks.ts`);
    }
}

/** Eight lower-case characters, as the Kubernetes provider's auto-names have. */
function suffix(name: string): string {
    return createHash("sha256").update(name).digest("hex").slice(0, 8);
}

/**
 * A previous plan's output value as the engine would hand it back: a secret marker becomes a
 * secret placeholder (a report never holds the value), an unknown marker stays unknown.
 */
function fromReport(value: unknown, at: string, secret: { found: boolean }): unknown {
    if (Array.isArray(value)) {
        return value.map((v, i) => fromReport(v, `${at}[${i}]`, secret));
    }
    if (value && typeof value === "object") {
        const marker = (value as Record<string, unknown>)[MARKER_KEY];
        if (marker === "secret") {
            secret.found = true;
            return pulumi.secret(`[secret output ${at} of the previous plan]`);
        }
        if (marker === "unknown") {
            return pulumi.unknown;
        }
        if (marker === "resource") {
            return (value as Record<string, unknown>).urn;
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromReport(v, `${at}.${k}`, secret)]));
    }
    return value;
}
