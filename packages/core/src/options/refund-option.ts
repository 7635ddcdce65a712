import { KeyguardConfigError } from "../errors";
import { optionNames, rejectUnknownOptions } from "./option-names";

/**
 * Give a metered request's credits back when its response is one the client should not pay
 * for (a server error, say): Unkey deducts credits at verification, before the handler runs.
 */
export interface RefundOptions {
  /**
   * Whether the response status sent to the client earns a refund, e.g.
   * `(status) => status >= 500`. Called once per charged request, after the response is
   * sent; a throw is logged and refunds nothing.
   */
  readonly onStatus: (status: number) => boolean;
}

/** A route's refund rule, checked: what `refundFor` applies after the response. */
export type RefundRule = RefundOptions["onStatus"];

const REFUND_FIELDS = /* @__PURE__ */ optionNames<RefundOptions>({ onStatus: true });

/**
 * The refund rule `refund` asks for: `undefined` when absent, `false` when the route turns
 * off a guard-wide rule. Throws a `KeyguardConfigError` naming the option, at start-up.
 */
export function checkRefund(value: unknown, option: string): RefundRule | false | undefined {
  if (value === undefined || value === false) return value;
  if (typeof value !== "object" || value === null) {
    throw new KeyguardConfigError(option, "expected { onStatus: (status) => boolean } or false.");
  }
  rejectUnknownOptions(value, REFUND_FIELDS, `${option}.`);
  const { onStatus } = value as RefundOptions;
  if (typeof onStatus !== "function") {
    throw new KeyguardConfigError(
      `${option}.onStatus`,
      "expected a function of the response status, such as (status) => status >= 500.",
    );
  }
  return onStatus;
}
