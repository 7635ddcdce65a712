import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PUBLISHED, ROOT } from "./published";

/** What the registry shows a stranger about each package, kept the same everywhere. */
interface Manifest {
  license?: string;
  engines?: { node?: string };
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  publishConfig?: { access?: string; provenance?: boolean };
  scripts?: Record<string, string>;
  files?: string[];
  peerDependencies?: Record<string, string>;
}

const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const root = JSON.parse(read("package.json")) as Manifest;

describe.each(PUBLISHED)("$name package.json", (pkg) => {
  const manifest = JSON.parse(read(`${pkg.dir}/package.json`)) as Manifest;

  it("has the root's engines range and license", () => {
    expect(manifest.engines?.node).toBe(root.engines?.node);
    expect(manifest.license).toBe("MIT");
  });

  it("points at its directory of the repository, with homepage and issue tracker", () => {
    expect(manifest.repository).toEqual({ ...root.repository, directory: pkg.dir });
    expect(manifest.homepage).toBe(
      `${root.homepage?.replace(/#readme$/, "")}/tree/main/${pkg.dir}#readme`,
    );
    expect(manifest.bugs).toEqual(root.bugs);
  });

  it("publishes publicly, with provenance", () => {
    expect(manifest.publishConfig).toEqual({ access: "public", provenance: true });
  });

  it("builds itself when packed, so no tarball ships without dist/", () => {
    expect(manifest.scripts?.prepack).toBe("pnpm run build");
  });

  it("ships the root LICENSE, a README and a CHANGELOG", () => {
    expect(manifest.files).toEqual(expect.arrayContaining(["dist", "LICENSE", "CHANGELOG.md"]));
    expect(read(`${pkg.dir}/LICENSE`)).toBe(read("LICENSE"));
    expect(existsSync(join(ROOT, pkg.dir, "README.md"))).toBe(true);
    expect(read(`${pkg.dir}/CHANGELOG.md`)).toMatch(new RegExp(`^# ${pkg.name}\\n`));
  });
});

describe("@keyguard/nestjs peers", () => {
  it("accept NestJS 10, 11 and 12", () => {
    const { peerDependencies: peers = {} } = JSON.parse(
      read("packages/nestjs/package.json"),
    ) as Manifest;
    for (const name of ["@nestjs/common", "@nestjs/core"])
      expect(peers[name]).toBe("^10.0.0 || ^11.0.0 || ^12.0.0");
  });
});

describe(".changeset", () => {
  it("holds changesets whose front matter names published packages and a bump", () => {
    const published = PUBLISHED.map((pkg) => pkg.name);
    const files = readdirSync(join(ROOT, ".changeset")).filter(
      (file) => file.endsWith(".md") && file !== "README.md",
    );
    for (const file of files) {
      // A Markdown formatter turns the closing `---` into a heading underline: caught here.
      const front = /^---\n((?:"[^"]+": (?:patch|minor|major)\n)+)---\n\n\S/.exec(
        read(`.changeset/${file}`),
      );
      expect(front, `.changeset/${file}: front matter`).not.toBeNull();
      for (const [, name] of front?.[1]?.matchAll(/"([^"]+)"/g) ?? [])
        expect(published, `.changeset/${file}`).toContain(name);
    }
  });
});
