// @ts-check
/**
 * `npm run lint` (part of `npm test`): ESLint's and typescript-eslint's recommended rules, with type
 * information for the TypeScript, over every file the project owns. Prettier owns the layout
 * (eslint-config-prettier, last, turns off every rule that would argue with it).
 *
 * The exceptions are the per-folder blocks below, each with its reason; an inline
 * `eslint-disable` must say why (`-- reason`) and is an error once it no longer silences anything.
 */
import js from "@eslint/js";
import comments from "@eslint-community/eslint-plugin-eslint-comments/configs";
import prettier from "eslint-config-prettier/flat";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  // Installed, downloaded or generated: not ours to lint.
  globalIgnores(["node_modules/", "reports/", ".tools/", "tools/", "bridge/dist/", "bin/", "dist/", "rendered/", "coverage/", ".tmp/", ".stryker-tmp/"]),
  {
    linterOptions: { reportUnusedDisableDirectives: "error", reportUnusedInlineConfigs: "error" },
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  comments.recommended,
  {
    files: ["**/*.ts"],
    // One program from tsconfig.json for every file: cheaper than a project service per file.
    languageOptions: { parserOptions: { project: "./tsconfig.json", tsconfigRootDir: import.meta.dirname } },
  },
  {
    rules: {
      // The bridge, the CLI and the harnesses are mostly async: a promise nobody awaits loses its error.
      "@typescript-eslint/no-floating-promises": "error",
      // `x != null` is the one loose comparison kept: null or undefined, as the idiom says.
      eqeqeq: ["error", "always", { null: "ignore" }],
      // A `let` assigned once but read first by a closure (a timer its own callback clears) must stay a `let`.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
      // Programs report through their logger or their return value; only the command-line entry points print (below).
      "no-console": "error",
      // The same convention as tsc's noUnusedLocals/noUnusedParameters: a leading underscore marks a name kept on purpose.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // `unknown` narrowed to non-nullish is `{}`: parsed values are turned into text on purpose (String(v)),
      // and a real object still reports under its own type name.
      "@typescript-eslint/no-base-to-string": ["error", { ignoredTypeNames: ["Error", "RegExp", "URL", "URLSearchParams", "{}"] }],
      // Passing on what a catch caught is not inventing a non-Error reason.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
      "@eslint-community/eslint-comments/require-description": "error",
      "@eslint-community/eslint-comments/disable-enable-pair": ["error", { allowWholeFile: true }],
    },
  },
  {
    // Command-line programs: printing is their output.
    files: ["cli/**", "bench/**", "scripts/**"],
    rules: { "no-console": "off" },
  },
  {
    // The validators reject control characters in names, secrets and prefixes: the ranges are meant.
    files: ["config/**"],
    rules: { "no-control-regex": "off" },
  },
  {
    // The tests, the benchmarks and the harness they share (harness/).
    files: ["test/**", "bench/**", "harness/**"],
    rules: {
      // They parse the YAML, JSON and HTTP bodies they check into `any` and read them by path; a wrong
      // path fails the assertion, which is the check the type would give.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      // Stand-ins implement async interfaces with `async () => value`.
      "@typescript-eslint/require-await": "off",
      // jest.isolateModules loads the program afresh with require, and the ESM-only lezer parsers load
      // through require(esm), which TypeScript's node16 CommonJS output would refuse as an import.
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    // The CommonJS files (Jest's and dependency-cruiser's configuration, the mutation run's Jest plug-ins)
    // are outside the TypeScript project: no type information.
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  prettier,
);
