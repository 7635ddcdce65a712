import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "types (Register)",
    root: import.meta.dirname,
    // Type tests only, in a program of their own: the `Register` they declare types every
    // file of the program, so test/types (the defaults) must not see it.
    include: [],
    typecheck: {
      enabled: true,
      only: true,
      include: ["*.test-d.ts"],
      tsconfig: "./tsconfig.json",
    },
  },
});
