// Contract rows for how errors are written: problem+json negotiation
// (unkeyed/unkey pkg/zen/session.go) and the workspace rate limit's 429
// (svc/api/internal/middleware/authentication.go), injected with setFault.
import type { Row } from "./contract-table";

const SESSION = "pkg/zen/session.go";
const AUTH_MW = "svc/api/internal/middleware/authentication.go";
const ERR = "https://unkey.com/docs/errors";
const PROBLEM = "application/problem+json";
const JSON_TYPE = "application/json";
const SDK_ACCEPT = "the SDK always sends Accept: application/json";

/** getKey of an unknown key: a handler's 404, answered through the error middleware. */
const missingKey = (name: string, accept: string | undefined, contentType: string): Row => ({
  name,
  source: `${SESSION}:481-513`,
  ...(accept !== undefined ? { accept, httpOnly: SDK_ACCEPT } : {}),
  op: "keys.getKey",
  body: () => ({ keyId: "key_missing" }),
  expect: { status: 404, type: `${ERR}/unkey/data/key_not_found`, contentType },
});

const verifyBody = () => ({ key: "any_key_123" });

export const errorRows: Row[] = [
  missingKey(
    "an error to fetch's default Accept (*/*) is application/problem+json",
    undefined,
    PROBLEM,
  ),
  missingKey("Accept: application/json gets application/json", JSON_TYPE, JSON_TYPE),
  missingKey("media-type parameters (q included) are ignored", `${PROBLEM};q=0.1`, PROBLEM),
  missingKey(
    "application/* among other types allows problem+json",
    "text/html, application/*",
    PROBLEM,
  ),
  missingKey(
    "the media type is compared case-sensitively, as Go does",
    "Application/Problem+JSON",
    JSON_TYPE,
  ),
  missingKey("Accept: text/html gets application/json", "text/html", JSON_TYPE),
  {
    name: "an unknown root key's 401 is negotiated too",
    source: "svc/api/internal/middleware/errors.go:242-254",
    root: "unknown_root_key",
    op: "keys.verifyKey",
    body: verifyBody,
    expect: { status: 401, contentType: PROBLEM },
  },
  {
    name: "a schema failure comes from the OpenAPI validator: always application/json",
    source: "pkg/zen/middleware_openapi_validation.go:24-31",
    op: "keys.verifyKey",
    body: () => ({ key: "k".repeat(513) }),
    httpOnly: "the SDK validates maxLength before sending",
    expect: { status: 400, type: `${ERR}/unkey/application/invalid_input`, contentType: JSON_TYPE },
  },
  {
    name: "a missing Authorization header is the validator's too: application/json",
    source: "pkg/openapi/validation/validator.go:113-116",
    root: null,
    op: "keys.verifyKey",
    body: verifyBody,
    httpOnly: "the SDK always sends the header",
    expect: { status: 400, contentType: JSON_TYPE },
  },
  {
    name: "a handler's 400 (query syntax) is negotiated",
    source: "svc/api/internal/middleware/errors.go:112-130",
    setup: async (e) => {
      const { key } = await e.call<{ key: string }>("keys.createKey", { apiId: "api_contract" });
      return { key };
    },
    op: "keys.verifyKey",
    body: (v) => ({ key: v.key, permissions: "a AND" }),
    expect: {
      status: 400,
      type: `${ERR}/user/bad_request/permissions_query_syntax_error`,
      contentType: PROBLEM,
    },
  },
  {
    name: "an injected 429 is the workspace rate limit: Retry-After to the minute's end",
    source: `${AUTH_MW}:113-128`,
    fault: { status: 429 },
    op: "keys.verifyKey",
    body: verifyBody,
    expect: {
      status: 429,
      type: `${ERR}/user/too_many_requests/workspace_rate_limited`,
      contentType: PROBLEM,
      headers: { "retry-after": "60", "ratelimit-reset": "60", "ratelimit-remaining": "0" },
    },
  },
  {
    name: "the 429's Retry-After counts whole seconds left, truncated",
    source: `${AUTH_MW}:113-120`,
    setup: async (_e, clock) => {
      clock.advance(15_500);
      return {};
    },
    fault: { status: 429 },
    op: "keys.verifyKey",
    body: verifyBody,
    expect: { status: 429, headers: { "retry-after": "44", "ratelimit-reset": "44" } },
  },
  {
    name: "an injected 503 with Unkey's envelope is negotiated like Unkey's errors",
    source: "svc/api/internal/middleware/errors.go:384-401",
    fault: { status: 503 },
    op: "keys.verifyKey",
    body: verifyBody,
    httpOnly: "the SDK raises its generic error for a 503",
    expect: { status: 503, contentType: PROBLEM, headers: { "retry-after": null } },
  },
];
