import { isExactSpec } from "./exact-spec";

/** A package manager run found in a source file: the tool and its arguments. */
export interface RegistryCall {
  /** 1-based line of the call. */
  line: number;
  tool: string;
  /** Literal arguments; an expression the scan cannot read is `…`. */
  args: string[];
}

const TOOLS = "npm|npx|pnpm|yarn|bunx";
/**
 * A call whose first argument is the tool as a string literal, then its arguments:
 * `execFile(<tool>, [<args>])`, `spawn(…)`. Arguments other than an array literal are unread.
 */
const TOOL_CALL = new RegExp(`\\(\\s*(["'\`])(${TOOLS})\\1\\s*,\\s*(?:\\[([^\\]]*)\\])?`, "g");
/** A shell command line starting with the tool: `exec(<"tool args">)`, `execSync(…)`. */
const SHELL_STRING = new RegExp(
  `\\b(?:exec|execSync)\\(\\s*(["'\`])(${TOOLS})\\s([^"'\`]*)\\1`,
  "g",
);
const LITERAL = /^(["'`])(.*)\1$/s;
/** What the scan puts for an argument it cannot read (a variable, an interpolation). */
const UNREAD = "…";

const lineAt = (source: string, index: number) => source.slice(0, index).split("\n").length;

/** The elements of an array literal's body: literal strings as such, anything else unread. */
function elements(body: string): string[] {
  return body
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map((item) => {
      const literal = LITERAL.exec(item)?.[2];
      return literal === undefined || literal.includes("${") ? UNREAD : literal;
    });
}

/** Every package manager run in a JavaScript or TypeScript source, by its two usual shapes. */
export function registryCalls(source: string): RegistryCall[] {
  const calls: RegistryCall[] = [];
  for (const m of source.matchAll(TOOL_CALL)) {
    const args = m[3] === undefined ? [UNREAD] : elements(m[3]);
    calls.push({ line: lineAt(source, m.index), tool: m[2] ?? "", args });
  }
  for (const m of source.matchAll(SHELL_STRING)) {
    const args = (m[3] ?? "").split(/\s+/).filter((arg) => arg !== "");
    calls.push({ line: lineAt(source, m.index), tool: m[2] ?? "", args });
  }
  return calls;
}

/** A shell command's words after its leading `KEY=value` assignments. */
function commandWords(command: string): string[] {
  const words = command.trim().split(/\s+/);
  const start = words.findIndex((word) => !/^\w+=/.test(word));
  return start === -1 ? [] : words.slice(start);
}

/** Every package manager run in a package.json script (`a && npx b; c`). */
export function scriptCalls(script: string): Array<Omit<RegistryCall, "line">> {
  const tool = new RegExp(`^(?:${TOOLS})$`);
  return script
    .split(/&&|\|\||[;|]/)
    .map(commandWords)
    .filter((words) => tool.test(words[0] ?? ""))
    .map(([name = "", ...args]) => ({ tool: name, args }));
}

/** npm's commands (and their aliases) that resolve versions from the registry. */
const NPM_RESOLVING = new Set([
  ...["install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall"],
  ...["add", "update", "up", "upgrade", "udpate", "exec", "x", "create", "init", "innit"],
]);
const PNPM_RESOLVING = new Set(["add", "dlx", "update", "up", "upgrade", "create"]);

const subcommand = (args: readonly string[]) => args.find((arg) => !arg.startsWith("-"));

/**
 * The packages an npx/bunx run fetches: each `--package`/`-p` before the command, else the
 * command itself. What follows the command is the command's own (`node@x -p …`).
 */
function fetched(args: readonly string[]): string[] {
  const packages: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg.startsWith("--package=")) packages.push(arg.slice("--package=".length));
    else if (arg === "-p" || arg === "--package") packages.push(args[++i] ?? UNREAD);
    else if (!arg.startsWith("-")) return packages.length > 0 ? packages : [arg];
  }
  return packages.length > 0 ? packages : [UNREAD];
}

/**
 * Why a run installs from the registry unpinned, or undefined when it does not: `npm ci` and
 * `pnpm install --frozen-lockfile` install what a checked-in lock says; `npx name@x.y.z` one
 * exact version; `npm install`, `pnpm add`, `npx name@22` whatever the registry serves today.
 */
export function unpinned({ tool, args }: Omit<RegistryCall, "line">): string | undefined {
  const sub = subcommand(args);
  if (sub === UNREAD) {
    return `${tool} with arguments the scan cannot read: spell them out, or go through pins/registry.ts`;
  }
  const frozen = args.includes("--frozen-lockfile") || args.includes("--immutable");
  if (tool === "npm" && sub !== undefined && NPM_RESOLVING.has(sub)) {
    return `npm ${sub} resolves from the registry: install a checked-in lock with npm ci`;
  }
  if (tool === "npx" || tool === "bunx") {
    const loose = fetched(args).filter((spec) => !isExactSpec(spec));
    if (loose.length > 0) return `${tool} ${loose.join(", ")}: not an exact version (name@x.y.z)`;
  }
  if (tool === "pnpm" && sub !== undefined && PNPM_RESOLVING.has(sub)) {
    return `pnpm ${sub} resolves from the registry: use pnpm-lock.yaml (pnpm install --frozen-lockfile)`;
  }
  const installs = sub === "install" || sub === "i" || (tool === "yarn" && sub === undefined);
  if ((tool === "pnpm" || tool === "yarn") && installs && !frozen) {
    return `${tool} install without --frozen-lockfile may rewrite the lock from the registry`;
  }
  if (tool === "yarn" && sub !== undefined && ["add", "dlx", "up", "upgrade"].includes(sub)) {
    return `yarn ${sub} resolves from the registry`;
  }
  return undefined;
}
