import { HOOK_FAILURE, type HookSpec } from "./harness";

/**
 * The hooks of a {@link HookSpec} as plain functions, which each harness wires
 * into its framework's own hook signatures. Each one ignores its arguments.
 */
export interface SpecHooks {
  readonly skip?: () => unknown;
  readonly getKey?: () => unknown;
  readonly onDenied?: () => unknown;
  readonly onError?: () => unknown;
}

const failure = () => new Error(HOOK_FAILURE);

function failing(mode: "throws" | "rejects"): () => unknown {
  return mode === "throws"
    ? () => {
        throw failure();
      }
    : () => Promise.reject(failure());
}

/**
 * Resolves `value` after a tick, as an async hook that does some work would
 * (a timer, not `setImmediate`: Deno and workerd run these hooks too, see test/runtimes).
 */
const later = (value: boolean) => () =>
  new Promise<boolean>((resolve) => setTimeout(() => resolve(value), 0));

function skipOf(mode: NonNullable<HookSpec["skip"]>): () => unknown {
  if (mode === "async-true") return later(true);
  if (mode === "async-false") return later(false);
  if (mode === "non-boolean") return () => "yes";
  return failing(mode);
}

/** Turns a HookSpec into functions; absent entries stay absent (the adapter's default). */
export function specHooks(spec: HookSpec | undefined): SpecHooks {
  const hooks: { -readonly [K in keyof SpecHooks]: SpecHooks[K] } = {};
  if (spec?.skip !== undefined) hooks.skip = skipOf(spec.skip);
  if (spec?.getKey !== undefined) hooks.getKey = failing(spec.getKey);
  if (spec?.onDenied !== undefined) hooks.onDenied = failing(spec.onDenied);
  if (spec?.onError !== undefined) hooks.onError = failing(spec.onError);
  return hooks;
}

/** The content type and body every harness's error handling answers a hook's error with. */
export const HOOK_FAILED_TYPE = "application/problem+json";
export const HOOK_FAILED_BODY = Object.freeze({
  type: "about:blank",
  title: "Internal Server Error",
  status: 500,
  code: "HOOK_FAILED",
});
