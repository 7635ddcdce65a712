import { parseChallenges } from "@keyguard/test-support/challenge";
import { type Item, parseList } from "structured-headers";
import { expect } from "vitest";

// What every answer of every adapter must be, read as the standards' own parsers read it:
// the RateLimit fields as RFC 9651 Lists (the structured-headers library, not a pattern),
// WWW-Authenticate as RFC 9110 §11.6.1 challenges, and the problem types of
// draft-ietf-httpapi-ratelimit-headers-10 §5 on 429 and 503.

export const QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded";
export const TEMPORARY_REDUCED_CAPACITY =
  "https://iana.org/assignments/http-problem-types#temporary-reduced-capacity";

/** A parameter's expected value: exact, or within bounds (seconds that depend on the clock). */
export type SfParam = number | { readonly atLeast: number; readonly atMost: number };

/** One expected item of a RateLimit field: the policy's name and its parameters, all of them. */
export type SfRow = readonly [policy: string, params: Readonly<Record<string, SfParam>>];

/** The RateLimit fields an answer must carry, item by item, in order. */
export interface FieldsExpectation {
  readonly policy: readonly SfRow[];
  readonly ratelimit: readonly SfRow[];
}

/** The challenge an answer must carry: scheme and every auth-param (names lower-case). */
export interface ChallengeExpectation {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

type Parsed = [string, Record<string, unknown>][];

/** A RateLimit field as RFC 9651 §4.2 parses a List; each item must be a String (§3, §4). */
export function parseQuotaField(field: string, label: string): Parsed {
  let list: ReturnType<typeof parseList>;
  try {
    list = parseList(field);
  } catch (error) {
    throw new Error(`${label}: not an RFC 9651 List: ${JSON.stringify(field)} (${error})`);
  }
  return list.map((member) => {
    expect(Array.isArray(member[0]), `${label}: an inner list in ${field}`).toBe(false);
    const [value, params] = member as Item;
    expect(typeof value, `${label}: an item that is no String in ${field}`).toBe("string");
    return [value as string, Object.fromEntries(params)];
  });
}

const isCount = (value: unknown) => Number.isInteger(value) && (value as number) >= 0;

/** §3.1 and §4.1: q and r required non-negative Integers; w a positive one; t non-negative. */
function checkQuotaSyntax(headers: Readonly<Record<string, string>>, label: string) {
  const policy = headers["ratelimit-policy"];
  const limit = headers.ratelimit;
  if (policy === undefined && limit === undefined) return undefined;
  expect(policy, `${label}: RateLimit without RateLimit-Policy`).toBeDefined();
  expect(limit, `${label}: RateLimit-Policy without RateLimit`).toBeDefined();
  const policies = parseQuotaField(policy as string, `${label}: RateLimit-Policy`);
  const limits = parseQuotaField(limit as string, `${label}: RateLimit`);
  const names = policies.map(([name]) => name);
  expect(new Set(names).size, `${label}: policy names repeat in ${policy}`).toBe(names.length);
  for (const [name, params] of policies) {
    expect(isCount(params.q), `${label}: ${name} q`).toBe(true);
    if ("w" in params)
      expect(isCount(params.w) && (params.w as number) > 0, `${label}: w`).toBe(true);
  }
  for (const [name, params] of limits) {
    expect(names, `${label}: RateLimit names an unknown policy ${name}`).toContain(name);
    expect(isCount(params.r), `${label}: ${name} r`).toBe(true);
    if ("t" in params) expect(isCount(params.t), `${label}: ${name} t`).toBe(true);
  }
  return { names, limits };
}

// RFC 6750 §3.1: each error with the status it goes with.
const ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
};

function checkChallengeSyntax(status: number, field: string | undefined, label: string): void {
  if (field === undefined) return;
  const challenges = parseChallenges(field);
  expect(challenges.length, `${label}: no challenge in ${field}`).toBeGreaterThan(0);
  for (const { scheme, params } of challenges) {
    // RFC 6750 §3: "MUST be followed by one or more auth-param values"; keyguard sends a realm.
    expect(params.realm, `${label}: ${scheme} challenge without a realm`).toBeDefined();
    if (params.error === undefined) continue;
    expect(scheme.toLowerCase(), `${label}: an RFC 6750 error on ${scheme}`).toBe("bearer");
    expect(ERROR_STATUS[params.error], `${label}: ${params.error} on a ${status}`).toBe(status);
    if (params.scope !== undefined)
      // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
      for (const token of params.scope.split(" "))
        expect(/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(token), `${label}: scope-token ${token}`).toBe(
          true,
        );
  }
}

