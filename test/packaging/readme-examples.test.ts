import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedTarballs } from "./pack-all";
import { installConsumer } from "./pins/consumer-project";
import { report } from "./pins/drift-report";
import { pinsMode } from "./pins/mode";
import { thirdPartyPackage } from "./pins/third-party";
import { PUBLISHED, ROOT } from "./published";

const run = promisify(execFile);

/**
 * What a stranger does with a README: install the packed tarballs into an npm
 * project (test/packaging/consumers/readme-examples, at the versions of its
 * checked-in lock; NestJS 12 for the Nest examples), copy each ```ts block into a
 * file of its own, and compile it with the strictest TypeScript settings. Every
 * block must compile as written: placeholders are declared in the block,
 * imports are complete. A block that is a fragment on purpose is skipped only
 * when the line right before it is `<!-- not compiled: reason -->`; skipped
 * blocks are listed in the output.
 *
 * A block that declares something for the whole program (`declare module "…"`, such as
 * the `Register` that types keys' `meta`, or `declare global`) is compiled in a program
 * of its own: its declarations type no other block. Every other block shares one program
 * in which nothing is declared, as in a project that copied that block alone.
 */
const READMES = ["README.md", ...PUBLISHED.map((pkg) => `${pkg.dir}/README.md`)];

const SKIP = /^<!--\s*not compiled:\s*(.+?)\s*-->$/;

interface Block {
  readme: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** The file the block is written to, relative to the consumer project. */
  file: string;
  nest: boolean;
  /** Declares for the whole program (module augmentation, globals): compiled on its own. */
  declares: boolean;
}

interface Skipped {
  readme: string;
  line: number;
  reason: string;
}

