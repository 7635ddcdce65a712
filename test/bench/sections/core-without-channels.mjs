// The core's Node build with diagnostics_channel publishing compiled out: the same
// source and the same Node variants as packages/core/tsup.config.ts (node:crypto
// hashing, node:http transport) except telemetry, which keeps its no-op Web module.
// The telemetry section's baseline for "what publishing costs with nobody listening".
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const coreSrc = join(dirname(fileURLToPath(import.meta.url)), "../../../packages/core/src");

const nodeVariantsButTelemetry = {
  name: "keyguard-node-variants-but-telemetry",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /\/(hash|http)\/web$/ }, (args) => ({
      path: join(coreSrc, args.path.split("/").at(-2), "node.ts"),
    }));
  },
};

/** Builds and imports `@keyguard/core/adapter` without channel publishing (bundled, dependencies included). */
export async function importAdapterWithoutChannels() {
  const dir = mkdtempSync(join(tmpdir(), "keyguard-core-no-channels-"));
  const outfile = join(dir, "adapter.mjs");
  try {
    await build({
      entryPoints: [join(coreSrc, "adapter.ts")],
      outfile,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      plugins: [nodeVariantsButTelemetry],
      logLevel: "error",
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
