const os = require("os");
const path = require("path");

/** Pure, program (mocks) and tool tiers all live under test/; the live tier is test/live. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testTimeout: 60000,
  // Jest's default is one worker per core less one: on the 2-core CI machines, one worker, so the
  // docker and live tiers, which mostly wait on engines, timers and scrapes, ran one after another
  // with a core idle. Three workers overlap those waits; ports stay apart per worker
  // (harness/ports.ts) and each docker test file has its own engine.
  maxWorkers: 3,
  // Under ~/.cache so a warm CI run keeps the transform cache and the suite timings Jest uses to
  // start the slowest files first.
  cacheDirectory: path.join(os.homedir(), ".cache", "tutordex-observability", "jest"),
};
