import type { Emulator } from "@keyguard/emulator";
import { afterAll, beforeAll, describe, it } from "vitest";
import { HARNESS_ROWS } from "./harnesses";
import { playScenario, startConformanceEmulator } from "./runner";
import { SCENARIOS } from "./scenarios";

describe.each(HARNESS_ROWS)("%s", (_name, harness) => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startConformanceEmulator();
  });
  afterAll(() => emulator?.stop());

  it.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))(
    "%s",
    (_name, scenario) => playScenario(harness, emulator, scenario),
  );
});
