import { JSON_TYPE } from "./content-negotiation";

type ErrorEnvelope = {
  error?: { detail?: string; errors?: Array<{ location?: string; message?: string }> };
};

/** The error's detail and, for a validation error, which field failed and why. */
function describeError(body: unknown): string {
  const error = (body as ErrorEnvelope | undefined)?.error;
  if (!error?.detail) return "";
  const fields = (error.errors ?? [])
    .filter((field) => field.location && field.message)
    .map((field) => `${field.location}: ${field.message}`);
  return `: ${error.detail}${fields.length > 0 ? ` (${fields.join("; ")})` : ""}`;
}

/** The error `call()` rejects with on a non-2xx answer. */
export class EmulatorCallError extends Error {
  override readonly name = "EmulatorCallError";
  readonly status: number;
  readonly body: unknown;

  constructor(operation: string, status: number, body: unknown) {
    super(`${operation} answered ${status}${describeError(body)}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * `Emulator.call()`: POSTs `/v2/<operation>` to the emulator at `url` with `rootKey`;
 * resolves the envelope's `data`, rejects with an {@link EmulatorCallError}.
 */
export async function callEmulator<T>(
  url: string,
  rootKey: string,
  operation: string,
  body: object,
): Promise<T> {
  const response = await fetch(`${url}/v2/${operation}`, {
    method: "POST",
    headers: { authorization: `Bearer ${rootKey}`, "content-type": JSON_TYPE },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (!response.ok) throw new EmulatorCallError(operation, response.status, parsed);
  return (parsed as { data: T }).data;
}
