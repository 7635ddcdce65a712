import { expressHarness } from "../conformance/express.harness";
import { express4Harness } from "../conformance/express4.harness";
import { fastifyHarness } from "../conformance/fastify.harness";
import type { AdapterHarness } from "../conformance/harness";
import { honoHarness } from "../conformance/hono.harness";
import { nestjsFastifyHarness } from "../conformance/nestjs-fastify.harness";

/** Every adapter under test (Nest on one platform is enough: the guard is the same code). */
export const HARNESSES: readonly AdapterHarness[] = [
  expressHarness,
  express4Harness,
  honoHarness,
  fastifyHarness,
  nestjsFastifyHarness,
];

/** `describe.each` rows: `[name, harness]`. */
export const HARNESS_ROWS = HARNESSES.map((harness) => [harness.name, harness] as const);

/** The emulator's count of `keys.verifyKey` calls. */
export function verifyCalls(emulator: { stats(): { calls: Record<string, number> } }): number {
  return emulator.stats().calls["keys.verifyKey"] ?? 0;
}
