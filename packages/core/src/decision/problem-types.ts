/**
 * The IANA HTTP Problem Types registry's type for a client whose pattern of requests
 * looks abusive (https://www.iana.org/assignments/http-problem-types), used by the
 * failure budget. Kept apart so that other registered types can join this table.
 */
export const ABNORMAL_USAGE_DETECTED_TYPE =
  "https://iana.org/assignments/http-problem-types#abnormal-usage-detected";

/** Denial codes whose problem `type` is a registered one rather than keyguard's own URN. */
export const REGISTERED_PROBLEM_TYPES: Readonly<Record<string, string | undefined>> = {
  FAILURE_BUDGET_EXCEEDED: ABNORMAL_USAGE_DETECTED_TYPE,
};
