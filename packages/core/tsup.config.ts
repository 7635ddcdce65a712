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
// client-address is an entry of its own, published under no export: that puts it, and its
// import of ipaddr.js (CommonJS, which a bundler must keep once imported), in a chunk
// that only `identify.ip()` reaches, so that an edge bundle without it drops ipaddr.js.
const entries = (suffix: string) => ({
  [`index${suffix}`]: "src/index.ts",
  [`adapter${suffix}`]: "src/adapter.ts",
  [`client-address${suffix}`]: "src/ratelimit/client-address.ts",
});
const declared = (suffix: string) => ({
  entry: { [`index${suffix}`]: "src/index.ts", [`adapter${suffix}`]: "src/adapter.ts" },
});

export default [
  packageBuild(entries(""), { splitting: true, dts: declared("") }),
  packageBuild(entries(".node"), {
    platform: "node",
    clean: false,
    splitting: true,
    dts: declared(".node"),
    esbuildPlugins: [nodeVariants],
  }),
];
