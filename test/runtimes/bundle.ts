import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const HERE = fileURLToPath(new URL("./", import.meta.url));

/** The bundled entries, one self-contained ES module per runtime. */
export interface Bundles {
  readonly dir: string;
  readonly bun: string;
  readonly deno: string;
  readonly worker: string;
}

/**
 * Bundles the runtime entries (app/*.ts) with esbuild as a user's bundler would for
 * a non-Node target: no `node` export condition, so @keyguard/core resolves to its
 * Web build (fetch transport, @noble/hashes, no diagnostics_channel). The built
 * packages' dist is what gets bundled: run `pnpm build` first (`pnpm test` does).
 */
export async function bundleEntries(): Promise<Bundles> {
  const dir = await mkdtemp(join(tmpdir(), "keyguard-runtimes-"));
  const result = await build({
    entryPoints: ["bun", "deno", "worker"].map((name) => join(HERE, "app", `${name}.ts`)),
    outdir: dir,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    conditions: ["worker", "browser"],
    logLevel: "silent",
    metafile: true,
  });
  const inputs = Object.keys(result.metafile.inputs);
  const nodeOnly = inputs.filter((path) =>
    /\/(hash|http|telemetry)\/node\b|index\.node\./.test(path),
  );
  if (nodeOnly.length > 0) throw new Error(`the Web bundle pulled Node modules: ${nodeOnly}`);
  return {
    dir,
    bun: join(dir, "bun.js"),
    deno: join(dir, "deno.js"),
    worker: join(dir, "worker.js"),
  };
}
