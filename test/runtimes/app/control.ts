import { createVerifier, type GuardOptions, type VerifierOptions } from "@keyguard/core";
// biome-ignore lint/style/noRestrictedImports: the Web hash itself, which no entry exports, checked against node:crypto's.
import { hashKey } from "../../../packages/core/src/hash/web";
import type { HookSpec } from "../../conformance/harness";
import { buildHonoApp, type HonoConformanceApp } from "../../conformance/hono.app";

/**
 * What every runtime serves: the conformance app (test/conformance/hono.app.ts) behind
 * a few control routes under /__runtime/ that the Node test process drives. Web APIs
 * only, so that one bundle runs on Bun, Deno and workerd alike.
 *
 * - `POST /__runtime/start` `{ options, hooks }`: builds a fresh app (the harness's start);
 *   a refused option answers 400 with the error's name, option and message.
 * - `GET /__runtime/calls`: how many times the app's handlers ran.
 * - `GET /__runtime/info`: the runtime's user agent (proof of where this runs).
 * - `POST /__runtime/hash` `{ keys }`: the Web hash of each key.
 * - `POST /__runtime/verify` `{ options, key }`: one `verifier.verify` (no cache), its
 *   result or its error.
 */
let current: HonoConformanceApp | undefined;

const json = (body: unknown, status = 200) => Response.json(body, { status });

function start(body: { options: GuardOptions; hooks?: HookSpec }): Response {
  try {
    current = buildHonoApp(body.options, body.hooks);
    return new Response(null, { status: 204 });
  } catch (error) {
    current = undefined;
    const { name, message, option } = error as Error & { option?: string };
    return json({ name, message, option }, 400);
  }
}

async function verifyOnce(body: { options: VerifierOptions; key: string }): Promise<Response> {
  const verifier = createVerifier({ ...body.options, cache: false });
  try {
    const result = await verifier.verify(body.key);
    return json({ result: { valid: result.valid, code: result.code, keyId: result.keyId } });
  } catch (error) {
    const { name, code, message, status, retryAfterSeconds } = error as Error & {
      code?: string;
      status?: number;
      retryAfterSeconds?: number;
    };
    return json({ error: { name, code, message, status, retryAfterSeconds } });
  }
}

async function control(request: Request, path: string): Promise<Response> {
  if (path === "/__runtime/start") return start(await request.json());
  if (path === "/__runtime/calls") return json({ calls: current?.handlerCalls() ?? 0 });
  if (path === "/__runtime/info") return json({ userAgent: navigator.userAgent });
  if (path === "/__runtime/verify") return verifyOnce(await request.json());
  if (path === "/__runtime/hash") {
    const { keys } = (await request.json()) as { keys: string[] };
    return json({ hashes: keys.map(hashKey) });
  }
  return json({ error: `unknown control route ${path}` }, 404);
}

/** The fetch handler every runtime entry serves. */
export async function handle(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (path.startsWith("/__runtime/")) return control(request, path);
  if (current === undefined) return json({ error: "no app started" }, 500);
  return current.app.fetch(request);
}
