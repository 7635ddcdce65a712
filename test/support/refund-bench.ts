import { expect, vi } from "vitest";
// What every adapter's refund test (issue 32 item 4) needs from the emulator: keys with
// credits, their remaining credits, the keys.updateCredits calls it counted, and a root key
// that may verify keys but not update them.

/** The part of `@keyguard/emulator`'s Emulator a refund test uses. */
export interface RefundEmulator {
  readonly url: string;
  readonly rootKey: string;
  call<T>(operation: string, body: object): Promise<T>;
  stats(): { calls: Record<string, number> };
}

/** A root key with `api.*.verify_key` alone: seed it (`seed.rootKeys`) to see a refund refused. */
export const VERIFY_ONLY_ROOT = {
  key: "root_verify_only_refunds",
  permissions: ["api.*.verify_key"],
};

/** The refund rule the adapters' tests use: give server errors back. */
export const onServerError = { onStatus: (status: number) => status >= 500 };

/** Keys with credits on a fresh API of `emulator`, and what the tests read back. */
export async function refundBench(emulator: RefundEmulator) {
  const { apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "refunds" });
  return {
    /** A key with 10 credits. */
    async key() {
      return emulator.call<{ key: string; keyId: string }>("keys.createKey", {
        apiId,
        credits: { remaining: 10 },
      });
    },
    async remaining(keyId: string) {
      const { credits } = await emulator.call<{ credits?: { remaining: number } }>("keys.getKey", {
        keyId,
      });
      return credits?.remaining;
    },
    refundCalls: () => emulator.stats().calls["keys.updateCredits"] ?? 0,
  };
}

/** A logger that keeps what it is told. */
export function keptLogs() {
  const lines: string[] = [];
  const logger = { warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
  return { lines, logger };
}

type Bench = Awaited<ReturnType<typeof refundBench>>;
interface Counted {
  stats(): { refunds: number; refundFailures: number };
}

/** What every adapter's refund test checks after one request of a key with 10 credits and cost 3. */
export const expectRefund = {
  /** A matching status: the 3 credits are back, through one keys.updateCredits, nothing logged. */
  async given(
    bench: Bench,
    verifier: Counted,
    keyId: string,
    callsBefore: number,
    lines: string[],
  ) {
    await vi.waitFor(() => expect(verifier.stats().refunds).toBe(1));
    expect(await bench.remaining(keyId)).toBe(10);
    expect(bench.refundCalls() - callsBefore).toBe(1);
    expect(lines).toEqual([]);
  },
  /** A status that does not match: charged, no call made. */
  async kept(bench: Bench, verifier: Counted, keyId: string, callsBefore: number) {
    expect(await bench.remaining(keyId)).toBe(7);
    expect(bench.refundCalls()).toBe(callsBefore);
    expect(verifier.stats()).toMatchObject({ refunds: 0, refundFailures: 0 });
  },
  /** A root key without update_key: one failure, logged once with the key id, never the key. */
  async refused(
    bench: Bench,
    verifier: Counted,
    created: { key: string; keyId: string },
    lines: string[],
  ) {
    await vi.waitFor(() => expect(verifier.stats().refundFailures).toBe(1));
    expect(await bench.remaining(created.keyId)).toBe(7);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(created.keyId);
    expect(lines[0]).toContain("HTTP 403");
    expect(lines[0]).not.toContain(created.key);
  },
};
