import { RatelimitIdentifierError, VerifierError } from "../errors";
import { isPromise } from "../maybe-promise";
import { addressGroup } from "./client-address";
import { type IpOptions, resolveIpv6Subnet } from "./ipv6-subnet";

/** Computes the rate-limit identifier of a request; may be async. */
export type Identify<R> = (request: R) => string | Promise<string>;

/** What an adapter reads from its framework's request for the ready-made identifiers. */
export interface IdentifyReaders<R> {
  /** The client's address as the framework reports it (after its trust-proxy setting). */
  ip(request: R): string | undefined;
  /** One request header (lower-case name); repeated headers joined or first, as the framework gives them. */
  header(request: R, name: string): string | undefined;
  /** The key id the key guard let in, when it ran before. */
  keyId(request: R): string | undefined;
}

/** The ready-made identifiers an adapter exports as `identify`. */
export interface IdentifyHelpers<R> {
  /**
   * The client's IP address; IPv6 addresses grouped by their /64 (`ipv6Subnet`),
   * as one host holds at least that many. Behind a proxy, set your framework's
   * trust-proxy option (README).
   */
  ip(options?: IpOptions): Identify<R>;
  /** The key id from the key guard, which must run first (`unkey()` before `ratelimit()`). */
  keyId(): Identify<R>;
  /**
   * A request header; a request without it is an error, never a pass. The client
   * chooses its headers: use one only when something upstream sets it (a gateway).
   */
  header(name: string): Identify<R>;
  /** Several identifiers as one (`keyId` and `ip`, say): each part escaped, joined with `:`. */
  compound(...parts: readonly Identify<R>[]): Identify<R>;
}

/**
 * No key id because the key guard failed open: Unkey is unreachable, which is the rate
 * limiter's outage too (its own `failureMode` decides), never an identifier bug (a 500).
 */
const UNVERIFIED = /* @__PURE__ */ new VerifierError(
  "VERIFIER_UNAVAILABLE",
  "No key id to limit by: the key guard let this request in unverified while Unkey was unreachable (failureMode: open).",
);

function present(what: string, value: string | undefined, hint: string): string {
  if (typeof value === "string" && value !== "") return value;
  throw new RatelimitIdentifierError(`The rate-limit identifier ${what} is missing: ${hint}`);
}

// Escaped, so that ("a:b", "c") and ("a", "b:c") never share a counter.
function joinParts(values: readonly unknown[]): string {
  return values
    .map((value, i) => {
      if (typeof value !== "string" || value === "")
        throw new RatelimitIdentifierError(
          `Part ${i + 1} of a compound rate-limit identifier is ${typeof value === "string" ? "empty" : `not a string (${value === null ? "null" : typeof value})`}.`,
        );
      return encodeURIComponent(value);
    })
    .join(":");
}

function clientIp(address: string | undefined, ipv6Subnet: number | false): string {
  const reported = present(
    "ip()",
    address,
    "the framework reports no client address (see the README on proxies).",
  );
  const group = addressGroup(reported, ipv6Subnet);
  if (group === undefined)
    throw new RatelimitIdentifierError(
      "The rate-limit identifier ip() is invalid: the framework reports a client address that is not an IP address.",
    );
  return group;
}

/**
 * The ready-made identifiers for one framework, from how it reads a request.
 * Each throws a `RatelimitIdentifierError` when its input is absent: a request
 * is never let through (nor counted as someone else) for lack of an identifier.
 *
 * @example
 * ```ts
 * export const identify = identifyHelpers<Request>({
 *   ip: (req) => req.ip,
 *   header: (req, name) => req.get(name),
 *   keyId: (req) => req.unkey?.keyId,
 * });
 * ```
 */
export function identifyHelpers<R>(read: IdentifyReaders<R>): IdentifyHelpers<R> {
  return {
    ip: (options) => {
      const ipv6Subnet = resolveIpv6Subnet(options);
      return (request) => clientIp(read.ip(request), ipv6Subnet);
    },
    keyId: () => (request) => {
      const keyId = read.keyId(request);
      // `""`: the key guard let the request in unverified (failureMode: open, Unkey down).
      if (keyId === "") throw UNVERIFIED;
      return present("keyId()", keyId, "no key was verified; put the key guard first.");
    },
    header: (name) => {
      if (typeof name !== "string" || name === "")
        throw new TypeError("identify.header(name): expected a header name.");
      const lower = name.toLowerCase();
      return (request) =>
        present(`header(${JSON.stringify(lower)})`, read.header(request, lower), "no such header.");
    },
    compound: (...parts) => {
      if (parts.length === 0 || parts.some((part) => typeof part !== "function"))
        throw new TypeError("identify.compound(...parts): expected identifier functions.");
      return (request) => {
        const values = parts.map((part) => part(request));
        return values.some(isPromise) ? Promise.all(values).then(joinParts) : joinParts(values);
      };
    },
  };
}
