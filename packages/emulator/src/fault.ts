/**
 * A fault injected into `POST /v2/keys.verifyKey` (or the `operations` named)
 * until cleared.
 *
 * @example
 * ```ts
 * emulator.setFault({ status: 503 });                        // Unkey error envelope, 503
 * emulator.setFault({ status: 200, body: "{not json" });     // garbage with a JSON content type
 * emulator.setFault({ latencyMs: 3_000 });                   // the normal answer, late
 * emulator.setFault({ hang: true });                         // never answers
 * emulator.setFault(null);                                   // back to normal
 * ```
 */
export interface Fault {
  /**
   * Status of the replacement answer; without a `body`, 429 is Unkey's workspace
   * rate limit refusal, with `Retry-After`. @default 500 when `body` or `contentType` is set
   */
  status?: number;
  /** Delay before the (normal or faulted) answer, in ms. @default 0 */
  latencyMs?: number;
  /** Replacement body (objects are sent as JSON). @default Unkey's error envelope for `status` */
  body?: string | object;
  /** Content type of the replacement answer. @default "application/json" with a `body`, else negotiated from `Accept` as Unkey's errors */
  contentType?: string;
  /** Never answer (the socket stays open until the client gives up or the emulator stops). @default false */
  hang?: boolean;
  /** Destroy the socket without answering. @default false */
  reset?: boolean;
  /** The operations faulted, e.g. `["ratelimit.limit"]`. @default ["keys.verifyKey"] */
  operations?: readonly string[];
}

/**
 * An outage as a client sees it: a load balancer's 503 page in front of Unkey, with no Unkey
 * envelope. (`{ status: 503 }` is Unkey itself answering with an error of its own, which
 * keyguard does not take for an outage: no fail-open, no stale answers.) Add `operations`
 * to fault others than `keys.verifyKey`: `{ ...GATEWAY_OUTAGE, operations: [...] }`.
 */
export const GATEWAY_OUTAGE: Readonly<Fault> = Object.freeze({
  status: 503,
  body: "<html><body><h1>503 Service Unavailable</h1></body></html>",
  contentType: "text/html",
});

/** The fault that applies to a call of `operation`, if any (`keys.verifyKey` by default). */
export function faultFor(fault: Fault | null, operation: string): Fault | null {
  return (fault?.operations ?? ["keys.verifyKey"]).includes(operation) ? fault : null;
}

/**
 * Whether the fault answers in place of the operation; a fault with only `latencyMs` delays
 * the normal answer instead.
 */
export function faultReplaces(fault: Fault): boolean {
  return (
    Boolean(fault.reset || fault.hang) ||
    fault.status !== undefined ||
    fault.body !== undefined ||
    fault.contentType !== undefined
  );
}
