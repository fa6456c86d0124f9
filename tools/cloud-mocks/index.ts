/** The cloud mocks tools/mocks.ts consults, one per provider. */
import { CloudMock } from "./types";
import { awsMock } from "./aws";
import { commandMock } from "./command";
import { azureMock } from "./azure";
import { gcpMock } from "./gcp";

export const CLOUD_MOCKS: readonly CloudMock[] = [
    awsMock,
    commandMock,
    azureMock,
    gcpMock,
];
