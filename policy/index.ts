/**
 * The kubelab policy pack, as the Pulumi CLI loads it:
 *   pulumi preview --stack <env> --policy-pack policy --policy-pack-config policy/config/<env>.json
 *
 * This is the only place that constructs the PolicyPack (constructing it starts the analyzer
 * server); the offline plan and the tests load `./pack` instead.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, packArgs } from "./pack";

new PolicyPack(PACK_NAME, packArgs);