/**
 * Checks what the standards require of any answer, whatever the scenario: the fields parse,
 * challenges parse and carry a realm, a 429 is `quota-exceeded` whose `violated-policies`
 * are policies of `RateLimit-Policy` with a `Retry-After` no earlier than their `t`, a 503
 * is `temporary-reduced-capacity`.
 */
export function checkStandards(
  status: number,
  headers: Readonly<Record<string, string>>,
  body: Record<string, unknown> | undefined,
  label: string,
): void {
  const quotas = checkQuotaSyntax(headers, label);
  checkChallengeSyntax(status, headers["www-authenticate"], label);
  if (status === 503 && body?.code !== "HOOK_FAILED")
    expect(body?.type, `${label}: 503 type`).toBe(TEMPORARY_REDUCED_CAPACITY);
  if (status !== 429 || body === undefined) return;
  expect(body.type, `${label}: 429 type`).toBe(QUOTA_EXCEEDED);
  const violated = body["violated-policies"];
  if (violated === undefined) return;
  expect(Array.isArray(violated), `${label}: violated-policies`).toBe(true);
  for (const name of violated as string[]) {
    expect(quotas?.names, `${label}: violated ${name} not in RateLimit-Policy`).toContain(name);
    const t = quotas?.limits.find(([policy]) => policy === name)?.[1].t;
    if (t !== undefined)
      expect(
        Number(headers["retry-after"]),
        `${label}: Retry-After before ${name}'s t`,
      ).toBeGreaterThanOrEqual(t as number);
  }
}

function matches(got: unknown, want: SfParam): boolean {
  if (typeof want === "number") return got === want;
  return typeof got === "number" && got >= want.atLeast && got <= want.atMost;
}

function checkRows(parsed: Parsed, rows: readonly SfRow[], label: string): void {
  expect(
    parsed.map(([name]) => name),
    label,
  ).toEqual(rows.map(([name]) => name));
  rows.forEach(([name, params], i) => {
    const got = parsed[i]?.[1] ?? {};
    expect(Object.keys(got).sort(), `${label}: ${name}'s parameters`).toEqual(
      Object.keys(params).sort(),
    );
    for (const [key, want] of Object.entries(params))
      expect(
        matches(got[key], want),
        `${label}: ${name};${key}=${String(got[key])}, expected ${JSON.stringify(want)}`,
      ).toBe(true);
  });
}

/** The RateLimit fields are exactly these items (`null`: neither field is sent). */
export function checkFields(
  headers: Readonly<Record<string, string>>,
  expected: FieldsExpectation | null,
  label: string,
): void {
  if (expected === null) {
    expect(headers["ratelimit-policy"], `${label}: RateLimit-Policy`).toBeUndefined();
    expect(headers.ratelimit, `${label}: RateLimit`).toBeUndefined();
    return;
  }
  const policy = headers["ratelimit-policy"];
  const limit = headers.ratelimit;
  expect(policy, `${label}: RateLimit-Policy`).toBeDefined();
  expect(limit, `${label}: RateLimit`).toBeDefined();
  checkRows(
    parseQuotaField(policy as string, label),
    expected.policy,
    `${label}: RateLimit-Policy`,
  );
  checkRows(parseQuotaField(limit as string, label), expected.ratelimit, `${label}: RateLimit`);
}

/** The challenge is exactly this one (`null`: no WWW-Authenticate). */
export function checkChallenge(
  field: string | undefined,
  expected: ChallengeExpectation | null,
  label: string,
): void {
  if (expected === null) {
    expect(field, `${label}: WWW-Authenticate`).toBeUndefined();
    return;
  }
  expect(field, `${label}: WWW-Authenticate`).toBeDefined();
  const challenges = parseChallenges(field as string);
  expect(challenges, `${label}: WWW-Authenticate ${field}`).toEqual([
    { scheme: expected.scheme, params: expected.params },
  ]);
}
