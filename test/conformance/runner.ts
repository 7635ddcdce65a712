import { createVerifier, type GuardOptions, type VerifierOptions } from "@keyguard/core";
import { type Emulator, type SeedData, startEmulator } from "@keyguard/emulator";
import { expect, vi } from "vitest";
import type { HandlerBody, HookSpec, RunningApp } from "./harness";
import { type RawResponse, send } from "./http";
import {
  type Expectation,
  KEY,
  KEY_ID,
  ORIGIN,
  type RequestSpec,
  ROOT_KEYS,
  type Scenario,
} from "./scenarios";
import { checkChallenge, checkFields as checkQuotaFields, checkStandards } from "./standards";

/**
 * An app the runner plays scenarios on: a harness's {@link RunningApp}, or one in
 * another process (test/runtimes), whose handler count is fetched.
 */
export interface ScenarioApp extends Omit<RunningApp, "handlerCalls"> {
  handlerCalls(): number | Promise<number>;
}

/** What the runner starts apps with: every {@link AdapterHarness} is one. */
export interface ScenarioHarness {
  readonly name: string;
  start(options: GuardOptions, hooks?: HookSpec): Promise<ScenarioApp>;
}

// The conformance runner: plays one scenario of the table against one harness's app
// and checks every answer. conformance.test.ts runs it on every adapter in this
// process; test/runtimes runs it on the Hono adapter inside Bun, Deno and workerd.

const API_ID = "api_conformance";

export const SEED: SeedData = {
  rootKeys: [{ key: ROOT_KEYS.otherApiOnly, permissions: ["api.api_elsewhere.verify_key"] }],
  roles: [{ name: "editor", permissions: ["docs.read", "docs.write"] }],
  permissions: ["docs.read", "docs.write", "admin", "billing.read"],
  apis: [
    { id: API_ID, name: "conformance", keys: [] },
    { id: "api_elsewhere", name: "elsewhere", keys: [] },
  ],
};

interface Fixture {
  readonly key: string;
  readonly keyId: string;
}

/** Replaces the KEY / KEY_ID placeholders anywhere in a value. */
function fill<T>(value: T, fixture: Fixture): T {
  if (typeof value === "string")
    return value.replaceAll(KEY_ID, fixture.keyId).replaceAll(KEY, fixture.key) as T;
  if (Array.isArray(value)) return value.map((item) => fill(item, fixture)) as T;
  if (value !== null && typeof value === "object" && !(value instanceof RegExp)) {
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, fill(item, fixture)]),
    ) as T;
  }
  return value;
}

/** Roles and permissions compare as sets. */
function normalize(context: Record<string, unknown>): Record<string, unknown> {
  const out = { ...context };
  for (const field of ["roles", "permissions"]) {
    if (Array.isArray(out[field])) out[field] = [...(out[field] as string[])].sort();
  }
  return out;
}

async function createKey(emulator: Emulator, scenario: Scenario): Promise<Fixture> {
  if (scenario.key === undefined) return { key: "sk_conformance_no_key_created", keyId: "none" };
  const { expiresInMs, ...spec } = scenario.key;
  const body = {
    apiId: API_ID,
    prefix: "sk",
    ...spec,
    ...(expiresInMs === undefined ? {} : { expires: Date.now() + expiresInMs }),
  };
  return emulator.call<Fixture>("keys.createKey", body);
}

/** Each field: a value, a pattern, an array (compared whole), or `null` for "absent". */
function checkFields(
  got: Record<string, unknown>,
  want: Readonly<Record<string, unknown>>,
  label: string,
): void {
  for (const [name, value] of Object.entries(want)) {
    if (value === null) expect(got[name], `${label}\nfield ${name}`).toBeUndefined();
    else if (value instanceof RegExp) expect(got[name], `${label}\nfield ${name}`).toMatch(value);
    else if (Array.isArray(value)) expect(got[name], `${label}\nfield ${name}`).toEqual(value);
    else expect(got[name], `${label}\nfield ${name}`).toBe(value);
  }
}

