import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  createVerifier,
  type GuardOptions,
  type KeyContext,
  type VerifierOptions,
} from "@keyguard/core";
import { type UnkeyNextOptions, withUnkey } from "@keyguard/next";
import {
  type AdapterHarness,
  type GuardedApp,
  type HandlerBody,
  type HookSpec,
  METERED_ROUTE,
  ROUTE_PERMISSIONS,
  sharedGuardOptions,
} from "./harness";
import { HOOK_FAILED_BODY, HOOK_FAILED_TYPE, specHooks } from "./hooks";
import { listenOnLoopback } from "./running-app";

/** What Next passes a route handler besides the request. */
type NextContext = { params: Promise<object> };
type Route = (request: Request, context: NextContext) => Promise<Response>;
type Skippable = UnkeyNextOptions & { skip: () => boolean };

const VERIFIER_OPTIONS = [
  "rootKey",
  "baseUrl",
  "timeoutMs",
  "cache",
  "failureMode",
  "staleIfErrorMs",
  "sharedCache",
  "fetch",
  "logger",
] as const;

/** One verifier per app, as a test needs (the module-level one would share a cache across scenarios). */
function appOptions(options: GuardOptions): GuardOptions {
  if (options.verifier !== undefined) return options;
  const verifierOptions: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if ((VERIFIER_OPTIONS as readonly string[]).includes(name)) verifierOptions[name] = value;
    else rest[name] = value;
  }
  return { ...rest, verifier: createVerifier(verifierOptions as VerifierOptions) };
}

/** The standard app's routes as App Router route handlers (`export const GET = withUnkey(…)`). */
function buildRoutes(options: GuardOptions, spec: HookSpec | undefined, count: () => void) {
  const hooks = specHooks(spec) as Partial<UnkeyNextOptions>;
  const base: UnkeyNextOptions = { ...appOptions(options), ...hooks };
  const handler = (route: string) => (_request: Request, context: { unkey?: KeyContext }) => {
    count();
    const body: HandlerBody = { route, unkey: context.unkey ?? null };
    return Response.json(body);
  };
  // `skip` makes the handler's context optional; the overloads want it known statically.
  const guarded = (route: string, extra: UnkeyNextOptions = {}) =>
    withUnkey<Request, NextContext>(handler(route), { ...base, ...extra } as Skippable);
  const protectedRoute = guarded("/protected");
  const { verifier } = base;
  const routes = new Map<string, Route>([
    ["GET /public", async (request) => handler("/public")(request, {})],
    [
      `GET ${METERED_ROUTE.path}`,
      withUnkey<Request, NextContext>(handler(METERED_ROUTE.path), {
        ...sharedGuardOptions(base),
        verifier,
        cost: METERED_ROUTE.cost,
      }),
    ],
    ["GET /protected", protectedRoute],
    ["POST /protected", guarded("/protected")],
    [
      "OPTIONS /protected",
      withUnkey<Request, NextContext>(async () => {
        count();
        return new Response(null, { status: 204 });
      }, base as Skippable),
    ],
  ]);
  for (const [path, query] of Object.entries(ROUTE_PERMISSIONS))
    routes.set(`GET ${path}`, guarded(path, { permissions: query }));
  // A route handler's verifier: `GET.verifier.check()`.
  return { routes, check: protectedRoute.verifier.check };
}

/**
 * Node's request as the Web Request a route handler receives. Headers are appended
 * from the raw list, as a Web server does: two `Authorization` lines reach the
 * handler comma-joined (Node's own `req.headers` would keep the first only).
 */
function toWebRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  return new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers });
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  res.end(Buffer.from(await response.arrayBuffer()));
}

/**
 * The standard conformance app as App Router route handlers wrapped with
 * `withUnkey()`, served by a small Node HTTP server that converts to Web
 * Request/Response and calls the handler for the method and path. This exercises
 * the route-handler contract (what Next calls), not Next's router, middleware or
 * build: examples/next runs those under `next build` and `next start`. A handler
 * that throws is answered 500, as Next does (here with the suite's HOOK_FAILED body).
 */
export const nextHarness: AdapterHarness = {
  name: "next",
  async start(options: GuardOptions, spec?: HookSpec): Promise<GuardedApp> {
    let calls = 0;
    const { routes, check } = buildRoutes(options, spec, () => calls++);
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const route = routes.get(`${req.method} ${url.pathname}`);
      const answer = route
        ? route(toWebRequest(req), { params: Promise.resolve({}) }).catch(
            () =>
              new Response(JSON.stringify(HOOK_FAILED_BODY), {
                status: 500,
                headers: { "content-type": HOOK_FAILED_TYPE },
              }),
          )
        : Promise.resolve(new Response(null, { status: 404 }));
      void answer.then((response) => writeResponse(response, res));
    });
    return { ...(await listenOnLoopback(server, () => calls)), check };
  },
};
