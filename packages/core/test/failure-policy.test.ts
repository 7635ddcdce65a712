import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { VerifierError, type VerifyResult } from "../src/index";
import { prepareRequest } from "../src/options/verify-request";
import { failureReport, UNAVAILABLE_LOG_INTERVAL_MS } from "../src/verify/failure-policy";
import { remember } from "../src/verify/verifier-state";
import { validAnswer } from "./fake-unkey";
import { verifierParts } from "./verifier-parts";

const T0 = Date.UTC(2026, 0, 1);
const URL = "https://api.unkey.com/v2/keys.verifyKey";
const HASH = "hash_of_the_key";

const outage = () => new VerifierError("VERIFIER_UNAVAILABLE", "Unkey did not answer.");
const misconfigured = () =>
  new VerifierError("VERIFIER_MISCONFIGURED", "Unkey refused the root key.");

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("failureReport", () => {
  const reporter = (failureMode: "closed" | "open" = "closed") => {
    const logger = { warn: vi.fn(), error: vi.fn() };
    return { logger, report: failureReport({ logger, verifyUrl: URL, failureMode }) };
  };

  it("logs a misconfiguration once, as an error naming the URL called", () => {
    const { logger, report } = reporter();
    report(misconfigured());
    report(misconfigured());
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]?.[0]).toContain(`(${URL})`);
    expect(logger.error.mock.calls[0]?.[0]).toContain("answers 500");
  });

  it("logs an outage at most once per interval while it lasts", () => {
    const { logger, report } = reporter();
    report(outage());
    vi.setSystemTime(T0 + UNAVAILABLE_LOG_INTERVAL_MS - 1);
    report(outage());
    expect(logger.warn).toHaveBeenCalledTimes(1);
    vi.setSystemTime(T0 + UNAVAILABLE_LOG_INTERVAL_MS);
    report(outage());
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn.mock.calls[0]?.[0]).toMatch(/refused with 503 while this lasts\.$/);
  });

  it("says that fail-open lets requests through, when it does", () => {
    const { logger, report } = reporter("open");
    report(outage());
    expect(logger.warn.mock.calls[0]?.[0]).toContain("or let through flagged");
  });

  it("says nothing of what is not a verifier failure", () => {
    const { logger, report } = reporter();
    report(new TypeError("a bug"));
    expect(logger.warn).not.toHaveBeenCalled();
    expect(logger.error).not.toHaveBeenCalled();
  });
});

describe("createFailurePolicy", () => {
  const policyWith = (staleIfErrorMs: number) => {
    const parts = verifierParts(() => validAnswer(), {
      cache: { ttlMs: 1000 },
      staleIfErrorMs,
    });
    const valid = { ...validAnswer({ permissions: ["docs.read"] }), source: "upstream" };
    remember(parts.state, HASH, valid as unknown as VerifyResult);
    return parts;
  };

  it("fail: counts the failure, reports it, and passes the same error on", () => {
    const { failure, state, logger } = policyWith(0);
    const error = outage();
    expect(() => failure.fail(error)).toThrow(error);
    expect(state.counters.failures).toBe(1);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it("staleOr: in an outage, the expired valid entry, marked stale and checked against the route", () => {
    const { failure, state } = policyWith(5000);
    vi.setSystemTime(T0 + 2000); // past the TTL, within the stale window
    expect(failure.staleOr(outage(), HASH, prepareRequest(undefined))).toMatchObject({
      valid: true,
      keyId: "key_1",
      source: "stale",
    });
    expect(
      failure.staleOr(outage(), HASH, prepareRequest({ permissions: "docs.write" })),
    ).toMatchObject({ valid: false, code: "INSUFFICIENT_PERMISSIONS", source: "stale" });
    expect(state.counters.staleServed).toBe(2);
  });

  it("staleOr: rethrows what is no outage (Unkey answering others, a misconfiguration)", () => {
    const { failure, state } = policyWith(5000);
    vi.setSystemTime(T0 + 2000);
    const whileAnswering = outage().whileAnswering();
    expect(() => failure.staleOr(whileAnswering, HASH, prepareRequest(undefined))).toThrow(
      whileAnswering,
    );
    expect(() => failure.staleOr(misconfigured(), HASH, prepareRequest(undefined))).toThrow(
      VerifierError,
    );
    expect(state.counters.staleServed).toBe(0);
  });

  it("staleOr: rethrows with staleIfErrorMs 0, past the stale window, or with nothing cached", () => {
    const off = policyWith(0);
    const on = policyWith(5000);
    vi.setSystemTime(T0 + 2000);
    expect(() => off.failure.staleOr(outage(), HASH, prepareRequest(undefined))).toThrow(
      VerifierError,
    );
    vi.setSystemTime(T0 + 1000 + 5000); // the end of the stale window
    expect(() => on.failure.staleOr(outage(), HASH, prepareRequest(undefined))).toThrow(
      VerifierError,
    );
    expect(() => on.failure.staleOr(outage(), "another", prepareRequest(undefined))).toThrow(
      VerifierError,
    );
  });
});
