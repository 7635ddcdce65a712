import { packageBuild } from "../tsup.shared";

export default [
  packageBuild(["src/index.ts"]),
  packageBuild(["src/cli.ts"], { format: ["esm"], dts: false, clean: false, platform: "node" }),
];
