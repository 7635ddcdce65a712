import { KeyguardConfigError, VerifierError } from "../errors";
import { isPlausibleKey } from "../extract/key-format";
import type { BaseUrlOrigin, RootKeyOrigin } from "../options/connection-options";
import { rejectUnknownOptions } from "../options/option-names";
import type { VerifyKeyBody } from "../transport/transport";
import type { VerifyResult } from "../types";

/** Options of `verifier.check()`. */
export interface CheckOptions {
  /**
   * A key you know exists, in an API this root key should verify. With it the check also
   * tells whether the root key may verify keys, which a made-up key cannot tell (see
   * {@link CheckReport.verifyRight}). It is verified with `credits: { cost: 0 }`: no credits
   * are spent, but its auto-applied rate limits count the call. Never logged or echoed.
   * @default undefined (a made-up key only)
   */
  key?: string | undefined;
}

/** What `verifier.check()` found: Unkey answered, and took the root key. Never holds a key. */
export interface CheckReport {
  /** The endpoint called (`…/v2/keys.verifyKey`). */
  readonly url: string;
  /** Where the base URL came from: the `baseUrl` option, `UNKEY_BASE_URL`, or the default. */
  readonly baseUrlFrom: BaseUrlOrigin;
  /** Where the root key came from: the `rootKey` option or `UNKEY_ROOT_KEY`. */
  readonly rootKeyFrom: RootKeyOrigin;
  /** Unkey's `meta.requestId` for the check's last call, to quote to Unkey's support. */
  readonly requestId: string | undefined;
  /**
   * Whether the root key may verify keys: `"confirmed"` when the `key` given was found;
   * `"unknown"` without one, since Unkey answers a key it cannot find `200 NOT_FOUND`
   * whatever the root key's rights (a 403 would reveal that the key exists:
   * svc/api/routes/v2_keys_verify_key/handler.go).
   */
  readonly verifyRight: "confirmed" | "unknown";
  /** What the check could not tell, in words, with how to find out. */
  readonly unknowns: readonly string[];
  /** One line to log at start-up. */
  readonly summary: string;
}

/** What the check needs of a verifier: where it calls, where that came from, and its call. */
export interface CheckTarget {
  readonly url: string;
  readonly origins: { readonly rootKey: RootKeyOrigin; readonly baseUrl: BaseUrlOrigin };
  readonly migrationId: string | undefined;
  readonly verifyKey: (body: VerifyKeyBody) => Promise<VerifyResult>;
}

const BASE_URL_FROM: Readonly<Record<BaseUrlOrigin, string>> = {
  option: "from the baseUrl option",
  UNKEY_BASE_URL: "from UNKEY_BASE_URL",
  default: "the default: neither the baseUrl option nor UNKEY_BASE_URL is set",
};

const ROOT_KEY_FROM: Readonly<Record<RootKeyOrigin, string>> = {
  option: "the rootKey option",
  UNKEY_ROOT_KEY: "UNKEY_ROOT_KEY",
};

const RIGHT_UNKNOWN =
  "Whether this root key may verify keys: Unkey answers a key it cannot find NOT_FOUND whatever the root key's rights. " +
  "A root key without api.*.verify_key (or api.<apiId>.verify_key), or one of another workspace, makes every key NOT_FOUND (401 at the guard). " +
  "Pass check({ key }) with a key you know exists to tell.";

