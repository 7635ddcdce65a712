/**
 * What the workspace's default install (`pnpm install`) may not pull, and why: each of these
 * is hundreds of megabytes that only one suite needs, and that suite installs it itself on its
 * first run (test/runtimes, examples/next: CONTRIBUTING, "Suites installed on first run").
 */
export const KEPT_OUT: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  {
    pattern: /^(bun|deno|workerd|miniflare|@cloudflare\/workerd-.*|@deno\/.*|@oven\/.*)@/,
    why: "a runtime of test/runtimes",
  },
  { pattern: /^next@16\./, why: "examples/next's Next.js" },
  { pattern: /^@next\/swc-/, why: "Next's compiler: no default suite runs `next build`" },
  {
    pattern: /^(sharp|@img\/sharp-.*)@/,
    why: "Next's image optimiser: no default suite serves images",
  },
];

/** Importers (workspace folders) the default install must not have: they are npm projects. */
export const NPM_PROJECTS: readonly string[] = ["test/runtimes", "examples/next"];

/** The top-level keys of a section of pnpm-lock.yaml (`importers:`, `packages:`), unquoted. */
export function sectionKeys(lock: string, section: string): string[] {
  const text = `\n${lock}`;
  const start = text.indexOf(`\n${section}:\n`);
  if (start === -1) return [];
  const keys: string[] = [];
  for (const line of text.slice(start + section.length + 3).split("\n")) {
    if (/^\S/.test(line)) break;
    const key = /^ {2}(\S.*):$/.exec(line)?.[1];
    if (key !== undefined) keys.push(key.replace(/^'(.*)'$/, "$1"));
  }
  return keys;
}

/** Each `name@version` of the lock the default install would pull though it must not, and why. */
export function overBudget(lock: string): string[] {
  const found = sectionKeys(lock, "packages").flatMap((id) => {
    const rule = KEPT_OUT.find(({ pattern }) => pattern.test(id));
    return rule ? [`${id}: ${rule.why}`] : [];
  });
  const importers = sectionKeys(lock, "importers").filter((path) => NPM_PROJECTS.includes(path));
  return [...found, ...importers.map((path) => `${path}: an npm project, not a workspace package`)];
}
