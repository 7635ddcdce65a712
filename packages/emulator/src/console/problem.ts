import type { ServerResponse } from "node:http";

/**
 * Headers on every console answer. The CSP keeps the page to its own files (no inline
 * script, no other origin, W3C CSP Level 3); `frame-ancestors 'none'` and X-Frame-Options
 * keep another site from framing the action buttons (clickjacking); no Referer carries a
 * console URL away; nothing is cached, since every answer is a snapshot or needs a session.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

/** A console refusal. */
export interface Refusal {
  status: 401 | 403 | 404 | 405 | 413;
  /** A short, stable name, also the last part of the problem `type`. */
  code: string;
  detail: string;
}

const TITLES: Record<Refusal["status"], string> = {
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Content Too Large",
};

/** Writes a complete answer with the console's security headers. */
export function sendConsole(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

/** Answers a refusal as RFC 9457 problem+json, carrying no console data. */
export function sendRefusal(res: ServerResponse, refusal: Refusal): void {
  const body = JSON.stringify({
    // RFC 9457 §4.2.1: no page documents the problem beyond its status; `code` names it.
    type: "about:blank",
    title: TITLES[refusal.status],
    status: refusal.status,
    detail: refusal.detail,
    code: refusal.code,
  });
  sendConsole(res, refusal.status, body, "application/problem+json");
}
