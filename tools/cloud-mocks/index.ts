/** The cloud mocks tools/mocks.ts consults, one per provider. */
import { CloudMock } from "./types";
import { azureMock } from "./azure";

export const CLOUD_MOCKS: readonly CloudMock[] = [
    azureMock,
];
