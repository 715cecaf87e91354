/**
 * The test selection of `npm run mutation` (stryker.config.json): every test that runs in seconds
 * against the files Stryker mutates. Left out, because they start engines or real stacks and
 * cannot kill anything the faster tiers do not: the live tier (test/live), the Docker engine tier
 * (test/docker), `obs preflight`, which starts a private Docker engine, and `obs doctor` against a
 * real Prometheus (test/cli/doctorRules.test.ts), which tests cli/ only.
 */
const path = require("path");
const base = require("./jest.config");

module.exports = {
  ...base,
  // Credits hook and describe-body coverage to the tests they serve, and bails once a mutant is killed.
  testEnvironment: path.join(__dirname, "test/mutation/jestEnvironment.js"),
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/live/", "<rootDir>/test/docker/", "<rootDir>/test/cli/preflight\\.test\\.ts$", "<rootDir>/test/cli/doctorRules\\.test\\.ts$"],
};
