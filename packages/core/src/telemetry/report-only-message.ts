/**
 * What a route's `reportOnly` rules would have done to one request the route let in, as
 * `keyguard:decision` carries it (the message's `reportOnly` member). Nothing in it was
 * enforced, sent to Unkey or charged.
 */
export interface ReportOnlyMessage {
  /** `"would_refuse"` when the candidate rules would have refused the request. */
  readonly outcome: "would_allow" | "would_refuse";
  /**
   * The code the candidate rules would refuse with, in Unkey's order of checks (the
   * permission query before credits): `INSUFFICIENT_PERMISSIONS` or `USAGE_EXCEEDED`.
   */
  readonly reason?: "INSUFFICIENT_PERMISSIONS" | "USAGE_EXCEEDED" | undefined;
  /** The candidate query, as written, and whether the key's permissions satisfy it. */
  readonly permissions?: { readonly query: string; readonly satisfied: boolean } | undefined;
  /**
   * The candidate `cost`; the credits the key had before this request (`null`: unlimited,
   * which always covers it); and the credits the candidate would have charged (`0` when it
   * would refuse, or for a key with unlimited credits, which Unkey never charges).
   */
  readonly cost?:
    | {
        readonly cost: number;
        readonly remaining: number | null;
        readonly wouldCharge: number;
      }
    | undefined;
}
