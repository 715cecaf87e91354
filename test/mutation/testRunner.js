/**
 * The jest runner of `npm run mutation` (jest.mutation.config.js): Jest's own, plus a bail across
 * test files. Stryker runs a mutant's tests in band, one file after another; once a file has a
 * failing test the mutant is killed, and the environment's bail (jestEnvironment.js) already skips
 * the tests and hooks of the files after it, but Jest would still load each of them (the file's
 * imports under a fresh module registry, about a third of a second each, times forty files). This
 * runner stops starting files instead: the files not started report nothing, which Stryker does
 * not need, since one failed test decides the mutant.
 *
 * Only while a mutant is active and in band; the dry run and plain `jest` runs are Jest's.
 */
const { default: TestRunner } = require("jest-runner");

class BailingTestRunner extends TestRunner {
  async runTests(tests, watcher, options) {
    if (!options.serial || process.env.__STRYKER_ACTIVE_MUTANT__ === undefined) return super.runTests(tests, watcher, options);
    let killed = false;
    const unsubscribe = [
      this.on("test-file-success", ([, result]) => {
        if (result.numFailingTests > 0 || result.testExecError) killed = true;
      }),
      this.on("test-file-failure", () => {
        killed = true;
      }),
    ];
    try {
      for (const test of tests) {
        if (killed || watcher.isInterrupted()) break;
        await super.runTests([test], watcher, options);
      }
    } finally {
      for (const off of unsubscribe) off();
    }
  }
}

module.exports = BailingTestRunner;
