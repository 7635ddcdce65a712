// Error codes the emulator answers with, transcribed from unkeyed/unkey
// pkg/codes (unkey_application.go, unkey_auth.go, unkey_data.go,
// user_request.go). Each is `system/category/specific`; `docsUrl` renders it
// the way pkg/codes/codes.go `Code.DocsURL` does.

/** An error code as `system/category/specific`, e.g. `unkey/data/key_not_found`. */
export type ErrorCode = `${string}/${string}/${string}`;

export const CODES = {
  invalidInput: "unkey/application/invalid_input",
  unexpectedError: "unkey/application/unexpected_error",
  preconditionFailed: "unkey/application/precondition_failed",
  authMissing: "unkey/authentication/missing",
  authMalformed: "unkey/authentication/malformed",
  authKeyNotFound: "unkey/authentication/key_not_found",
  insufficientPermissions: "unkey/authorization/insufficient_permissions",
  permissionsQuerySyntaxError: "user/bad_request/permissions_query_syntax_error",
  requestBodyTooLarge: "user/bad_request/request_body_too_large",
  requestBodyUnreadable: "user/bad_request/request_body_unreadable",
  workspaceRateLimited: "user/too_many_requests/workspace_rate_limited",
} as const satisfies Record<string, ErrorCode>;

/** `unkey/data/<what>_not_found` (key, api, role, permission, identity, ratelimit_namespace). */
export const notFoundCode = (what: string): ErrorCode => `unkey/data/${what}_not_found`;

/** `unkey/data/<what>_already_exists` (permission, role, identity). */
export const duplicateCode = (what: string): ErrorCode => `unkey/data/${what}_already_exists`;

/** The documentation URL Unkey puts in an error's `type`. */
export function docsUrl(code: ErrorCode): string {
  return `https://unkey.com/docs/errors/${code}`;
}
