/**
 * The layering of the program (issue 26), checked by `npm run boundaries` in `npm test`:
 *
 *   shared/  ←  config/  ←  rules/, dashboards/, generators/  ←  components/  ←  index.ts, cli/
 *
 * rules/ and dashboards/ are what generators/ renders, so they never import generators/ (and rules/
 * never imports dashboards/). The Telegram bridge and the simulated TutorDex are bundled on their
 * own into stock Node images: they stand alone, reaching only shared/ (and the bridge the two
 * rule modules the stack schema applies too). No cycles, type-only imports included.
 *
 * Beside the program: harness/ holds the fakes, fixtures and stack harnesses the tests and the
 * benchmarks share; both import it, it imports neither, bench/ never imports test/ (test/ may
 * import bench/, to test a benchmark's pure parts), and the program imports none of the three.
 */
const LAYERS = "^(index\\.ts|cli|components|generators|rules|dashboards|policy|scripts|bench|test|harness)(/|$)";

module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "an import cycle ties modules that should be read and tested one by one",
      from: {},
      to: { circular: true },
    },
    {
      name: "shared-imports-nothing",
      severity: "error",
      comment: "shared/ is bundled into the bridge, the simulator and the stand-ins: a module it imported would ride along",
      from: { path: "^shared/" },
      to: { pathNot: "^shared/", dependencyTypesNot: ["core"] },
    },
    {
      name: "config-is-the-bottom",
      severity: "error",
      comment: "config/ holds the facts every layer reads; it imports only shared/ and itself",
      from: { path: "^config/", pathNot: "^config/schema\\.ts$" },
      to: { path: `${LAYERS}|^bridge/|^simulator/` },
    },
    {
      name: "schema-reads-only-the-catalog",
      severity: "error",
      // The one exception to config-is-the-bottom: the schema refuses an alertOverrides key that
      // names no alert, a threshold for an alert without one and a Watchdog that would not fire, so
      // it reads the typed catalog, whose modules import config/ leaves but never the schema.
      comment: "config/schema.ts imports rules/catalog.ts and nothing else above config/",
      from: { path: "^config/schema\\.ts$" },
      to: { path: `${LAYERS}|^bridge/|^simulator/`, pathNot: "^rules/catalog\\.ts$" },
    },
    {
      name: "rules-and-dashboards-below-generators",
      severity: "error",
      comment: "generators/ renders rules and dashboards into files; they do not render themselves",
      from: { path: "^(rules|dashboards)/" },
      to: { path: "^(generators|components|cli|policy|scripts|bench|test|harness)/|^index\\.ts$|^bridge/|^simulator/" },
    },
    {
      name: "rules-below-dashboards",
      severity: "error",
      comment: "dashboards reuse alert expressions, not the other way round",
      from: { path: "^rules/" },
      to: { path: "^dashboards/" },
    },
    {
      name: "generators-below-components",
      severity: "error",
      comment: "generators/ is pure (config → file text); Pulumi resources live in components/",
      from: { path: "^generators/" },
      to: { path: "^(components|cli|policy|scripts|bench|test|harness)/|^index\\.ts$|^bridge/|^simulator/" },
    },
    {
      name: "components-below-entry-points",
      severity: "error",
      from: { path: "^components/" },
      to: { path: "^(cli|scripts|bench|test|harness)/|^index\\.ts$|^bridge/|^simulator/" },
    },
    {
      name: "bridge-stands-alone",
      severity: "error",
      comment:
        "the bridge's bundle is uploaded into every stack's state: it takes shared/ and the three rule modules it shares with the stack schema, which import only each other",
      from: { path: "^bridge/src/" },
      to: {
        pathNot: "^(bridge/src|shared)/|^config/(sharedValidators|durations|consoleSettings)\\.ts$|node_modules",
        dependencyTypesNot: ["core"],
      },
    },
    {
      name: "simulator-stands-alone",
      severity: "error",
      comment: "the simulated TutorDex is bundled on its own for the demo workload and the live tier",
      from: { path: "^simulator/src/" },
      to: { pathNot: "^(simulator/src|shared)/|node_modules", dependencyTypesNot: ["core"] },
    },
    {
      name: "program-never-imports-tests",
      severity: "error",
      comment: "what is deployed never depends on the tests, the benchmarks or the fakes they share",
      from: { path: "^(index\\.ts|cli|components|generators|rules|dashboards|config|shared|policy|bridge/src|simulator/src)(/|$)" },
      to: { path: "^(test|bench|harness)/" },
    },
    {
      name: "bench-never-imports-tests",
      severity: "error",
      comment: "a harness a benchmark needs from the tests belongs in harness/, where both import it",
      from: { path: "^bench/" },
      to: { path: "^test/" },
    },
    {
      name: "harness-serves-tests-and-bench",
      severity: "error",
      comment: "harness/ is imported by test/ and bench/; importing either back would make it theirs",
      from: { path: "^harness/" },
      to: { path: "^(test|bench)/" },
    },
    {
      name: "scripts-never-import-tests",
      severity: "error",
      comment: "the repository's commands (gen, tools, mutation) never depend on code that changes for a test's sake",
      from: { path: "^scripts/" },
      to: { path: "^(test|bench|harness)/" },
    },
    { name: "no-unresolvable", severity: "error", from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|\\.tools|\\.stryker-tmp|reports)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js", ".json"] },
  },
};
