/**
 * The jest environment of `npm run mutation` (jest.mutation.config.js): the plain node environment
 * plus two things Stryker's jest runner lacks.
 *
 * Coverage of hooks and describe bodies. Stryker counts code that runs while no test is running
 * as "static", and can only test such a mutant by rerunning every test or by ignoring it. Much of
 * this project's product code runs in a describe body (a render shared by the tests under it) or
 * in a beforeAll hook (the whole program under mocks, once per file): that code serves the tests
 * of its block, so its coverage is credited to exactly those tests. What runs while a test file
 * loads (module-level catalogs, dashboards, schemas, the file's top-level code) serves every test
 * of the file: it is credited to all of them, except in the slow files of
 * testEnvironmentOptions.slowFiles (whole programs under mocks, real binaries), where it goes only to
 * the tests named in testEnvironmentOptions.importCoverage, so that a mutant of such data runs the
 * tests that check it and not every program of the tier. Slow by name, not by the dry run's clock:
 * on a loaded machine a fast file ran over any time limit, its tests lost the load-time coverage
 * and the mutants of module-level regexes and messages "survived" tests that kill them.
 *
 * Bail. Once a test has failed for the active mutant, the mutant is killed: the rest of the run
 * is skipped, beforeAll hooks (whole programs, started servers) included. Jest's own `bail` is
 * not available to Stryker (it sets bail: false); a mutant that survives still runs every test
 * that covers it.
 *
 * Programs once per mutant. A mutant's run gives every test file the same cache
 * (`__mutationRunCache__`), in which test/support/program.ts keeps each program it ran under
 * mocks by its inputs: the eight files that run prod's committed stack run it once. Only while a
 * mutant is active: the dry run must see every file execute the code it covers.
 *
 * Outside Stryker (no `__stryker__` coverage, no active mutant) it is the plain node environment.
 */
const { TestEnvironment } = require("jest-environment-node");

/** The mutant whose run already has a failing test. Module scope: shared by every test file of a run in this worker. */
let killedMutant;
/** Programs computed under the active mutant, shared by the test files of its run. */
let runCache = { mutant: undefined, entries: new Map() };
const activeMutant = () => process.env.__STRYKER_ACTIVE_MUTANT__;

/** Stryker's test id: the names of the enclosing describe blocks and the test's, space-separated. */
function fullName(test) {
  const names = [];
  for (let b = test.parent; b && b.parent; b = b.parent) names.unshift(b.name);
  return `${names.join(" ")} ${test.name}`.trimStart();
}

function testsUnder(block) {
  return block.children.flatMap((c) => (c.type === "test" ? [c] : testsUnder(c)));
}

class MutationEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    const rel = require("path").relative(config.projectConfig.rootDir, context.testPath).split(require("path").sep).join("/");
    const options = (config.projectConfig.testEnvironmentOptions || {}).importCoverage || {};
    /** Full-name patterns of the tests of this (slow) file that get its import-time coverage. */
    this.importCoverageTests = (options[rel] || []).map((p) => new RegExp(p));
    const slowFiles = (config.projectConfig.testEnvironmentOptions || {}).slowFiles || [];
    /** Whether this file's import-time coverage goes only to its importCoverage tests. */
    this.slow = rel in options || slowFiles.some((p) => new RegExp(p).test(rel));
    this.describeStack = [];
    this.hookSnapshots = new Map();
    const mutant = activeMutant();
    if (mutant !== undefined) {
      if (runCache.mutant !== mutant) runCache = { mutant, entries: new Map() };
      this.global.__mutationRunCache__ = runCache.entries;
    }
    this.pending = [];
  }

  async setup() {
    await super.setup();
    const cov = this.coverage();
    if (cov) {
      this.importSnapshot = { ...cov.static };
    }
  }

  bail(event, mutant) {
    if (event.name === "test_done" && event.test.errors.length > 0) killedMutant = mutant;
    if (event.name === "hook_failure") killedMutant = mutant;
    if (killedMutant !== mutant) return;
    // Checked by jest right after these events: a skipped block runs no hooks, a skipped test no body.
    // Not a test that already holds a failed beforeAll's error (jest adds it to every test under the
    // hook's block, and runs no body for them): skipped, it would pass, and a mutant that breaks a
    // hook (a program that no longer loads) would "survive" with no test completed.
    if (event.name === "run_describe_start" && !testsUnder(event.describeBlock).some((t) => t.errors.length > 0))
      event.describeBlock.mode = "skip";
    if (event.name === "test_start" && event.test.errors.length === 0) event.test.mode = "skip";
  }

  coverage() {
    const ns = this.global[this.global.__strykerGlobalNamespace__ || "__stryker__"];
    if (!ns || ns.currentTestId) return undefined;
    if (!ns.mutantCoverage) ns.mutantCoverage = { static: {}, perTest: {} };
    return ns.mutantCoverage;
  }

  /** Static hits since `snapshot`, taken back from static coverage. */
  takeStaticSince(cov, snapshot) {
    const delta = {};
    for (const [id, n] of Object.entries(cov.static)) {
      const d = n - (snapshot[id] || 0);
      if (d > 0) {
        delta[id] = d;
        if (n - d > 0) cov.static[id] = n - d;
        else delete cov.static[id];
      }
    }
    return delta;
  }

  credit(cov, block, delta, only = () => true) {
    if (Object.keys(delta).length === 0) return;
    for (const test of testsUnder(block).filter(only)) {
      const id = fullName(test);
      const hits = (cov.perTest[id] = cov.perTest[id] || {});
      for (const [m, n] of Object.entries(delta)) hits[m] = (hits[m] || 0) + n;
    }
  }

  handleTestEvent(event, state) {
    const mutant = activeMutant();
    if (mutant !== undefined) return this.bail(event, mutant);
    const cov = this.coverage();
    if (!cov) return;
    switch (event.name) {
      case "start_describe_definition":
        this.describeStack.push({ ...cov.static });
        break;
      case "finish_describe_definition": {
        // Jest has already stepped back to the parent, whose last child is the block just defined.
        const parent = state.currentDescribeBlock;
        const block = parent.children[parent.children.length - 1];
        const delta = this.takeStaticSince(cov, this.describeStack.pop() || {});
        // Tests are known once the whole file is defined; credit them then.
        this.pending.push([block, delta]);
        break;
      }
      case "run_start":
        for (const [block, delta] of this.pending) this.credit(cov, block, delta);
        this.pending = [];
        break;
      case "run_finish": {
        if (!this.importSnapshot) break;
        const delta = this.takeStaticSince(cov, this.importSnapshot);
        const root = state.rootDescribeBlock;
        this.credit(cov, root, delta, this.slow ? (t) => this.importCoverageTests.some((re) => re.test(fullName(t))) : undefined);
        break;
      }
      case "hook_start":
        if (event.hook.type === "beforeAll") this.hookSnapshots.set(event.hook, { ...cov.static });
        break;
      case "hook_success":
      case "hook_failure":
        if (event.hook.type === "beforeAll" && this.hookSnapshots.has(event.hook)) {
          this.credit(cov, event.hook.parent, this.takeStaticSince(cov, this.hookSnapshots.get(event.hook)));
          this.hookSnapshots.delete(event.hook);
        }
        break;
      default:
    }
  }
}

module.exports = MutationEnvironment;
