import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FIGURES_DIR } from "./results";

/**
 * Clears old figures before the run; after it, with `KEYGUARD_WRITE_RESULTS=1`,
 * writes RESULTS.md from what the suites recorded.
 */
export default function setup(): () => void {
  try {
    rmSync(FIGURES_DIR, { recursive: true, force: true });
  } catch {
    // nothing to clear
  }
  return () => {
    // `pnpm test` must leave a clean work tree: figures are written only when asked for.
    if (process.env.KEYGUARD_WRITE_RESULTS !== "1") return;
    try {
      if (!existsSync(FIGURES_DIR)) return;
      const sections = readdirSync(FIGURES_DIR)
        .filter((file) => file.endsWith(".json"))
        .sort()
        .map((file) => {
          const body = readFileSync(join(FIGURES_DIR, file), "utf8");
          return `## ${file.replace(/\.json$/, "")}\n\n\`\`\`json\n${body}\n\`\`\`\n`;
        });
      if (sections.length === 0) return;
      const header = `# keyguard reliability and security: figures\n\nWritten by the last run of \`KEYGUARD_WRITE_RESULTS=1 npx vitest run --project reliability\` (${new Date().toISOString()}, Node ${process.version}, ${process.platform}/${process.arch}). Generated: do not edit by hand.\n\n`;
      writeFileSync(join(import.meta.dirname, "RESULTS.md"), header + sections.join("\n"));
    } catch {
      // RESULTS.md is a report, never a reason to fail the run.
    }
  };
}
