import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Rough durations, in seconds on a busy 2-core machine, of the files that start other
 * processes (installs, builds, other runtimes, a second Vitest): what the order below goes by
 * before Vitest has timed a file itself, as on a fresh clone.
 */
const EXPECTED_SECONDS: Readonly<Record<string, number>> = {
  "examples/next/test/next-app.test.ts": 240,
  "test/packaging/clean-clone.test.ts": 200,
  "test/nest12/node22.test.ts": 150,
  "test/packaging/readme-examples.test.ts": 120,
  "test/packaging/lint.test.ts": 110,
  "test/runtimes/runtimes.test.ts": 100,
  "test/packaging/consumer.test.ts": 80,
  "packages/emulator/test/cli.test.ts": 40,
  "test/conformance/conformance.test.ts": 40,
  "test/reliability/bad-input.test.ts": 40,
};

/**
 * Longest first, across projects: the slow files start at once and run beside the many
 * short ones, instead of Vitest's default order (project by project, alphabetically), which
 * left the runtimes and packaging suites to run last, alone. A file's duration is Vitest's
 * own timing from the last run when it has one, else {@link EXPECTED_SECONDS}, else 0.
 * `sequence.groupOrder` still comes first.
 */
export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const seconds = (spec: TestSpecification): number => {
      const path = relative(root, spec.moduleId);
      const timed = this.ctx.cache.getFileTestResults(`${spec.project.name}:${path}`);
      return timed ? timed.duration / 1000 : (EXPECTED_SECONDS[path] ?? 0);
    };
    const order = (spec: TestSpecification) => spec.project.config.sequence.groupOrder;
    return [...files].sort((a, b) => order(a) - order(b) || seconds(b) - seconds(a));
  }
}
