import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PUBLISHED, ROOT } from "./published";

/**
 * A stranger copies a README's install line, then its examples. The line must
 * name every package the examples import (under pnpm, an import of a package
 * that is not a direct dependency fails) and every required peer dependency.
 */
interface Manifest {
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const INSTALL = /^\s*(?:npm (?:install|i|add)|pnpm add|yarn add|bun add)\s+(.*)$/;
const IMPORT = /\b(?:from|import|require\(|import\()\s*"([^"]+)"/g;

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`; undefined for relative and built-in modules. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("node:")) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The fenced code blocks of a Markdown file, with their language. */
function codeBlocks(markdown: string): Array<{ lang: string; code: string }> {
  return [...markdown.matchAll(/^```(\w*)[^\n]*\n([\s\S]*?)^```/gm)].map((m) => ({
    lang: m[1] ?? "",
    code: m[2] ?? "",
  }));
}

function installed(blocks: ReturnType<typeof codeBlocks>): Set<string> {
  const names = new Set<string>();
  for (const { lang, code } of blocks) {
    if (!["sh", "bash", "shell", ""].includes(lang)) continue;
    for (const line of code.split("\n")) {
      const args = INSTALL.exec(line.replace(/#.*$/, ""))?.[1];
      for (const arg of args?.split(/\s+/) ?? []) {
        if (arg === "" || arg.startsWith("-")) continue;
        // `name@range`, `@scope/name@range`
        names.add(arg.replace(/^(@?[^@]+)@.*$/, "$1"));
      }
    }
  }
  return names;
}

function imported(blocks: ReturnType<typeof codeBlocks>): Set<string> {
  const names = new Set<string>();
  for (const { lang, code } of blocks) {
    if (!["ts", "typescript", "js", "javascript", "tsx", "mjs", "cjs"].includes(lang)) continue;
    for (const [, specifier] of code.matchAll(IMPORT)) {
      const name = specifier === undefined ? undefined : packageOf(specifier);
      if (name !== undefined) names.add(name);
    }
  }
  return names;
}

describe.each(PUBLISHED)("$name README", (pkg) => {
  const readme = readFileSync(join(ROOT, pkg.dir, "README.md"), "utf8");
  const manifest = JSON.parse(
    readFileSync(join(ROOT, pkg.dir, "package.json"), "utf8"),
  ) as Manifest;
  const blocks = codeBlocks(readme);

  it("has an install line naming the package itself", () => {
    expect([...installed(blocks)]).toContain(pkg.name);
  });

  it("names every package its examples import in its install line", () => {
    const line = installed(blocks);
    expect([...imported(blocks)].filter((name) => !line.has(name))).toEqual([]);
  });

  it("names every required peer dependency in its install line", () => {
    const line = installed(blocks);
    const peers = Object.keys(manifest.peerDependencies ?? {}).filter(
      (name) => manifest.peerDependenciesMeta?.[name]?.optional !== true,
    );
    expect(peers.filter((name) => !line.has(name))).toEqual([]);
  });
});
