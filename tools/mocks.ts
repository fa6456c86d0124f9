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
 * - Invokes: none is answered by invention. An invoke the program starts calling must be taught
 *   here, from the provider's documented behaviour, or the run fails naming it.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash, randomBytes } from "crypto";

type State = Record<string, unknown>;

export interface KubelabMocksOptions {
    /** Preview: values computed during deployment are unknown. */
    preview: boolean;
}

export class KubelabMocks implements pulumi.runtime.Mocks {
    constructor(private readonly opts: KubelabMocksOptions) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
        const inputs = (args.inputs ?? {}) as State;
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
        throw new Error(`kubelab mocks: no provider behaviour is modelled for resource type ${args.type} (${args.name}); teach tools/mocks.ts`);
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        // The SDK reports a failed invoke with the gRPC status's `details`, as the engine sends it.
        const message = `kubelab mocks: the program called invoke ${args.token}, which the offline plan does not answer; teach tools/mocks.ts what the provider returns`;
        throw Object.assign(new Error(message), { details: message });
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
