/**
 * A minimal client for Unkey's v2 management operations (`POST /v2/<operation>`),
 * used to seed the demo. The same code talks to the in-process emulator and to
 * real Unkey: only the base URL and root key differ.
 */
export interface UnkeyAdmin {
  /** Posts `body` to `/v2/<operation>` and resolves Unkey's `data`. */
  call<T>(operation: string, body: object): Promise<T>;
}

/** Unkey answered with an error envelope (`{ meta, error: { title, detail, status } }`). */
export class UnkeyAdminError extends Error {
  override readonly name = "UnkeyAdminError";
  constructor(
    readonly operation: string,
    readonly status: number,
    detail: string,
  ) {
    super(`Unkey ${operation} failed with ${status}: ${detail}`);
  }
}

interface Envelope<T> {
  data?: T;
  error?: { title?: string; detail?: string; status?: number };
}

/**
 * Creates a management client for `baseUrl` authenticated with `rootKey`.
 *
 * @example
 * ```ts
 * const admin = unkeyAdmin("https://api.unkey.com", process.env.UNKEY_ROOT_KEY!);
 * const { apiId } = await admin.call<{ apiId: string }>("apis.createApi", { name: "demo" });
 * ```
 */
export function unkeyAdmin(baseUrl: string, rootKey: string): UnkeyAdmin {
  return {
    async call<T>(operation: string, body: object): Promise<T> {
      const response = await fetch(new URL(`/v2/${operation}`, baseUrl), {
        method: "POST",
        headers: { authorization: `Bearer ${rootKey}`, "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      let envelope: Envelope<T> = {};
      try {
        envelope = JSON.parse(text) as Envelope<T>;
      } catch {
        // Not JSON (a proxy's error page, say): reported below with the status.
      }
      if (!response.ok || envelope.data === undefined) {
        const detail = envelope.error?.detail ?? envelope.error?.title ?? text.slice(0, 200);
        throw new UnkeyAdminError(operation, response.status, detail);
      }
      return envelope.data;
    },
  };
}
