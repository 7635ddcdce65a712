import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "types",
    root: import.meta.dirname,
    // Type tests only: compiled by tsc under the strictest options
    // (exactOptionalPropertyTypes), never run.
    include: [],
    typecheck: {
      enabled: true,
      only: true,
      include: ["*.test-d.ts"],
      tsconfig: "./tsconfig.json",
    },
  },
});
