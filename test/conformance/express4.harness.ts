import { createRequire } from "node:module";
import { type ExpressFactory, startExpressApp } from "./express.harness";
import type { AdapterHarness } from "./harness";

// Express 4 is installed as the `express4` alias (test/package.json); it ships no types of its own.
const express4 = createRequire(import.meta.url)("express4") as ExpressFactory;

/** Express 4, within the same peer range and the same app as Express 5. */
export const express4Harness: AdapterHarness = {
  name: "express4",
  start: (options, hooks) => startExpressApp(express4, options, hooks),
};
