import type { IncomingMessage, ServerResponse } from "node:http";
import { discardBody, readCappedBody } from "../http-io";
import type { Operation } from "../schemas";
import { type AccessRules, checkHost, checkSameOrigin, checkSession, newLinkHint } from "./access";
import { CONSOLE_ACTIONS, type RunOperation, runAction } from "./actions";
import type { Asset } from "./assets";
import { serveEventStream } from "./event-stream";
import type { ConsoleLog } from "./events";
import { type Refusal, sendConsole, sendRefusal } from "./problem";
import type { WorkspaceView } from "./workspace-view";

/** What the console's routes work with. */
export interface ConsoleRoutes {
  readonly rules: AccessRules;
  readonly log: ConsoleLog;
  /** The page's files; undefined when they could not be found at start-up. */
  readonly assets: ReadonlyMap<string, Asset> | undefined;
  readonly view: () => WorkspaceView;
  readonly run: RunOperation;
  /** Whether a bearer token is the emulator's own root key (compared in constant time). */
  readonly isRootKey: (token: string) => boolean;
  /** A new one-time link. */
  readonly link: () => string;
}

// An action's body is a few fields; anything larger is not from the page.
const MAX_ACTION_BYTES = 64 * 1024;
const JSON_TYPE = "application/json";
const ACTION_PREFIX = "/console/api/";

const SIGNED_IN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>keyguard emulator console</title>
<meta http-equiv="refresh" content="0;url=/console/"></head>
<body><p><a href="/console/">Open the console</a></p></body></html>
`;

function refuse(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
  discardBody(req);
  sendRefusal(res, refusal);
}

const notFound = (path: string): Refusal => ({
  status: 404,
  code: "not_found",
  detail: `The console has no ${path}.`,
});

// The sign-in answers a page that moves on to /console/ by itself rather than a redirect:
// that navigation starts from this origin, so the SameSite=Strict cookie goes along even
// when the link was opened from another site's page (RFC 6265bis §5.2: a redirect chain
// started cross-site stays cross-site).
function signIn(routes: ConsoleRoutes, res: ServerResponse, query: string): void {
  const token = new URLSearchParams(query).get("token") ?? "";
  const session = routes.rules.sessions.redeem(token);
  if (session === undefined) {
    sendRefusal(res, {
      status: 403,
      code: "link_used",
      detail:
        "This console link was used already, or was never issued: each link opens one session. " +
        newLinkHint(routes.rules.baseUrl),
    });
    return;
  }
  const cookie = `${routes.rules.cookieName}=${session}; HttpOnly; SameSite=Strict; Path=/console`;
  sendConsole(res, 200, SIGNED_IN_PAGE, "text/html; charset=utf-8", { "set-cookie": cookie });
}

// A new link for whoever holds the root key (`curl`, a script): the link printed at start
// works once, and a second browser needs its own.
function newLink(routes: ConsoleRoutes, req: IncomingMessage, res: ServerResponse) {
  const refusal = checkSameOrigin(req, false);
  if (refusal) return refuse(req, res, refusal);
  const auth = req.headersDistinct.authorization?.[0] ?? "";
  if (!auth.startsWith("Bearer ") || !routes.isRootKey(auth.slice(7).trim())) {
    return refuse(req, res, {
      status: 401,
      code: "root_key_required",
      detail: "A new console link needs the emulator's root key: Authorization: Bearer <root key>.",
    });
  }
  discardBody(req);
  sendConsole(res, 201, JSON.stringify({ url: routes.link() }), JSON_TYPE);
}

function action(routes: ConsoleRoutes, req: IncomingMessage, res: ServerResponse, path: string) {
  const operation = path.slice(ACTION_PREFIX.length) as Operation;
  if (!path.startsWith(ACTION_PREFIX) || !CONSOLE_ACTIONS.has(operation)) {
    return refuse(req, res, notFound(`action ${path}`));
  }
  readCappedBody(req, MAX_ACTION_BYTES).then(
    (text) => {
      if (text === null) {
        const detail = `An action's body is at most ${MAX_ACTION_BYTES} bytes.`;
        return refuse(req, res, { status: 413, code: "too_large", detail });
      }
      const answer = runAction(routes.run, operation, text);
      sendConsole(res, answer.status, answer.body, JSON_TYPE);
    },
    () => req.socket.destroy(),
  );
}

function read(routes: ConsoleRoutes, req: IncomingMessage, res: ServerResponse, path: string) {
  if (path === "/console/api/workspace") {
    return sendConsole(res, 200, JSON.stringify(routes.view()), JSON_TYPE);
  }
  if (path === "/console/api/events") return serveEventStream(req, res, routes.log);
  const asset = routes.assets?.get(path);
  if (asset) return sendConsole(res, 200, asset.body, asset.contentType);
  if (routes.assets === undefined && path === "/console/") {
    return sendConsole(res, 500, "The console's files (static/) are missing.", "text/plain");
  }
  refuse(req, res, notFound(path));
}

/**
 * Answers a request under `/console`. Every request must name the emulator by a loopback
 * `Host`; every POST must come from the console's own origin; everything but the one-time
 * sign-in link and `POST /console/link` needs the session cookie the sign-in sets.
 */
export function handleConsole(routes: ConsoleRoutes, req: IncomingMessage, res: ServerResponse) {
  const url = req.url ?? "";
  const [rawPath = "", query = ""] = url.split("?", 2);
  const path = rawPath === "/console" ? "/console/" : rawPath;
  const method = req.method ?? "GET";
  const hostRefusal = checkHost(req, routes.rules);
  if (hostRefusal) return refuse(req, res, hostRefusal);
  if (method === "POST" && path === "/console/link") return newLink(routes, req, res);
  if (method === "GET" && path === "/console/login") return signIn(routes, res, query);
  if (method !== "GET" && method !== "POST") {
    return refuse(req, res, { status: 405, code: "method", detail: "Use GET or POST." });
  }
  const refusal =
    (method === "POST" ? checkSameOrigin(req) : undefined) ?? checkSession(req, routes.rules);
  if (refusal) return refuse(req, res, refusal);
  if (method === "POST") return action(routes, req, res, path);
  read(routes, req, res, path);
}
