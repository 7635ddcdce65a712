import { fileURLToPath } from "node:url";
import swc from "unplugin-swc";
import { defineProject, type Plugin } from "vitest/config";

const HERE = fileURLToPath(new URL("./", import.meta.url));

/**
 * Resolves NestJS, rxjs and reflect-metadata as if this package imported them,
 * wherever the import is written: the harnesses in test/conformance and the
 * @keyguard/nestjs build would otherwise find the NestJS 11 of their own
 * node_modules. One copy of each for the whole app, as a user's install has.
 */
function nest12(): Plugin {
  return {
    name: "keyguard:nest12",
    enforce: "pre",
    resolveId(id, _importer, options) {
      if (!/^(@nestjs\/[^/]+|rxjs|reflect-metadata)(\/|$)/.test(id)) return null;
      return this.resolve(id, `${HERE}package.json`, { ...options, skipSelf: true });
    },
  };
}

export default defineProject({
  // The NestJS harnesses need decorator metadata, which esbuild does not emit: SWC does.
  plugins: [nest12(), swc.vite({ module: { type: "es6" } })],
  test: {
    name: "conformance (nest 12)",
    root: fileURLToPath(new URL("../", import.meta.url)),
    include: [
      "conformance/conformance.test.ts",
      "conformance/ratelimit.test.ts",
      "nest12/*.test.ts",
    ],
    env: { KEYGUARD_CONFORMANCE_HARNESSES: "nestjs-express,nestjs-fastify" },
    // Transformed by Vite rather than loaded by Node, so that its own imports of
    // @nestjs/* go through the plugin above too.
    server: { deps: { inline: [/@keyguard\//, /packages\/[^/]+\/dist\//] } },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
