/**
 * Test file order of mutation runs (jest.mutation.config.js). Jest runs the slowest files first to
 * keep its workers busy; with one worker per mutant and a bail on the first failure
 * (jestEnvironment.js), the files that failed for the previous mutant (often its neighbour in the
 * code, killed by the same test) and then the fastest files go first, so a mutant is killed as
 * early as possible and the slow files (programs under mocks, rule tools) run only when needed.
 */
const Sequencer = require("@jest/test-sequencer").default;

class FastFirstSequencer extends Sequencer {
  sort(tests) {
    const sizes = new Map();
    const size = (t) => (sizes.has(t.path) ? sizes.get(t.path) : sizes.set(t.path, t.context.hasteFS.getSize(t.path) || 0).get(t.path));
    for (const t of tests) t.duration = this.time(t);
    return [...tests].sort((a, b) => {
      const failedA = this.hasFailed(a);
      const failedB = this.hasFailed(b);
      if (failedA !== failedB) return failedA ? -1 : 1;
      if ((a.duration != null) !== (b.duration != null)) return a.duration != null ? -1 : 1;
      if (a.duration != null && b.duration != null && a.duration !== b.duration) return a.duration - b.duration;
      return size(a) - size(b);
    });
  }
}

module.exports = FastFirstSequencer;
