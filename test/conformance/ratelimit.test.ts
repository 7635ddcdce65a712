import { type Emulator, startEmulator } from "@keyguard/emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { send } from "./http";
import { express4RatelimitHarness, expressRatelimitHarness } from "./ratelimit.express.harness";
import { fastifyRatelimitHarness } from "./ratelimit.fastify.harness";
import type { RatelimitHarness } from "./ratelimit.harness";
import { honoRatelimitHarness } from "./ratelimit.hono.harness";
import {
  nestjsExpressRatelimitHarness,
  nestjsFastifyRatelimitHarness,
} from "./ratelimit.nestjs.harness";
import {
  NAMESPACE,
  RL_KEY,
  RL_SCENARIOS,
  type RlExpectation,
  type RlScenario,
} from "./ratelimit.scenarios";
import { checkFields, checkStandards, type FieldsExpectation } from "./standards";

/** Every adapter; the rate-limit table runs on each. */
const ALL_HARNESSES: readonly RatelimitHarness[] = [
  expressRatelimitHarness,
  express4RatelimitHarness,
  honoRatelimitHarness,
  fastifyRatelimitHarness,
  nestjsExpressRatelimitHarness,
  nestjsFastifyRatelimitHarness,
];

// test/nest12 runs the Nest harnesses only (on NestJS 12), as it does the key-guard table.
const wanted = process.env.KEYGUARD_CONFORMANCE_HARNESSES?.split(",");
const HARNESSES = ALL_HARNESSES.filter((h) => wanted === undefined || wanted.includes(h.name));

const API_ID = "api_ratelimit_conformance";
const WINDOW = 60_000;

const upstreamCalls = (emulator: Emulator) => emulator.stats().calls["ratelimit.limit"] ?? 0;

/** The expectation with the scenario's namespace in place of {@link NAMESPACE}. */
function named(expected: RlExpectation, namespace: string): RlExpectation {
  const rows = (list: FieldsExpectation["policy"]) =>
    list.map(([name, params]) => [name === NAMESPACE ? namespace : name, params] as const);
  const fields = expected.fields && {
    policy: rows(expected.fields.policy),
    ratelimit: rows(expected.fields.ratelimit),
  };
  const violated = expected.violated?.map((name) => (name === NAMESPACE ? namespace : name));
  return { ...expected, fields, violated };
}

function check(
  emulator: Emulator,
  response: Awaited<ReturnType<typeof send>>,
  reached: number,
  expected: RlExpectation,
  label: string,
): void {
  const where = `${label} → ${response.status} ${response.text}`;
  const body =
    response.status >= 400 ? (JSON.parse(response.text) as Record<string, unknown>) : undefined;
  checkStandards(response.status, response.headers, body, where);
  if (expected.fields !== undefined) checkFields(response.headers, expected.fields, where);
  if (expected.violated !== undefined)
    expect(body?.["violated-policies"], `${where}\nviolated-policies`).toEqual(expected.violated);
  expect(response.status, where).toBe(expected.status);
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    if (value === null) expect(response.headers[name], `${where}\nheader ${name}`).toBeUndefined();
    else if (value instanceof RegExp)
      expect(response.headers[name], `${where}\nheader ${name}`).toMatch(value);
    else expect(response.headers[name], `${where}\nheader ${name}`).toBe(value);
  }
  if (expected.upstream !== undefined)
    expect(upstreamCalls(emulator), `${where}\nratelimit.limit calls`).toBe(expected.upstream);
  if (response.status >= 400) {
    // Refusals and errors never reach a handler, and are problem+json with a stated code.
    expect(reached, `${where}\nhandler calls`).toBe(0);
    expect(response.headers["content-type"], where).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(response.text), where).toMatchObject({
      status: expected.status,
      code: expected.code,
    });
  } else {
    expect(reached, `${where}\nhandler calls`).toBe(1);
  }
}

async function run(harness: RatelimitHarness, emulator: Emulator, scenario: RlScenario, n: number) {
  const { key } = await emulator.call<{ key: string }>("keys.createKey", { apiId: API_ID });
  // A namespace per scenario and adapter: counters never leak between runs.
  const namespace = `conformance.${harness.name}.${n}`;
  const app = await harness.start({
    rootKey: emulator.rootKey,
    baseUrl: emulator.url,
    namespace,
    failureMode: scenario.failureMode,
  });
  emulator.resetStats();
  try {
    for (const [index, step] of scenario.steps.entries()) {
      if ("fault" in step) emulator.setFault(step.fault);
      else if ("advanceMs" in step) vi.setSystemTime(Date.now() + step.advanceMs);
      else {
        const before = app.handlerCalls();
        const headers = (step.send.headers ?? []).map(
          ([name, value]) => [name, value.replaceAll(RL_KEY, key)] as const,
        );
        const response = await send(app.url, "GET", step.send.path, headers);
        const label = `step ${index + 1}: GET ${step.send.path}`;
        const expected = named(step.expect, namespace);
        check(emulator, response, app.handlerCalls() - before, expected, label);
      }
    }
  } finally {
    emulator.setFault(null);
    await app.close();
  }
}

describe.each(HARNESSES.map((harness) => [harness.name, harness] as const))(
  "ratelimit: %s",
  (_name, harness) => {
    let emulator: Emulator;

    beforeAll(async () => {
      emulator = await startEmulator({
        seed: { apis: [{ id: API_ID, name: "ratelimit-conformance", keys: [] }] },
        now: () => Date.now(),
      });
    });
    afterAll(() => emulator?.stop());
    afterEach(() => {
      vi.useRealTimers();
    });

    it.each(RL_SCENARIOS.map((scenario, n) => [scenario.name, scenario, n] as const))(
      "%s",
      async (_name, scenario, n) => {
        // Only Date is faked, one second into a window, so that a window never rolls mid-step.
        const aligned = Math.ceil(Date.now() / WINDOW) * WINDOW + 1000;
        vi.useFakeTimers({ toFake: ["Date"], now: aligned });
        await run(harness, emulator, scenario, n);
      },
    );
  },
);
