import type { IncomingMessage } from "node:http";
import type { Refusal } from "./problem";
import type { ConsoleSessions } from "./session";

/** What a console request is checked against. */
export interface AccessRules {
  /** `Host` values answered (loopback names with the emulator's port). */
  readonly hosts: ReadonlySet<string>;
  /** The session cookie's name: per port, since a browser shares cookies across ports. */
  readonly cookieName: string;
  readonly sessions: ConsoleSessions;
  /** The emulator's base URL, for the way to a new link that a refusal gives. */
  readonly baseUrl: string;
}

/** How to get a new one-time link, said by the refusals that need one. */
export const newLinkHint = (baseUrl: string) =>
  `For a new link: curl -X POST -H 'Authorization: Bearer <root key>' ${baseUrl}/console/link`;

const header = (req: IncomingMessage, name: string) => req.headersDistinct[name]?.[0];

/**
 * Refuses a request whose `Host` is not the emulator's loopback address and port. A
 * DNS-rebinding page reaches 127.0.0.1 under its own name, which it cannot hide: the
 * browser sends that name as `Host` (RFC 9110 §7.2).
 */
export function checkHost(req: IncomingMessage, rules: AccessRules): Refusal | undefined {
  const host = header(req, "host")?.toLowerCase();
  if (host !== undefined && rules.hosts.has(host)) return undefined;
  return {
    status: 403,
    code: "wrong_host",
    detail: `The console answers only at ${[...rules.hosts].join(", ")}: open it by one of these names.`,
  };
}

/**
 * Refuses a request another site's page could have sent. Browsers send `Origin` on every
 * POST (Fetch standard, "append a request `Origin` header") and `Sec-Fetch-Site` (W3C
 * Fetch Metadata); a POST must name this very origin. With `required` false (a request
 * authenticated by the root key, not by a cookie, such as `curl`) a missing `Origin` passes.
 */
export function checkSameOrigin(req: IncomingMessage, required = true): Refusal | undefined {
  const origin = header(req, "origin");
  const site = header(req, "sec-fetch-site");
  const expected = `http://${header(req, "host")?.toLowerCase()}`;
  if (origin === undefined && !required && site === undefined) return undefined;
  if (origin?.toLowerCase() === expected && (site === undefined || site === "same-origin")) {
    return undefined;
  }
  return {
    status: 403,
    code: "cross_origin",
    detail: "The console takes actions only from its own page (Origin and Sec-Fetch-Site).",
  };
}

/** The session cookie's value, if the request carries one. */
export function sessionCookie(req: IncomingMessage, cookieName: string): string | undefined {
  for (const cookies of req.headersDistinct.cookie ?? []) {
    for (const pair of cookies.split(";")) {
      const at = pair.indexOf("=");
      if (at > 0 && pair.slice(0, at).trim() === cookieName) return pair.slice(at + 1).trim();
    }
  }
  return undefined;
}

/** Refuses a request without a live session cookie. */
export function checkSession(req: IncomingMessage, rules: AccessRules): Refusal | undefined {
  if (rules.sessions.isSession(sessionCookie(req, rules.cookieName))) return undefined;
  return {
    status: 401,
    code: "no_session",
    detail:
      "Open the console through the one-time link keyguard-emulator printed (each link works once). " +
      newLinkHint(rules.baseUrl),
  };
}
