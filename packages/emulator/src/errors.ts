import { CODES, docsUrl, duplicateCode, type ErrorCode, notFoundCode } from "./codes";

/** One entry of a validation error's `errors[]`, as in Unkey's `ValidationError`. */
export interface ValidationIssue {
  location: string;
  message: string;
  fix?: string;
}

/** The `error` object of Unkey's v2 error envelope. */
export interface ErrorBody {
  title: string;
  detail: string;
  status: number;
  type: string;
  errors?: ValidationIssue[];
}

// Titles as svc/api/internal/middleware/errors.go writes them, per status
// (403 and 409 depend on the code, see titleOf).
const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflicting Resource",
  410: "Resource Gone",
  412: "Precondition Failed",
  413: "Request Entity Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** Unkey's title for an HTTP status. */
export function titleFor(status: number): string {
  return TITLES[status] ?? (status >= 500 ? "Internal Server Error" : "Error");
}

function titleOf(status: number, code: ErrorCode): string {
  if (code === CODES.insufficientPermissions) return "Insufficient Permissions";
  return titleFor(status);
}

/**
 * An error answered in Unkey's v2 envelope. `type` is the code's docs URL
 * (pkg/codes/codes.go). Every 400 and 413 carries `errors` (an empty list when
 * there is nothing to list), because Unkey's `BadRequestErrorDetails` always
 * does and the official SDK validates that shape.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly errors: ValidationIssue[] | undefined;
  /**
   * Whether Unkey's OpenAPI validator, not a handler, answers this error: the
   * validator writes plain `application/json` (pkg/zen/middleware_openapi_validation.go
   * line 30), every other error negotiates problem+json (pkg/zen/session.go ProblemJSON).
   */
  readonly fromValidator: boolean;

  constructor(
    status: number,
    code: ErrorCode,
    detail: string,
    errors?: ValidationIssue[],
    fromValidator = false,
  ) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.errors = errors ?? (status === 400 || status === 413 ? [] : undefined);
    this.fromValidator = fromValidator;
  }

  /** The `error` object of the envelope. */
  toBody(): ErrorBody {
    const body: ErrorBody = {
      title: titleOf(this.status, this.code),
      detail: this.message,
      status: this.status,
      type: docsUrl(this.code),
    };
    if (this.errors) body.errors = this.errors;
    return body;
  }
}

/** 400 with Unkey's validation shape, raised by a handler. */
export function invalidInput(detail: string, errors: ValidationIssue[] = []): ApiError {
  return new ApiError(400, CODES.invalidInput, detail, errors);
}

/** 400 as Unkey's OpenAPI validator answers it (schema, JSON, missing Authorization). */
export function validationFailure(detail: string, errors: ValidationIssue[] = []): ApiError {
  return new ApiError(400, CODES.invalidInput, detail, errors, true);
}

/** 404 for a missing resource (`what` is e.g. `key`, `api`, `role`). */
export function notFound(what: string, detail: string): ApiError {
  return new ApiError(404, notFoundCode(what), detail);
}

/** 409 for a resource that already exists. */
export function conflict(what: string, detail: string): ApiError {
  return new ApiError(409, duplicateCode(what), detail);
}

/** 403 for a root key that lacks the rights an operation needs; `detail` is rbac's message. */
export function forbidden(detail: string): ApiError {
  return new ApiError(403, CODES.insufficientPermissions, detail);
}
