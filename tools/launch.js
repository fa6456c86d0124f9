// @ts-check
/**
 * Starts one of the offline commands (plan, check, bench) from its TypeScript source, always:
 * there is no compiled copy that could be stale. `npm run plan` and the `kubelab` bin
 * (tools/kubelab.js) both come through here.
 *
 *   node tools/launch.js plan --stack minikube
 *
 * Under `npm run <command>`, the command runs in the folder npm was started in (npm's INIT_CWD),
 * so that relative paths mean what the user typed them relative to.
 *
 * The sources run through ts-node in transpile-only mode, which strips types without checking
 * them (checking the whole program would add seconds to every plan). Type errors are caught by
 * `npm run typecheck` (tsc over the program, the tools and the policy pack), which CI runs
 * before the tests; run it after changing TypeScript.
 */
"use strict";
const path = require("path");

const root = path.resolve(__dirname, "..");
const COMMANDS = ["plan", "check", "bench"];

/**
 * Runs `command` with `args` as its command line (process.argv is rewritten so that the
 * command's own parser sees only its arguments). An unknown command prints `usage` and sets
 * exit code 2.
 * @param {string | undefined} command
 * @param {string[]} args
 * @param {string} usage
 */
function launch(command, args, usage) {
    if (command === "--help" || command === "-h") {
        console.log(usage);
        return;
    }
    if (!command || !COMMANDS.includes(command)) {
        console.error(`${command ? `error: unknown command '${command}'\n` : ""}${usage}`);
        process.exitCode = 2;
        return;
    }
    process.argv.splice(2, process.argv.length - 2, ...args);
    // `npm run plan` starts the script in the project root; relative paths the user gives
    // (`--out ../mine`, files to check) mean the folder they ran npm in, which npm passes as INIT_CWD.
    if (process.env.INIT_CWD && process.env.npm_lifecycle_event === command) {
        process.chdir(process.env.INIT_CWD);
    }
    require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
    require(path.join(__dirname, `${command}.ts`));
}

module.exports = { launch, COMMANDS };

if (require.main === module) {
    launch(process.argv[2], process.argv.slice(3), `usage: node tools/launch.js <${COMMANDS.join("|")}> [args…]`);
}
