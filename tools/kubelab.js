#!/usr/bin/env node
// @ts-check
/**
 * The `kubelab` command (package.json `bin`): `npx kubelab plan --stack minikube`,
 * `npx kubelab check out/minikube/`, `npx kubelab bench`, `npx kubelab teardown`. Each command runs from its
 * TypeScript source, as `npm run <command>` does (see tools/launch.js).
 */
"use strict";
const { launch, COMMANDS } = require("./launch");

const USAGE = [
    `usage: kubelab <${COMMANDS.join("|")}> [args…]`,
    "  plan   plan a stack offline: kubelab plan --stack <name> [--out DIR] [--report FILE] [--against REPORT] [--json]",
    "  check  run the policy pack over Kubernetes YAML: kubelab check <files, folders or -…> [--stack NAME] [--policy-config FILE] [--json]",
    "  bench  time the offline plan and check",
    "  teardown  list stacks past their expiresAt; --yes destroys them: kubelab teardown [--yes] [--at DATE]",
    "  kubelab <command> --help shows a command's options",
].join("\n");

launch(process.argv[2], process.argv.slice(3), USAGE);
