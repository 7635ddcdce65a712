const TYPE_BASE = "https://unkey.com/docs/api-reference/errors-v2";

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

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  412: "Precondition Failed",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** Unkey's title for an HTTP status. */
export function titleFor(status: number): string {
  return TITLES[status] ?? (status >= 500 ? "Internal Server Error" : "Error");
}

/**
 * An error answered in Unkey's v2 envelope. `type` is the path under Unkey's
 * errors-v2 documentation (e.g. `unkey/data/key_not_found`).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly errors: ValidationIssue[] | undefined;

  constructor(status: number, type: string, detail: string, errors?: ValidationIssue[]) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.type = type.startsWith("https://") ? type : `${TYPE_BASE}/${type}`;
    this.errors = errors;
  }

  /** The `error` object of the envelope. */
  toBody(): ErrorBody {
    const body: ErrorBody = {
      title: titleFor(this.status),
      detail: this.message,
      status: this.status,
      type: this.type,
    };
    if (this.errors) body.errors = this.errors;
    return body;
  }
}

/** 400 with Unkey's validation shape. */
export function invalidInput(detail: string, errors: ValidationIssue[]): ApiError {
  return new ApiError(400, "unkey/application/invalid_input", detail, errors);
}

/** 404 for a missing resource (`what` is e.g. `key`, `api`, `role`). */
export function notFound(what: string, detail: string): ApiError {
  return new ApiError(404, `unkey/data/${what}_not_found`, detail);
}

/** 409 for a resource that already exists. */
export function conflict(what: string, detail: string): ApiError {
  return new ApiError(409, `unkey/data/${what}_already_exists`, detail);
}

/** 403 for a root key that lacks the rights an operation needs. */
export function forbidden(needed: readonly string[]): ApiError {
  return new ApiError(
    403,
    "unkey/authorization/insufficient_permissions",
    `The root key lacks the permissions for this request; it needs one of: ${needed.join(", ")}.`,
  );
}
