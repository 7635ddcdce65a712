import type { VerifyKeyBody } from "../src/transport/transport";

/** The `data` of a verifyKey answer, or a whole Response to send as is. */
export type FakeAnswer = Record<string, unknown> | Response;

/** What the fake saw of one upstream call. */
export interface FakeCall {
  readonly url: string;
  readonly authorization: string | null;
  readonly body: VerifyKeyBody;
}

/** A promise resolved from outside, to hold an upstream answer. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export function envelope(data: Record<string, unknown>): Response {
  return new Response(JSON.stringify({ meta: { requestId: "req_1" }, data }), {
    status: 200,
    headers: { "content-type": "application/json" },
  });
}

/**
 * A fake Unkey behind the verifier's injectable `fetch`: every call is recorded
 * and answered by `answer` (synchronously, or later through a deferred promise).
 */
export function fakeUnkey(answer: (body: VerifyKeyBody) => FakeAnswer | Promise<FakeAnswer>) {
  const calls: FakeCall[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    const body = JSON.parse(String(init?.body)) as VerifyKeyBody;
    calls.push({ url: String(input), authorization: headers.get("authorization"), body });
    const result = await answer(body);
    return result instanceof Response ? result : envelope(result);
  };
  return {
    fetch: fetch as typeof globalThis.fetch,
    calls,
    get count() {
      return calls.length;
    },
  };
}

/** A VALID answer for key `keyId` with `permissions`. */
export function validAnswer(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    valid: true,
    code: "VALID",
    keyId: "key_1",
    name: "test key",
    roles: [],
    permissions: [],
    enabled: true,
    ...extra,
  };
}

export const NOT_FOUND_ANSWER: Record<string, unknown> = Object.freeze({
  valid: false,
  code: "NOT_FOUND",
});

export const ROOT_KEY = "unkey_root_test";
