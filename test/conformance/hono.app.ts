import type { GuardOptions, Verifier } from "@keyguard/core";
import { requirePermissions, type UnkeyHonoOptions, unkey } from "@keyguard/hono";
import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import {
  type HandlerBody,
  type HookSpec,
  METERED_ROUTE,
  ROUTE_PERMISSIONS,
  sharedGuardOptions,
} from "./harness";
import { HOOK_FAILED_BODY, HOOK_FAILED_TYPE, type SpecHooks, specHooks } from "./hooks";

/** The spec's hooks in Hono's signatures. */
function honoHooks(hooks: SpecHooks): Partial<UnkeyHonoOptions> {
  const out: Partial<UnkeyHonoOptions> = {};
  if (hooks.skip) out.skip = hooks.skip as UnkeyHonoOptions["skip"];
  if (hooks.getKey) out.getKey = hooks.getKey as UnkeyHonoOptions["getKey"];
  if (hooks.onDenied) out.onDenied = hooks.onDenied as UnkeyHonoOptions["onDenied"];
  if (hooks.onError) out.onError = hooks.onError as UnkeyHonoOptions["onError"];
  return out;
}

/** The standard app, and how many times its handlers ran. */
export interface HonoConformanceApp {
  readonly app: Hono;
  /** The app-wide middleware's verifier (`unkey(…).verifier`). */
  readonly verifier: Verifier;
  handlerCalls(): number;
}

/**
 * The standard conformance app as a Hono user writes it, with Web APIs only (no
 * server): public routes first, the metered route with its own `unkey()` sharing
 * the app's verifier, then `app.use(unkey())` and `requirePermissions(query)`.
 * Served by @hono/node-server in hono.harness.ts (with `clientAddress: identify.ip(getConnInfo)`,
 * which a `failureBudget` needs), and by Bun, Deno and workerd in test/runtimes. Throws when
 * the adapter refuses the options.
 */
export function buildHonoApp(
  options: GuardOptions,
  spec?: HookSpec,
  runtime: Pick<UnkeyHonoOptions, "clientAddress"> = {},
): HonoConformanceApp {
  let calls = 0;
  const handler = (route: string) => (c: Context) => {
    calls++;
    const body: HandlerBody = { route, unkey: c.var.unkey ?? null };
    return c.json(body);
  };
  const auth = unkey({ ...options, ...runtime, ...honoHooks(specHooks(spec)) });
  const app = new Hono();
  // A hook's error reaches app.onError; the guard returns its own answers, never throws them.
  app.onError((error) =>
    error instanceof HTTPException
      ? error.getResponse()
      : new Response(JSON.stringify(HOOK_FAILED_BODY), {
          status: 500,
          headers: { "content-type": HOOK_FAILED_TYPE },
        }),
  );
  app.get("/public", handler("/public"));
  app.get(
    METERED_ROUTE.path,
    unkey({ ...sharedGuardOptions(options), verifier: auth.verifier, cost: METERED_ROUTE.cost }),
    handler(METERED_ROUTE.path),
  );
  app.use(auth);
  app.get("/protected", handler("/protected"));
  app.post("/protected", handler("/protected"));
  app.options("/protected", (c) => {
    calls++;
    return c.body(null, 204);
  });
  for (const [path, query] of Object.entries(ROUTE_PERMISSIONS)) {
    app.get(path, requirePermissions(query), handler(path));
  }
  return { app, verifier: auth.verifier, handlerCalls: () => calls };
}
