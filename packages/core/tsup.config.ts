import { fileURLToPath } from "node:url";
import type { Options } from "tsup";
import { packageBuild } from "../tsup.shared";

type Plugin = NonNullable<Options["esbuildPlugins"]>[number];

// The Node build is the same source with node:crypto hashing in place of @noble/hashes.
const nodeHash: Plugin = {
  name: "keyguard-node-hash",
  setup(build) {
    build.onResolve({ filter: /\/hash\/web$/ }, () => ({
      path: fileURLToPath(new URL("./src/hash/node.ts", import.meta.url)),
    }));
  },
};

export default [
  packageBuild({ index: "src/index.ts" }),
  packageBuild(
    { "index.node": "src/index.ts" },
    { platform: "node", clean: false, esbuildPlugins: [nodeHash] },
  ),
];
