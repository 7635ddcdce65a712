// Problem types (RFC 9457 §3.1.1) of keyguard's denials. Where the IANA "HTTP Problem Types"
// registry has one for the situation, a client that knows it needs nothing of keyguard's:
// draft-ietf-httpapi-ratelimit-headers-10 §5 registers `quota-exceeded` (429; its extension
// member `violated-policies` names the policies of RateLimit-Policy that refused),
// `temporary-reduced-capacity` (503) and `abnormal-usage-detected` (429, a client whose
// pattern of requests looks abusive: the failure budget's refusal). Every other denial keeps
// its own `urn:keyguard:problem:`.

/** IANA's type for a request over one or more quota policies (recommended status 429). */
export const QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded";

/** IANA's type for a request the server cannot serve for now (recommended status 503). */
export const TEMPORARY_REDUCED_CAPACITY =
  "https://iana.org/assignments/http-problem-types#temporary-reduced-capacity";

/** IANA's type for a client whose requests look abusive (recommended status 429). */
export const ABNORMAL_USAGE_DETECTED =
  "https://iana.org/assignments/http-problem-types#abnormal-usage-detected";

/** The registered types, with the titles the registry gives them (RFC 9457 §3.1.3: the same for every occurrence). */
const REGISTERED: Readonly<Record<string, { readonly type: string; readonly title: string }>> = {
  RATE_LIMITED: { type: QUOTA_EXCEEDED, title: "Quota Exceeded" },
  USAGE_EXCEEDED: { type: QUOTA_EXCEEDED, title: "Quota Exceeded" },
  // Unkey unreachable: the API cannot serve the request for now, through no fault of the client.
  VERIFIER_UNAVAILABLE: { type: TEMPORARY_REDUCED_CAPACITY, title: "Temporary Reduced Capacity" },
  RATELIMIT_UNAVAILABLE: { type: TEMPORARY_REDUCED_CAPACITY, title: "Temporary Reduced Capacity" },
  // Unknown or malformed keys past the guard's `failureBudget`: guessing, not quota use.
  FAILURE_BUDGET_EXCEEDED: { type: ABNORMAL_USAGE_DETECTED, title: "Abnormal Usage Detected" },
};

/** The type and title of a denial's problem details: IANA's where registered, else keyguard's URN and `title`. */
export function problemTypeOf(code: string, title: string): { type: string; title: string } {
  return (
    REGISTERED[code] ?? {
      type: `urn:keyguard:problem:${code.toLowerCase().replaceAll("_", "-")}`,
      title,
    }
  );
}
