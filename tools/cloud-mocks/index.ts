/** The cloud mocks tools/mocks.ts consults, one per provider. */
import { CloudMock } from "./types";

export const CLOUD_MOCKS: readonly CloudMock[] = [];