function extract(readme: string): { blocks: Block[]; skipped: Skipped[] } {
  const lines = readFileSync(join(ROOT, readme), "utf8").split("\n");
  const blocks: Block[] = [];
  const skipped: Skipped[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(`{3,})(\S*)/.exec(lines[i] ?? "");
    if (!fence) continue;
    const [, ticks = "```", lang = ""] = fence;
    const start = i;
    let end = i + 1;
    while (end < lines.length && lines[end]?.trimEnd() !== ticks) end++;
    i = end;
    if (lang !== "ts" && lang !== "typescript") continue;
    let before = start - 1;
    while (before >= 0 && lines[before]?.trim() === "") before--;
    const reason = SKIP.exec(lines[before]?.trim() ?? "")?.[1];
    if (reason !== undefined) {
      skipped.push({ readme, line: start + 1, reason });
      continue;
    }
    const code = lines.slice(start + 1, end).join("\n");
    const name = readme.replace(/\/?README\.md$/, "").replace(/\//g, "-") || "root";
    blocks.push({
      readme,
      line: start + 1,
      code,
      file: `examples/${name}-L${start + 1}.ts`,
      nest: /from "@(?:keyguard\/nestjs|nestjs\/[^"]+)"/.test(code),
      declares: /^\s*declare (?:module\s+["']|global\b)/m.test(code),
    });
  }
  return { blocks, skipped };
}

const extracted = READMES.map(extract);
const blocks = extracted.flatMap((e) => e.blocks);
const skipped = extracted.flatMap((e) => e.skipped);

/**
 * The strictest settings a user might build with: every check of `@tsconfig/strictest`
 * (tsconfig/bases), `noPropertyAccessFromIndexSignature` included (an undeclared `meta.plan`
 * or `process.env.X` fails as it does for that user) and `noUnusedLocals`/`noUnusedParameters`
 * (an example carries no unused import or parameter), with `skipLibCheck: false` and
 * `verbatimModuleSyntax` on top. NodeNext rather than Bundler:
 * it is what Node itself does (ESM here, `"type": "module"`), so it also checks
 * that each package's `exports` resolve to types under the `import` condition,
 * and it is the stricter of the two (no extensionless relative imports, no
 * `exports`-less fallbacks). `lib` has DOM for `Response`/`fetch` in the
 * framework-neutral examples; `types: ["node"]` for `process.env`.
 */
const BASE = {
  strict: true,
  allowUnusedLabels: false,
  allowUnreachableCode: false,
  noUncheckedIndexedAccess: true,
  noPropertyAccessFromIndexSignature: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  exactOptionalPropertyTypes: true,
  noImplicitOverride: true,
  noImplicitReturns: true,
  noFallthroughCasesInSwitch: true,
  forceConsistentCasingInFileNames: true,
  esModuleInterop: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  moduleDetection: "force",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  target: "ES2023",
  lib: ["ES2023", "DOM", "DOM.Iterable"],
  types: ["node"],
  skipLibCheck: false,
  noEmit: true,
};

const NEST_OPTIONS = { ...BASE, experimentalDecorators: true, emitDecoratorMetadata: true };

interface Tsconfig {
  compilerOptions: typeof BASE;
  files: string[];
}

/**
 * The tsconfigs to compile, by file name: the shared program (its Nest blocks apart, for
 * the decorator options), and one program per block that declares for the whole program.
 * Those check their block only (`skipLibCheck`): the declarations they load are the shared
 * programs', checked there under the same options (again, they would cost about 30 s a block).
 */
function tsconfigs(): Record<string, Tsconfig> {
  const shared = blocks.filter((b) => !b.declares);
  const configs: Record<string, Tsconfig> = {
    "tsconfig.json": {
      compilerOptions: BASE,
      files: shared.filter((b) => !b.nest).map((b) => b.file),
    },
    "tsconfig.nest.json": {
      compilerOptions: NEST_OPTIONS,
      files: shared.filter((b) => b.nest).map((b) => b.file),
    },
  };
  for (const block of blocks.filter((b) => b.declares)) {
    configs[`tsconfig.${basename(block.file, ".ts")}.json`] = {
      compilerOptions: { ...(block.nest ? NEST_OPTIONS : BASE), skipLibCheck: true },
      files: [block.file],
    };
  }
  return configs;
}

let workdir: string;
let project: string;
/** Compile errors, as "README:line:col message", by README. */
const errors = new Map<string, string[]>();
/** Errors in keyguard's own declarations, the tsconfigs, or anything else but a README block. */
const OUTSIDE = "(outside a README block)";
/** Errors inside a third party's declarations (node_modules/, @keyguard/* aside), as "package: error". */
const thirdPartyErrors: string[] = [];

/** Runs tsc on one tsconfig and files each error under the README line it comes from. */
async function compile(config: string): Promise<void> {
  const byFile = new Map(blocks.map((b) => [b.file, b]));
  const result = await run(
    "node",
    ["node_modules/typescript/bin/tsc", "-p", config, "--pretty", "false"],
    { cwd: project, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: { stdout?: string; stderr?: string }) => error);
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  // Continuation lines (indented) belong to the error before them.
  for (const raw of output.split(/\n(?=\S)/)) {
    // The project's temporary path says nothing and would make each report unique.
    const entry = raw.trim().replaceAll(`${project}/`, "");
    if (entry === "") continue;
    const thirdParty = thirdPartyPackage(entry);
    if (thirdParty !== undefined) {
      thirdPartyErrors.push(`${thirdParty}: ${entry}`);
      continue;
    }
    const at = /^(examples\/[^(]+)\((\d+),(\d+)\): (.*)$/s.exec(entry);
    const block = at?.[1] === undefined ? undefined : byFile.get(at[1]);
    const readme = block?.readme ?? OUTSIDE;
    const message =
      block && at
        ? `${block.readme}:${block.line + Number(at[2])}:${at[3]} ${at[4]}`
        : `${config}: ${entry}`;
    errors.set(readme, [...(errors.get(readme) ?? []), message]);
  }
}

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), "keyguard-readme-examples-"));
  project = await installConsumer("readme-examples", workdir, packedTarballs());
  await mkdir(join(project, "examples"), { recursive: true });
  for (const block of blocks) await writeFile(join(project, block.file), `${block.code}\n`);
  const configs = tsconfigs();
  for (const [name, config] of Object.entries(configs))
    await writeFile(join(project, name), JSON.stringify(config, null, 2));

  // Two at a time: each tsc is single-threaded, and the machine may have no more cores.
  const names = Object.keys(configs);
  for (let i = 0; i < names.length; i += 2) await Promise.all(names.slice(i, i + 2).map(compile));

  const list = skipped.map((s) => `  ${s.readme}:${s.line}  ${s.reason}`).join("\n");
  console.info(
    `README examples: ${blocks.length} ts blocks compiled (${blocks.filter((b) => b.nest).length} as Nest, ${blocks.filter((b) => b.declares).length} in a program of their own), ${skipped.length} skipped${skipped.length ? `:\n${list}` : ""}`,
  );
  // npm ci, the shared programs (about a minute each on a busy 2-core machine), then the
  // programs of their own (about 10 s each), beside the other suites of `pnpm test`: more than
  // the project's default hook timeout.
}, 1_200_000);
afterAll(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe("README examples compile under the strictest TypeScript against the packed tarballs", () => {
  it.each(READMES)("%s", (readme) => {
    expect(
      extracted[READMES.indexOf(readme)]?.blocks.length ?? 0,
      `${readme}: no ts block`,
    ).toBeGreaterThan(0);
    expect(errors.get(readme) ?? []).toEqual([]);
  });

  it("compiles keyguard's own declarations and the tsconfigs without errors", () => {
    expect(errors.get(OUTSIDE) ?? []).toEqual([]);
  });

  // The pinned versions are ours to choose (test/packaging/consumers/readme-examples): one whose
  // declarations fail is a bad pin. Under `pnpm test:drift` the latest versions are the
  // registry's choice: their errors are reported as drift, not as a keyguard failure.
  it("compiles the third-party declarations (node_modules/ other than @keyguard/*)", () => {
    if (pinsMode() !== "drift") {
      expect(thirdPartyErrors).toEqual([]);
      return;
    }
    report("readme-examples", "declarations", thirdPartyErrors);
    if (thirdPartyErrors.length > 0) {
      console.warn(`Third-party declaration errors (drift):\n  ${thirdPartyErrors.join("\n  ")}`);
    }
  });
});
