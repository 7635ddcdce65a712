import { expressHarness } from "./express.harness";
import { express4Harness } from "./express4.harness";
import { fastifyHarness } from "./fastify.harness";
import type { AdapterHarness } from "./harness";
import { honoHarness } from "./hono.harness";
import { nestjsExpressHarness } from "./nestjs-express.harness";
import { nestjsFastifyHarness } from "./nestjs-fastify.harness";
import { nextHarness } from "./next.harness";

/** Every adapter; adding one to the suites takes its harness file and one line here. */
const ALL_HARNESSES: readonly AdapterHarness[] = [
  expressHarness,
  express4Harness,
  honoHarness,
  fastifyHarness,
  nestjsExpressHarness,
  nestjsFastifyHarness,
  nextHarness,
];

/** A project may run some harnesses only: test/nest12 runs the Nest ones on NestJS 12. */
function selectHarnesses(names: string | undefined): readonly AdapterHarness[] {
  if (names === undefined) return ALL_HARNESSES;
  const wanted = names.split(",");
  const unknown = wanted.filter((name) => !ALL_HARNESSES.some((h) => h.name === name));
  if (unknown.length > 0) throw new Error(`KEYGUARD_CONFORMANCE_HARNESSES: unknown ${unknown}`);
  return ALL_HARNESSES.filter((harness) => wanted.includes(harness.name));
}

/** The harnesses this run covers (`KEYGUARD_CONFORMANCE_HARNESSES`, or all), as `describe.each` rows. */
export const HARNESS_ROWS = selectHarnesses(process.env.KEYGUARD_CONFORMANCE_HARNESSES).map(
  (harness) => [harness.name, harness] as const,
);