function madeUpKey(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return `keyguard_check_${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

function checkOptions(options: unknown): CheckOptions {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null)
    throw new KeyguardConfigError("options", "expected an object such as { key }.");
  rejectUnknownOptions(options, ["key"]);
  const { key } = options as CheckOptions;
  if (key !== undefined && (typeof key !== "string" || !isPlausibleKey(key)))
    throw new KeyguardConfigError(
      "key",
      "expected an API key: a string of 1 to 512 characters (Unkey's bound).",
    );
  return { key };
}

/** Where the check called, in words: the URL and where its base came from. */
const place = (target: CheckTarget) =>
  `${target.url} (base URL ${BASE_URL_FROM[target.origins.baseUrl]})`;

/** The advice for a refused root key; the emulator's changes at every start without `--data`. */
function refusedRootKey(target: CheckTarget, error: VerifierError): string {
  const local = /^https?:\/\/(localhost|127\.|\[::1\])/.test(target.url);
  return (
    `Start-up check: Unkey at ${place(target)} refused the root key from ${ROOT_KEY_FROM[target.origins.rootKey]} (HTTP ${error.status}). ` +
    (local
      ? "Use the root key the emulator printed: without --data it makes a new one at every start (keyguard-emulator --data ./.emulator.json keeps it)."
      : "Use a root key of your workspace (Unkey dashboard, Settings, Root keys), or point baseUrl / UNKEY_BASE_URL at the Unkey it belongs to.")
  );
}

/** The advice when nothing answered: where the URL came from says what to fix. */
function unreachable(target: CheckTarget, error: VerifierError): string {
  const fix =
    target.origins.baseUrl === "default"
      ? "To use @keyguard/emulator, set UNKEY_BASE_URL to the URL it printed; for Unkey itself, check this host's network."
      : "Is the server running there, and is the URL right?";
  return `Start-up check: nothing answered at ${place(target)}: ${error.message} ${fix}`;
}

/** Rewords a failed call as what to fix, keeping the code, status and cause. */
function explain(target: CheckTarget, error: unknown): VerifierError {
  if (!(error instanceof VerifierError))
    return new VerifierError("VERIFIER_UNAVAILABLE", `Start-up check: ${String(error)}`, {
      cause: error,
    });
  const { status } = error;
  let message: string;
  if (status === 401 || status === 403) message = refusedRootKey(target, error);
  else if (status === undefined && error.code === "VERIFIER_UNAVAILABLE")
    message = unreachable(target, error);
  else if (error.code === "VERIFIER_MISCONFIGURED" || status === 200)
    message = `Start-up check: ${place(target)} is not Unkey's keys.verifyKey: ${error.message} Point baseUrl / UNKEY_BASE_URL at Unkey's API root (https://api.unkey.com, or the emulator's URL), with no path.`;
  else
    message = `Start-up check: Unkey at ${place(target)} could not answer: ${error.message} The root key was not checked; try again.`;
  return new VerifierError(
    error.code as "VERIFIER_UNAVAILABLE" | "VERIFIER_MISCONFIGURED",
    message,
    {
      status,
      requestId: error.requestId,
      retryAfterSeconds: error.retryAfterSeconds,
      cause: error,
    },
  );
}

function misconfigured(message: string, result: VerifyResult): VerifierError {
  return new VerifierError("VERIFIER_MISCONFIGURED", `Start-up check: ${message}`, {
    status: 200,
    requestId: result.requestId,
  });
}

/**
 * One call to Unkey that tells, before the first request does, whether it answers at the
 * configured URL and takes the root key; with a known `key`, whether the root key may
 * verify keys. Resolves with a report, or rejects with a {@link VerifierError} whose
 * message says what to fix (a {@link KeyguardConfigError} for bad options). Logs nothing.
 */
export async function runStartupCheck(
  target: CheckTarget,
  given?: CheckOptions,
): Promise<CheckReport> {
  const { key } = checkOptions(given);
  const body: VerifyKeyBody = {
    key: key ?? madeUpKey(),
    migrationId: target.migrationId,
    credits: key === undefined ? undefined : { cost: 0 },
  };
  let result: VerifyResult;
  try {
    result = await target.verifyKey(body);
  } catch (error) {
    throw explain(target, error);
  }
  if (key === undefined && result.code !== "NOT_FOUND")
    throw misconfigured(
      `${place(target)} answered ${result.code} for a made-up key: it is not Unkey. Point baseUrl / UNKEY_BASE_URL at Unkey's API root.`,
      result,
    );
  if (key !== undefined && result.code === "NOT_FOUND")
    throw misconfigured(
      `Unkey at ${place(target)} answered NOT_FOUND for the key given to check(): this root key cannot verify it. ` +
        "Unkey answers so when the root key lacks api.*.verify_key (or api.<apiId>.verify_key) for the key's API, belongs to another workspace, or the key was deleted. " +
        "Give the root key the verify_key right in the Unkey dashboard, or check the key.",
      result,
    );
  const verifyRight = key === undefined ? "unknown" : "confirmed";
  return Object.freeze({
    url: target.url,
    baseUrlFrom: target.origins.baseUrl,
    rootKeyFrom: target.origins.rootKey,
    requestId: result.requestId,
    verifyRight,
    unknowns: Object.freeze(verifyRight === "unknown" ? [RIGHT_UNKNOWN] : []),
    summary:
      `Unkey at ${place(target)} took the root key from ${ROOT_KEY_FROM[target.origins.rootKey]}; ` +
      (verifyRight === "confirmed"
        ? `it may verify keys (the key given answered ${result.code}).`
        : "whether it may verify keys is unknown (pass check({ key }) to tell)."),
  });
}
