import { packageBuild } from "../tsup.shared";

export default [
  // shims: the CommonJS build gets `import.meta.url` too, by which the console finds static/.
  packageBuild(["src/index.ts"], { shims: true }),
  packageBuild(["src/cli.ts"], { format: ["esm"], dts: false, clean: false, platform: "node" }),
];
