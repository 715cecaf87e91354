/**
 * The test selection of `npm run mutation` (stryker.config.json): every test that runs in seconds
 * against the files Stryker mutates. Left out, because they start engines or real stacks and
 * cannot kill anything the faster tiers do not: the live tier (test/live), the Docker engine tier
 * (test/docker), `obs preflight`, which starts a private Docker engine, and `obs doctor` against a
 * real Prometheus (test/cli/doctorRules.test.ts), which tests cli/ only.
 */
const path = require("path");
// Not the base config's roots (test/ only). With roots set, Stryker's jest runner runs a mutant's
// tests as `jest --findRelatedTests <mutated file>` with the mutated file's folder added to the
// roots, and Jest then only walks imports through files inside the roots: a test that reaches
// rules/alerts/host.ts through rules/catalog.ts (outside test/ and rules/alerts/) was not found,
// the run selected no test file and the mutant "survived" with no test run (passWithNoTests).
// Without roots Jest's default is <rootDir>, every import chain is seen, and Stryker leaves the
// roots alone; testMatch keeps the tests to test/.
const { roots: _testRootsOnly, ...base } = require("./jest.config");

module.exports = {
  ...base,
  // Credits hook, describe-body and load-time coverage to the tests they serve, and bails once a
  // mutant is killed; the files that failed last and the fastest go first.
  testEnvironment: path.join(__dirname, "test/mutation/jestEnvironment.js"),
  testSequencer: path.join(__dirname, "test/mutation/testSequencer.js"),
  // Stops starting test files once a mutant is killed, instead of loading every remaining file.
  runner: path.join(__dirname, "test/mutation/testRunner.js"),
  testEnvironmentOptions: {
    // Files of 5 s and more on an idle machine (each test a whole program under mocks, the CLI, the
    // one-shot containers' binaries): what they load at import time is credited only to their
    // importCoverage tests (and the files listed there are slow too).
    slowFiles: ["^test/program/", "^test/cli/", "^test/tools/oneShots\\.test\\.ts$"],
    // Tests of slow files that check module-level data (the rule catalog, the bridge's defaults):
    // they are the ones a mutant of that data must run, not every test of the file.
    importCoverage: {
      "test/tools/promtool.test.ts": [
        "the rules as deployed pass every case",
        "the alerts it overrides still pass",
        "from both sides of its threshold",
        "test the value of every recording rule",
        "the catalog's defaults pass every case",
      ],
      "test/defaults.test.ts": [".*"],
      "test/bridge/server.test.ts": ["keeps idle connections", "is 413", "cut off after REQUEST_BODY_TIMEOUT_MS"],
    },
  },
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  testPathIgnorePatterns: [
    "/node_modules/",
    "<rootDir>/test/live/",
    "<rootDir>/test/docker/",
    "<rootDir>/test/cli/preflight\\.test\\.ts$",
    "<rootDir>/test/cli/doctorRules\\.test\\.ts$",
  ],
};
