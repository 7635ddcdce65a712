import { builtinModules } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const NODE_BUILTINS = builtinModules.flatMap((name) =>
  name.startsWith("node:") ? [name] : [name, `node:${name}`],
);
const WORKERS = fileURLToPath(new URL("./edge-workers/", import.meta.url));

/** A Worker entry of ./edge-workers, bundled as a Workers build would. */
export interface EdgeBundle {
  /** The minified module. */
  readonly code: string;
  /** Its size after gzip -9, the size a Worker upload is measured by. */
  readonly gzipBytes: number;
  /** The modules with code in the bundle, as esbuild's metafile names them (paths under node_modules). */
  readonly inputs: readonly string[];
  /** The Node built-ins the bundle imports, `node:` or bare (kept external, so that the build gets this far). */
  readonly nodeImports: readonly string[];
}

/**
 * Bundles `edge-workers/<name>.ts` from the packages' built `dist/` (run `pnpm build`) the
 * way Wrangler bundles a Worker: esbuild, `platform: "neutral"`, the `workerd`, `worker` and
 * `browser` conditions (so never the `node` one), minified; then gzip level 9.
 */
export async function bundleWorker(
  name: string,
  conditions: readonly string[] = ["workerd", "worker", "browser"],
): Promise<EdgeBundle> {
  const result = await build({
    entryPoints: [join(WORKERS, `${name}.ts`)],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    conditions: [...conditions],
    // Neutral reads no main field by default; Wrangler reads these (ipaddr.js has only `main`).
    mainFields: ["module", "main"],
    // External, so that a Node import shows in the metafile rather than failing the build.
    external: NODE_BUILTINS,
    minify: true,
    metafile: true,
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  const [meta] = Object.values(result.metafile.outputs);
  if (output === undefined || meta === undefined)
    throw new Error(`esbuild wrote nothing for ${name}`);
  // What the output holds: esbuild reads every module an import names, drops the unused ones.
  const inputs = Object.entries(meta.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path);
  const nodeImports = meta.imports
    .filter((i) => i.external && NODE_BUILTINS.includes(i.path))
    .map((i) => i.path);
  return {
    code: output.text,
    gzipBytes: gzipSync(output.contents, { level: 9 }).length,
    inputs,
    nodeImports: [...new Set(nodeImports)],
  };
}

/** Whether the bundle holds a module of this npm package. */
export const holdsPackage = (bundle: EdgeBundle, name: string) =>
  bundle.inputs.some((path) => path.includes(`/node_modules/${name}/`));
