import { join } from "node:path";
import type { Options } from "tsup";
import { packageBuild } from "../tsup.shared";

type Plugin = NonNullable<Options["esbuildPlugins"]>[number];

// The Node build is the same source with node:crypto hashing in place of @noble/hashes,
// node:http in place of fetch, and diagnostics_channel telemetry in place of none:
// each `<concern>/web` import resolves to `<concern>/node`, beside it (hash/, telemetry/,
// transport/http/).
const nodeVariants: Plugin = {
  name: "keyguard-node-variants",
  setup(build) {
    build.onResolve({ filter: /\/(hash|http|telemetry)\/web$/ }, (args) => ({
      path: join(args.resolveDir, `${args.path.slice(0, -"web".length)}node.ts`),
    }));
  },
};

// Two entries (the user API and the adapter kit) share one copy of every module
// (code splitting), so an error class is the same class whichever entry it came from.
export default [
  packageBuild({ index: "src/index.ts", adapter: "src/adapter.ts" }, { splitting: true }),
  packageBuild(
    { "index.node": "src/index.ts", "adapter.node": "src/adapter.ts" },
    { platform: "node", clean: false, splitting: true, esbuildPlugins: [nodeVariants] },
  ),
];
