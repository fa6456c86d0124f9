/**
 * `@pulumi/command` under the offline plan: a Command is recorded, never run.
 *
 * - `command:local:Command`: the state is the inputs, echoed (`create`, `delete`, `triggers`,
 *   `environment` …, so the plan shows the exact command lines), plus what running the command
 *   gives: `stdout` and `stderr`, unknown in a preview as in a real preview (nothing has run);
 *   in an update the mock runs nothing, so both are empty. The id, known only once the command
 *   has run, is unknown in a preview.
 * - Anything else (`command:remote:*`, and the `command:local:run` invoke, which a real preview
 *   does run) is not modelled and fails naming it: the offline plan can't know what a command
 *   prints.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { CloudMock, MockState } from "./types";

export const LOCAL_COMMAND_TYPE = "command:local:Command";

export const commandMock: CloudMock = {
    prefix: "command:",

    newResource(type: string, name: string, inputs: MockState, preview: boolean): { id: string | undefined; state: MockState } {
        if (type !== LOCAL_COMMAND_TYPE) {
            throw new Error(`kubelab mocks: ${type} (${name}) is not modelled; only ${LOCAL_COMMAND_TYPE} is (tools/cloud-mocks/command.ts)`);
        }
        if (preview) {
            return { id: undefined, state: { ...inputs, stdout: pulumi.unknown, stderr: pulumi.unknown } };
        }
        const id = `${name}-${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
        return { id, state: { ...inputs, stdout: "", stderr: "" } };
    },

    call(token: string): MockState {
        throw new Error(`kubelab mocks: the program called invoke ${token}, which runs a command on this machine; the offline plan does not run commands (tools/cloud-mocks/command.ts)`);
    },
};
