import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { VerifierError } from "../src/index";
import { prepareRequest } from "../src/options/verify-request";
import { NOT_FOUND_STREAK } from "../src/verify/not-found-watch";
import { NOT_FOUND_ANSWER, validAnswer } from "./fake-unkey";
import { verifierParts } from "./verifier-parts";

const KEY = "sk_test_0123456789";
const T0 = Date.UTC(2026, 0, 1);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the upstream call: one keys.verifyKey per call", () => {
  it("sends the route's request as Unkey's body: query as written, tags, credits, rate limits, migration", async () => {
    const { upstream, unkey } = verifierParts(() => validAnswer(), { migrationId: "mig_1" });
    const route = prepareRequest({
      permissions: "docs.read AND (docs.write OR admin)",
      tags: ["route=/docs"],
      cost: 2,
      ratelimits: [{ name: "api.requests", cost: 3 }],
    });
    expect(await upstream(KEY, route)).toMatchObject({ valid: true, source: "upstream" });
    expect(unkey.calls[0]?.body).toEqual({
      key: KEY,
      permissions: "docs.read AND (docs.write OR admin)",
      tags: ["route=/docs"],
      credits: { cost: 2 },
      ratelimits: [{ name: "api.requests", cost: 3 }],
      migrationId: "mig_1",
    });
  });

  it("sends only the key for a plain route (no credits field: Unkey would charge cost 1)", async () => {
    const { upstream, unkey } = verifierParts(() => validAnswer());
    await upstream(KEY, prepareRequest(undefined));
    expect(unkey.calls[0]?.body).toEqual({ key: KEY });
  });

  it("a spent budget fails at once, without calling Unkey, through the failure policy", async () => {
    const { upstream, unkey, state, logger } = verifierParts(() => validAnswer());
    const failed = upstream(KEY, prepareRequest(undefined), Date.now());
    await expect(failed).rejects.toThrow(VerifierError);
    await expect(failed).rejects.toMatchObject({ code: "VERIFIER_UNAVAILABLE" });
    await expect(failed).rejects.toThrow(/waiting for another instance's verification/);
    expect(unkey.count).toBe(0);
    expect(state.counters.failures).toBe(1);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it("an answer that is no verification is a failure, counted, never a key", async () => {
    const { upstream, state } = verifierParts(
      () => new Response("<html>Bad Gateway</html>", { status: 502 }),
    );
    await expect(upstream(KEY, prepareRequest(undefined))).rejects.toMatchObject({
      code: "VERIFIER_UNAVAILABLE",
    });
    expect(state.counters.failures).toBe(1);
  });

  it("warns once when every answer is NOT_FOUND and no key was ever valid (a root key without verify rights)", async () => {
    const { upstream, logger } = verifierParts(() => NOT_FOUND_ANSWER);
    for (let i = 0; i < NOT_FOUND_STREAK + 5; i++) await upstream(KEY, prepareRequest(undefined));
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]?.[0]).toContain("verify_key");
    expect(logger.warn.mock.calls[0]?.[0]).not.toContain(KEY);
  });
});
