/**
 * The kubelab policy pack as the harness runs it: its name, the version `PolicyPack` reads from
 * policy/package.json, and its policies. The plan and the check both run this one; it loads
 * nothing of the program (which would cost the check some 30 MB).
 */
import { PACK_NAME, packArgs } from "../policy/pack";
import type { PackUnderTest } from "./policy-harness";

export const kubelabPack: PackUnderTest = {
    name: PACK_NAME,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    version: (require("../policy/package.json") as { version: string }).version,
    args: packArgs,
};
