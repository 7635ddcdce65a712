// biome-ignore lint/suspicious/noExplicitAny: parsed JSON answers are checked by the assertions themselves
export type Json = any;

import type { Emulator } from "../src/index";

/** Raw HTTP: POST /v2/<op> and return status + parsed JSON body. */
export async function post(
  emulator: Emulator,
  operation: string,
  body: unknown,
  authorization: string | null = `Bearer ${emulator.rootKey}`,
): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (authorization !== null) headers.authorization = authorization;
  const response = await fetch(`${emulator.url}/v2/${operation}`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** A controllable clock for the `now` option. */
export function fakeClock(start = Date.UTC(2025, 0, 15, 12, 0, 0)) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
    set(ms: number) {
      t = ms;
    },
  };
}
