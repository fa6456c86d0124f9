/**
 * Mocha's spec reporter, plus one closing line CI tools recognise:
 * `tests: N passed, N failed` (and `, N skipped` when tests were skipped).
 */
import Mocha = require("mocha");

class KubelabReporter extends Mocha.reporters.Spec {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const { passes, failures, pending } = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
            console.log(`tests: ${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ""}`);
        });
    }
}

export = KubelabReporter;
