// The core's adapter kit built twice by one recipe (esbuild, one bundle, dependencies
// included), with the Node variants of packages/core/tsup.config.ts (node:crypto
// hashing, node:http transport): with diagnostics_channel publishing, and with it
// compiled out (telemetry keeps its no-op Web module). Built alike, the two differ
// only in the channel code: the telemetry section's A/B for "what publishing costs
// with nobody listening".
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const coreSrc = join(dirname(fileURLToPath(import.meta.url)), "../../packages/core/src");

const nodeVariants = (channels) => ({
  name: "keyguard-node-variants",
  setup(pluginBuild) {
    const filter = channels ? /\/(hash|http|telemetry)\/web$/ : /\/(hash|http)\/web$/;
    pluginBuild.onResolve({ filter }, (args) => ({
      path: join(args.resolveDir, `${args.path.slice(0, -"web".length)}node.ts`),
    }));
  },
});

/** Builds and imports `@keyguard/core/adapter` for Node, with or without channel publishing. */
export async function importAdapter({ channels }) {
  const dir = mkdtempSync(join(tmpdir(), "keyguard-core-variant-"));
  const outfile = join(dir, "adapter.mjs");
  try {
    await build({
      entryPoints: [join(coreSrc, "adapter.ts")],
      outfile,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      plugins: [nodeVariants(channels)],
      logLevel: "error",
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
