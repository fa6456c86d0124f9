/**
 * @pulumi/gcp, as the GKE platform (infra/gke/) uses it.
 *
 * - Names: a resource's `name` input is its name; unset, the provider's Check auto-names it
 *   (`<resource name>-<7 hex>`), in a preview too (the suffix here is derived from the resource
 *   name, so plans are reproducible).
 * - `project`: the given one, else the provider's default project, known in a preview.
 * - What Google computes (ids, the cluster's endpoint and CA certificate, instance groups) is
 *   unknown in a preview and well-formed in an update. So in a preview of a new cluster the
 *   kubeconfig built from the endpoint is unknown, as in a real preview.
 * - Invokes: the GKE platform makes none; any invoke fails naming its token.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { CloudMock, MockState } from "./types";

/** The project the mocked provider defaults to (gcp:project). */
export const MOCK_GCP_PROJECT = "kubelab-mock-project";

function hex(seed: string, length: number): string {
    return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

function str(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

interface GcpType {
    /** Its id from project, location and name. */
    id(project: string, location: string, inputs: MockState, name: string): string;
    /** What Google computes, in an update. */
    computed(project: string, location: string, inputs: MockState, name: string): MockState;
}

/** Labels as the provider reports them: the given ones, plus the provider's own on `terraformLabels`. */
function labelOutputs(labels: unknown): MockState {
    const given = (labels && typeof labels === "object" ? labels : {}) as MockState;
    return { effectiveLabels: given, terraformLabels: { ...given, "goog-terraform-provisioned": "true" } };
}

const TYPES: Record<string, GcpType> = {
    "gcp:container/cluster:Cluster": {
        id: (project, location, _inputs, name) => `projects/${project}/locations/${location}/clusters/${name}`,
        computed: (project, location, inputs, name) => ({
            endpoint: `203.0.113.${parseInt(hex(name, 2), 16) % 250 + 1}`,
            masterAuth: {
                clusterCaCertificate: Buffer.from(`MOCK CA of ${name}`).toString("base64"),
                clientCertificateConfig: { issueClientCertificate: false },
            },
            masterVersion: str(inputs.minMasterVersion) ?? "1.33.5-gke.1000000",
            selfLink: `https://container.googleapis.com/v1/projects/${project}/locations/${location}/clusters/${name}`,
            labelFingerprint: hex(`${name}/labels`, 8),
            ...labelOutputs(inputs.resourceLabels),
        }),
    },
    "gcp:container/nodePool:NodePool": {
        id: (project, location, inputs, name) => `projects/${project}/locations/${location}/clusters/${str(inputs.cluster) ?? "cluster"}/nodePools/${name}`,
        computed: (project, location, _inputs, name) => ({
            instanceGroupUrls: [`https://www.googleapis.com/compute/v1/projects/${project}/zones/${location}/instanceGroupManagers/gke-${name}-${hex(name, 8)}-grp`],
            managedInstanceGroupUrls: [`https://www.googleapis.com/compute/v1/projects/${project}/zones/${location}/instanceGroups/gke-${name}-${hex(name, 8)}-grp`],
            version: "1.33.5-gke.1000000",
        }),
    },
};

export const gcpMock: CloudMock = {
    prefix: "gcp:",

    newResource(type, name, inputs, preview) {
        const model = TYPES[type];
        if (!model) {
            throw new Error(`kubelab mocks: no gcp behaviour is modelled for resource type ${type} (${name}); teach tools/cloud-mocks/gcp.ts`);
        }
        const resourceName = str(inputs.name) ?? `${name}-${hex(name, 7)}`;
        const project = str(inputs.project) ?? MOCK_GCP_PROJECT;
        const location = str(inputs.location) ?? "europe-west1-b";
        const state: MockState = { ...inputs, name: resourceName, project, location };
        const computed = model.computed(project, location, inputs, resourceName);
        if (preview) {
            for (const key of Object.keys(computed)) {
                state[key] = pulumi.unknown;
            }
            return { id: undefined, state };
        }
        const id = model.id(project, location, inputs, resourceName);
        return { id, state: { ...state, ...computed, id } };
    },

    call(token) {
        throw new Error(`kubelab mocks: the program called invoke ${token}, which the offline plan does not answer; teach tools/cloud-mocks/gcp.ts what the provider returns`);
    },
};
