// `pnpm pins:update` and `pnpm test:drift`: run the packaging suites that install from the npm
// registry (consumer.test.ts, readme-examples.test.ts) in the update or drift mode (mode.ts),
// then summarise what they found. Plain JavaScript so that Node runs it as it is.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SUITES = ["consumer.test.ts", "readme-examples.test.ts"];
const USAGE = "usage: node test/packaging/pins/cli.mjs update|drift";

/** Runs the suites in `mode`, with the report directory and Vitest's JSON report in `dir`. */
function runSuites(mode, dir) {
  const vitest = join(ROOT, "node_modules/vitest/vitest.mjs");
  // The packaging project's config alone, rooted where it lives: the root config's reporters
  // would write their own report.
  const root = join(ROOT, "test/packaging");
  const args = ["run", "--root", root, "--config", join(root, "vitest.config.ts"), ...SUITES];
  args.push(
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${join(dir, "vitest.json")}`,
  );
  const env = { ...process.env, KEYGUARD_PINS: mode, KEYGUARD_PINS_REPORT: dir };
  return spawnSync(process.execPath, [vitest, ...args], { cwd: ROOT, env, stdio: "inherit" });
}

/** Every `<project>.<kind>.json` the suites wrote, as project → data. */
function reports(dir, kind) {
  const suffix = `.${kind}.json`;
  return readdirSync(dir)
    .filter((file) => file.endsWith(suffix))
    .sort()
    .map((file) => [
      file.slice(0, -suffix.length),
      JSON.parse(readFileSync(join(dir, file), "utf8")),
    ]);
}

/**
 * The failed tests of Vitest's JSON report, files that failed before any test (an install), and
 * a run that failed otherwise: a summary must never read "none" when nothing ran.
 */
function failures(dir, status) {
  const path = join(dir, "vitest.json");
  if (!existsSync(path)) return [`Vitest exited with ${status} and wrote no report (see above)`];
  const result = JSON.parse(readFileSync(path, "utf8"));
  const failed = result.testResults.flatMap((file) => {
    const tests = file.assertionResults.filter((t) => t.status === "failed");
    if (tests.length > 0) return tests.map((t) => t.fullName);
    return file.status === "failed" ? [`${file.name}: ${file.message.split("\n")[0]}`] : [];
  });
  if (result.numTotalTests === 0) failed.push("no test ran (see Vitest's output above)");
  if (failed.length === 0 && status !== 0) failed.push(`Vitest exited with ${status} (see above)`);
  return failed;
}

const version = (v) => v ?? "(none)";

function printMoved(moved, heading) {
  console.log(`\n${heading}`);
  for (const [project, list] of moved) {
    const line = list.map((m) => `${m.name} ${version(m.from)} → ${version(m.to)}`).join(", ");
    console.log(`  ${project}: ${line || "nothing moved"}`);
  }
}

function printList(heading, lines) {
  console.log(`\n${heading}${lines.length === 0 ? " none" : ""}`);
  for (const line of lines) console.log(`  ${line}`);
}

/** Drift: 0 when nothing breaks, 1 when a keyguard test fails, 2 when only third-party types do. */
function summariseDrift(dir, status) {
  printMoved(reports(dir, "moved"), "Moved since the pins (pinned → latest):");
  const declarations = reports(dir, "declarations").flatMap(([project, errors]) =>
    errors.map((error) => `${project}: ${error.split("\n")[0]}`),
  );
  printList("Third-party declaration errors (drift, not keyguard failures):", declarations);
  const failed = failures(dir, status);
  printList("keyguard failures on the latest versions:", failed);
  return failed.length > 0 ? 1 : declarations.length > 0 ? 2 : 0;
}

/** Update: the new pins written, and whether the suites pass on them. */
function summariseUpdate(dir, status) {
  const moved = reports(dir, "moved");
  printMoved(moved, "Pins rewritten (old → new):");
  for (const [project] of moved) console.log(`  wrote test/packaging/consumers/${project}/`);
  const failed = failures(dir, status);
  printList("Failures on the new pins (hold a version in the project's package.json):", failed);
  return failed.length > 0 ? 1 : 0;
}

const mode = process.argv[2];
if (mode !== "update" && mode !== "drift") {
  console.error(USAGE);
  process.exit(64);
}
const dir = mkdtempSync(join(tmpdir(), `keyguard-pins-${mode}-`));
try {
  const status = runSuites(mode, dir).status ?? 1;
  process.exitCode = mode === "drift" ? summariseDrift(dir, status) : summariseUpdate(dir, status);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
