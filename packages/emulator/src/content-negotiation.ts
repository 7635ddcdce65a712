// The content type of an error answer, transcribed from unkeyed/unkey
// pkg/zen/session.go (ProblemJSON at lines 481-498, acceptsProblemJSON at
// 502-513).

export const JSON_TYPE = "application/json";
export const PROBLEM_JSON_TYPE = "application/problem+json";

/**
 * Whether an `Accept` header lets an error be `application/problem+json`: one
 * of its media ranges, parameters (`q` included) stripped, is exactly
 * `application/problem+json`, `application/*` or `*\/*`. Go compares the
 * strings as they are, so the match is case-sensitive and `q=0` still counts.
 */
export function acceptsProblemJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(",").some((part) => {
    const mediaType = (part.split(";", 1)[0] ?? "").trim();
    return mediaType === PROBLEM_JSON_TYPE || mediaType === "application/*" || mediaType === "*/*";
  });
}

/** The content type Unkey's error middleware writes for a request with this `Accept`. */
export function problemContentType(accept: string | undefined): string {
  return acceptsProblemJson(accept) ? PROBLEM_JSON_TYPE : JSON_TYPE;
}
