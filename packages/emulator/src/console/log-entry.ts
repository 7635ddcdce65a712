import { ApiError } from "../errors";
import type { ObservedCall } from "../observe";

/** The operations the console's live log shows. */
export const LOGGED_OPERATIONS = ["keys.verifyKey", "ratelimit.limit"] as const;
export type LoggedOperation = (typeof LOGGED_OPERATIONS)[number];

/** A rate limit as the call left it. */
export interface LoggedLimit {
  name: string;
  limit: number;
  remaining: number;
  /** Unix ms when the current window ends. */
  reset: number;
  exceeded: boolean;
}

/**
 * One row of the live log. Built field by field from the call (an allow-list), so that the
 * plaintext key a verification carries never reaches the log, the page or the event stream.
 */
export interface LogEntry {
  /** Increasing from 1; the event stream's `id`, so a reconnecting page resumes after it. */
  id: number;
  /** The emulator's clock (Unix ms). */
  time: number;
  operation: LoggedOperation;
  /** What the page filters on: the key id, `"unknown key"`, or `namespace/identifier`. */
  subject: string;
  keyId?: string;
  keyName?: string;
  namespace?: string;
  identifier?: string;
  /** The verification's `code`; `PASSED` or `RATE_LIMITED` for ratelimit.limit; `ERROR` when refused. */
  outcome: string;
  tags?: string[];
  /** The permission query the caller asked for. */
  permissions?: string;
  cost?: number;
  /** Credits left after the call; absent for a key without a credit limit. */
  credits?: number;
  ratelimits?: LoggedLimit[];
  /** An error answer: HTTP status, Unkey's error code and detail. */
  error?: { status: number; code: string; detail: string };
}

type Fields = Omit<LogEntry, "id" | "time" | "operation">;
type Loose = Record<string, unknown>;

const isObject = (value: unknown): value is Loose => typeof value === "object" && value !== null;
const str = (value: unknown) => (typeof value === "string" ? value : undefined);
const num = (value: unknown) => (typeof value === "number" ? value : undefined);

function optional<T>(name: string, value: T | undefined): Record<string, T> {
  return value === undefined ? {} : { [name]: value };
}

function verifyLimits(value: unknown): LoggedLimit[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(isObject).map((r) => ({
    name: String(r.name),
    limit: Number(r.limit),
    remaining: Number(r.remaining),
    reset: Number(r.reset),
    exceeded: r.exceeded === true,
  }));
}

function verifyFields(body: Loose, data: Loose | undefined): Fields {
  const keyId = str(data?.keyId);
  const cost = isObject(body.credits) ? num(body.credits.cost) : undefined;
  return {
    subject: keyId ?? "unknown key",
    ...optional("keyId", keyId),
    ...optional("keyName", str(data?.name)),
    outcome: str(data?.code) ?? "ERROR",
    ...optional("tags", Array.isArray(body.tags) ? body.tags.map(String) : undefined),
    ...optional("permissions", str(body.permissions)),
    ...optional("cost", cost),
    ...optional("credits", num(data?.credits)),
    ...optional("ratelimits", verifyLimits(data?.ratelimits)),
  };
}

function limitFields(body: Loose, data: Loose | undefined): Fields {
  const namespace = str(body.namespace) ?? "";
  const identifier = str(body.identifier) ?? "";
  const limit = data && {
    name: namespace,
    limit: Number(data.limit),
    remaining: Number(data.remaining),
    reset: Number(data.reset),
    exceeded: data.success !== true,
  };
  return {
    subject: `${namespace}/${identifier}`,
    namespace,
    identifier,
    outcome: data ? (data.success === true ? "PASSED" : "RATE_LIMITED") : "ERROR",
    cost: num(body.cost) ?? 1,
    ...optional("ratelimits", limit ? [limit] : undefined),
  };
}

// A refusal's detail can quote the request (a permission query, a limit's name); it is
// dropped should it ever quote the key itself.
function errorOf(error: unknown, key: string | undefined): LogEntry["error"] {
  if (!(error instanceof ApiError)) {
    return { status: 500, code: "unexpected_error", detail: "The emulator failed." };
  }
  const detail = key !== undefined && error.message.includes(key) ? "" : error.message;
  return { status: error.status, code: error.code.split("/").pop() ?? "", detail };
}

/** The log row of a call, or undefined for an operation the log does not show. */
export function toLogEntry(call: ObservedCall, id: number, time: number): LogEntry | undefined {
  const operation = call.operation;
  if (operation !== "keys.verifyKey" && operation !== "ratelimit.limit") return undefined;
  const body = isObject(call.body) ? call.body : {};
  const data = isObject(call.data) ? call.data : undefined;
  const fields =
    operation === "keys.verifyKey" ? verifyFields(body, data) : limitFields(body, data);
  const entry: LogEntry = { id, time, operation, ...fields };
  if (call.error !== undefined) entry.error = errorOf(call.error, str(body.key));
  return entry;
}
