import { packageBuild } from "../tsup.shared";

// The CJS build warns `Entry module "dist/index.cjs" is using named and default
// exports together` (Rollup's MIXED_EXPORTS, from tsup's tree-shaking pass). That
// is the intended shape: Fastify plugins are conventionally a default export, and
// DESIGN.md also names `keyguard`, so `require("@keyguard/fastify")` gives both
// `.keyguard` and `.default` (test/packaging/consumer.test.ts checks each). tsup
// offers no way to pass Rollup `output.exports: "named"`, which would only mute it.
export default packageBuild(["src/index.ts"]);