/** A request sent, with how many handlers ran meanwhile (unknown for overlapping requests). */
interface Sent {
  readonly request: RequestSpec;
  readonly response: RawResponse;
  readonly reached: number | undefined;
}

async function sendStep(app: ScenarioApp, request: RequestSpec, fixture: Fixture): Promise<Sent> {
  const handlerCallsBefore = await app.handlerCalls();
  const method = request.method ?? "GET";
  const origin = new URL(app.url).origin;
  const headers = fill(request.headers, fixture).map(
    ([name, value]) => [name, value.replaceAll(ORIGIN, origin)] as const,
  );
  const response = await send(app.url, method, request.path, headers);
  return { request, response, reached: (await app.handlerCalls()) - handlerCallsBefore };
}

/**
 * Polls the emulator until it has received `count` verifications. Bounded on the real clock
 * (scenarios run with Date faked, which froze the old `Date.now()` bound), and generously: the
 * bound only turns a call that never comes into a message before the test's own timeout.
 */
async function upstreamReaches(emulator: Emulator, count: number, where: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while ((emulator.stats().calls["keys.verifyKey"] ?? 0) < count) {
    if (performance.now() > deadline) throw new Error(`${where}: Unkey never saw ${count} calls`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function check(
  emulator: Emulator,
  sent: Sent,
  expected: Expectation,
  fixture: Fixture,
  where: string,
): void {
  const { request, response, reached } = sent;
  const method = request.method ?? "GET";
  const label = `${where}: ${method} ${request.path} → ${response.status} ${response.text}`;

  expect(response.status, label).toBe(expected.status);
  checkFields(response.headers, expected.headers ?? {}, `${label}\nheaders`);
  if (expected.challenge !== undefined)
    checkChallenge(response.headers["www-authenticate"], expected.challenge, label);
  if (expected.fields !== undefined) checkQuotaFields(response.headers, expected.fields, label);
  if (expected.upstream !== undefined) {
    expect(emulator.stats().calls["keys.verifyKey"] ?? 0, `${label}\nupstream calls`).toBe(
      expected.upstream,
    );
  }

  if (response.status >= 400) {
    // A denial: never a handler, always problem+json (RFC 9457), never the key.
    if (reached !== undefined) expect(reached, `${label}\nhandler calls`).toBe(0);
    expect(response.headers["content-type"], label).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(response.text) as Record<string, unknown>;
    checkStandards(response.status, response.headers, body, label);
    expect(expected.code, `${where}: the table must state the code of every denial`).toBeDefined();
    expect(body, label).toMatchObject({ status: expected.status, code: expected.code });
    expect(typeof body.type === "string" && typeof body.title === "string", label).toBe(true);
    expect(response.text, `${label}\nbody echoes the key`).not.toContain(fixture.key);
    checkFields(body, expected.body ?? {}, label);
    // RFC 9110 §15.5.2: a 401 challenges, unless the table says no scheme applies.
    const unchallenged =
      expected.headers?.["www-authenticate"] === null || expected.challenge === null;
    if (response.status === 401 && !unchallenged)
      expect(response.headers["www-authenticate"], label).toBeDefined();
    return;
  }
  checkStandards(response.status, response.headers, undefined, label);
  if (reached !== undefined) expect(reached, `${label}\nhandler calls`).toBe(1);
  expect(expected.code, `${where}: a code is only expected on a denial`).toBeUndefined();
  if (response.status === 204) return;
  const body = JSON.parse(response.text) as HandlerBody;
  expect(body.route, label).toBe(request.path);
  if (expected.context === null) {
    expect(body.unkey, label).toBeNull();
  } else if (expected.context !== undefined) {
    expect(body.unkey, label).not.toBeNull();
    expect(normalize(body.unkey as unknown as Record<string, unknown>), label).toMatchObject(
      normalize(fill(expected.context, fixture)),
    );
  }
}

const VERIFIER_OPTIONS = new Set([
  "rootKey",
  "baseUrl",
  "timeoutMs",
  "cache",
  "failureMode",
  "staleIfErrorMs",
  "fetch",
  "logger",
]);
const verifierOptionsOf = (options: GuardOptions): VerifierOptions =>
  Object.fromEntries(Object.entries(options).filter(([name]) => VERIFIER_OPTIONS.has(name)));
const guardOnlyOptionsOf = (options: GuardOptions): GuardOptions =>
  Object.fromEntries(Object.entries(options).filter(([name]) => !VERIFIER_OPTIONS.has(name)));

/** The adapter must refuse the options at start-up, naming the option. */
async function expectStartupError(
  harness: ScenarioHarness,
  options: GuardOptions,
  scenario: Scenario,
): Promise<void> {
  const refused = await harness.start(options, scenario.hooks).then(
    async (app) => {
      await app.close();
      return undefined;
    },
    (error: unknown) => error,
  );
  // Compared by name: each framework may wrap or re-throw the core's error class.
  expect(refused, "the adapter started with a bad option").toMatchObject({
    name: "KeyguardConfigError",
    option: scenario.startupError?.option,
  });
  expect((refused as Error).message).toMatch(scenario.startupError?.message ?? /./);
}

/** Plays one scenario against a fresh app of `harness`, checking every step. */
export async function runScenario(
  harness: ScenarioHarness,
  emulator: Emulator,
  scenario: Scenario,
) {
  const fixture = await createKey(emulator, scenario);
  const options: GuardOptions = {
    rootKey: emulator.rootKey,
    baseUrl: emulator.url,
    ...scenario.guard,
  };
  if (scenario.startupError) return expectStartupError(harness, options, scenario);
  // A verifier made here and handed to the adapter, so that steps can invalidate keys.
  const verifier = scenario.ownVerifier ? createVerifier(verifierOptionsOf(options)) : undefined;
  const app = await harness.start(
    verifier ? { ...guardOnlyOptionsOf(options), verifier } : options,
    scenario.hooks,
  );
  emulator.resetStats();
  try {
    const begun = new Map<string, Promise<Sent>>();
    for (const [index, step] of scenario.steps.entries()) {
      const where = `step ${index + 1}`;
      if ("send" in step)
        check(emulator, await sendStep(app, step.send, fixture), step.expect, fixture, where);
      else if ("begin" in step) begun.set(step.as, sendStep(app, step.begin, fixture));
      else if ("finish" in step) {
        const sent = await begun.get(step.finish);
        if (sent === undefined) throw new Error(`${where}: nothing begun as ${step.finish}`);
        // Overlapping requests: which handler ran for which is not known.
        check(emulator, { ...sent, reached: undefined }, step.expect, fixture, where);
      } else if ("upstreamReaches" in step)
        await upstreamReaches(emulator, step.upstreamReaches, where);
      else if ("invalidate" in step) verifier?.invalidate(fixture.key);
      else if ("fault" in step) emulator.setFault(step.fault);
      else if ("updateKey" in step)
        await emulator.call("keys.updateKey", { keyId: fixture.keyId, ...step.updateKey });
      else vi.setSystemTime(Date.now() + step.advanceMs);
    }
  } finally {
    emulator.setFault(null);
    await app.close();
  }
}

/**
 * The emulator a conformance run uses: seeded with the table's APIs and roles, on
 * the same (faked) clock as the guard so that expiry agrees on both sides.
 */
export function startConformanceEmulator(): Promise<Emulator> {
  return startEmulator({ seed: SEED, now: () => Date.now() });
}

/** Runs one scenario with only Date faked: sockets and timeouts keep real timers. */
export async function playScenario(
  harness: ScenarioHarness,
  emulator: Emulator,
  scenario: Scenario,
): Promise<void> {
  vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
  try {
    await runScenario(harness, emulator, scenario);
  } finally {
    vi.useRealTimers();
  }
}
