// Root-key authentication, transcribed from unkeyed/unkey pkg/zen/auth.go
// (Bearer), internal/services/keys/get.go (GetRootKey) and
// pkg/openapi/validation/validator.go (a missing header is a validation error).
import { CODES } from "./codes";
import type { RootKeyRecord } from "./context";
import { ApiError, validationFailure } from "./errors";
import { hashKey } from "./resources";

const NEED_ROOT_KEY =
  "You must provide a valid root key in the Authorization header in the format 'Bearer ROOT_KEY'.";

/**
 * Resolves the caller's root key from the Authorization header, or throws
 * Unkey's answer: 400 `invalid_input` when the header is missing, 400
 * `malformed` without a `Bearer ` token, 401 `key_not_found` for an unknown key.
 * Runs before the body is read, so unauthenticated bodies are never buffered.
 */
export function authenticate(
  header: string | undefined,
  rootKeys: ReadonlyMap<string, RootKeyRecord>,
): RootKeyRecord {
  if (!header) {
    throw validationFailure("Authorization header is missing.", [
      {
        location: "security",
        message: "Authorization header is missing",
        fix: "Send an Authorization header: Bearer <root key>",
      },
    ]);
  }
  const trimmed = header.trim();
  if (!trimmed.startsWith("Bearer ")) {
    throw new ApiError(
      400,
      CODES.authMalformed,
      `${NEED_ROOT_KEY} Your authorization header is missing the 'Bearer ' prefix.`,
    );
  }
  const token = trimmed.slice(7).trim();
  if (token === "") throw new ApiError(400, CODES.authMalformed, NEED_ROOT_KEY);
  const root = rootKeys.get(hashKey(token));
  if (!root) {
    throw new ApiError(
      401,
      CODES.authKeyNotFound,
      "The provided root key is invalid. We could not find the requested key.",
    );
  }
  return root;
}
