import type { DemoKeys } from "./seed";

/** One request the demo suggests, with the status (or statuses, when repeated) it answers. */
export interface DemoCommand {
  /** Why this request answers what it does. */
  readonly explain: string;
  readonly method: "GET" | "POST" | "DELETE";
  readonly path: string;
  /** The key sent as `Authorization: Bearer …`, if any. */
  readonly key?: string;
  readonly body?: string;
  /** One status per repetition, in order. */
  readonly expect: readonly number[];
}

const bearer = (key: string) => `-H "Authorization: Bearer ${key}"`;

/**
 * The tour of the demo: every status keyguard answers with, each shown by one
 * request. Order matters: the metered and rate-limited keys are used up as the
 * tour goes.
 *
 * @example
 * ```ts
 * for (const command of demoCommands(keys)) console.log(renderCurl(command, url));
 * ```
 */
export function demoCommands(keys: DemoKeys): DemoCommand[] {
  return [
    {
      explain: "public health check, no key needed",
      method: "GET",
      path: "/health",
      expect: [200],
    },
    { explain: "no key: MISSING_KEY", method: "GET", path: "/v1/documents", expect: [401] },
    {
      explain: "the admin key's context: key id, name, meta, identity, roles",
      method: "GET",
      path: "/v1/whoami",
      key: keys.admin.key,
      expect: [200],
    },
    {
      explain: "admin may write (documents.write)",
      method: "POST",
      path: "/v1/documents",
      key: keys.admin.key,
      body: '{"title":"Quarterly report"}',
      expect: [201],
    },
    {
      explain: "read-only key may read (documents.read)",
      method: "GET",
      path: "/v1/documents",
      key: keys.readOnly.key,
      expect: [200],
    },
    {
      explain: "read-only key may not write: INSUFFICIENT_PERMISSIONS",
      method: "POST",
      path: "/v1/documents",
      key: keys.readOnly.key,
      body: '{"title":"Nope"}',
      expect: [403],
    },
    {
      explain: "read-only key may not delete (documents.delete OR demo.superuser)",
      method: "DELETE",
      path: "/v1/documents/1",
      key: keys.readOnly.key,
      expect: [403],
    },
    {
      explain: "an unknown key: NOT_FOUND",
      method: "GET",
      path: "/v1/documents",
      key: "demo_this_key_does_not_exist",
      expect: [401],
    },
    {
      explain: "an expired key: EXPIRED",
      method: "GET",
      path: "/v1/documents",
      key: keys.expired.key,
      expect: [401],
    },
    {
      explain: "a disabled key: DISABLED",
      method: "GET",
      path: "/v1/documents",
      key: keys.disabled.key,
      expect: [401],
    },
    {
      explain: "metered key, 5 credits: the 6th request is refused with USAGE_EXCEEDED",
      method: "GET",
      path: "/v1/documents",
      key: keys.metered.key,
      expect: [200, 200, 200, 200, 200, 429],
    },
    {
      explain: "3 requests per 10 s: the 4th is refused with RATE_LIMITED and Retry-After",
      method: "GET",
      path: "/v1/documents",
      key: keys.rateLimited.key,
      expect: [200, 200, 200, 429],
    },
    {
      explain: "sign-up, no key: 3 per minute per IP (ratelimit()); the 4th is RATE_LIMITED",
      method: "POST",
      path: "/signup",
      body: '{"email":"ada@example.com"}',
      expect: [201, 201, 201, 429],
    },
  ];
}

/**
 * Renders a command as a comment with the expected statuses, then a curl line
 * ready to paste (a `for` loop printing one status per line when repeated).
 *
 * @example
 * ```ts
 * renderCurl({ explain: "health", method: "GET", path: "/health", expect: [200] }, "http://127.0.0.1:3000");
 * // # 200 — health
 * // curl -i http://127.0.0.1:3000/health
 * ```
 */
export function renderCurl(command: DemoCommand, baseUrl: string): string {
  const parts = ["curl"];
  const repeated = command.expect.length > 1;
  parts.push(repeated ? '-s -o /dev/null -w "%{http_code}\\n"' : "-i");
  if (command.method !== "GET") parts.push(`-X ${command.method}`);
  if (command.key !== undefined) parts.push(bearer(command.key));
  if (command.body !== undefined) {
    parts.push(`-H "Content-Type: application/json" -d '${command.body}'`);
  }
  parts.push(`${baseUrl}${command.path}`);
  const curl = parts.join(" ");
  const line = repeated
    ? `for i in ${command.expect.map((_, i) => i + 1).join(" ")}; do ${curl}; done`
    : curl;
  return `# ${command.expect.join(" ")} — ${command.explain}\n${line}`;
}
