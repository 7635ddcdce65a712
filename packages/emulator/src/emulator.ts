import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createContext, type HandlerResult, type RootKeyRecord } from "./context";
import { ApiError, titleFor } from "./errors";
import type { Fault } from "./fault";
import { handlers } from "./handlers";
import { newRequestId, newRootKey } from "./ids";
import { type EmulatorOptions, resolveOptions } from "./options";
import { readDataFile, writeDataFile } from "./persistence";
import { FixedWindowLimiter } from "./ratelimit";
import { hashKey } from "./resources";
import { type Operation, parseBody, schemas } from "./schemas";
import { applySeed, loadSeed } from "./seed";
import { State } from "./state";

/** A running emulator. */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:54321`: pass it as the Unkey base URL / `serverURL`. */
  url: string;
  /** The root key with full rights (`*`). */
  rootKey: string;
  /** Closes the server and destroys open and hanging sockets. */
  stop(): Promise<void>;
  /** Injects a fault into `keys.verifyKey` until cleared with `null`. */
  setFault(fault: Fault | null): void;
  /** Calls received per operation (faulted and refused calls included). */
  stats(): { calls: Record<string, number>; total: number };
  /** Sets every call count back to zero. */
  resetStats(): void;
  /** POSTs `/v2/<operation>` with the root key; resolves `data`, rejects with status + error body. */
  call<T = unknown>(operation: string, body: object): Promise<T>;
}

/** The error `call()` rejects with on a non-2xx answer. */
export class EmulatorCallError extends Error {
  override readonly name = "EmulatorCallError";
  readonly status: number;
  readonly body: unknown;

  constructor(operation: string, status: number, body: unknown) {
    const detail = (body as { error?: { detail?: string } } | undefined)?.error?.detail;
    super(`${operation} answered ${status}${detail ? `: ${detail}` : ""}`);
    this.status = status;
    this.body = body;
  }
}

const JSON_TYPE = "application/json";

function send(res: ServerResponse, status: number, body: string, contentType = JSON_TYPE): void {
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

function errorBody(requestId: string, error: ApiError): string {
  return JSON.stringify({ meta: { requestId }, error: error.toBody() });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () =>
      resolve(
        chunks.length === 1 ? (chunks[0] as Buffer).toString() : Buffer.concat(chunks).toString(),
      ),
    );
    req.on("error", reject);
  });
}

/**
 * Starts a local server that speaks Unkey's v2 API (the subset keyguard and its
 * users need), with Unkey's envelopes, codes and verification semantics.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator({ seed: "./seed.json" });
 * const { apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "demo" });
 * const { key } = await emulator.call<{ key: string }>("keys.createKey", { apiId, permissions: ["docs.read"] });
 * const unkey = new Unkey({ rootKey: emulator.rootKey, serverURL: emulator.url });
 * await emulator.stop();
 * ```
 */
export async function startEmulator(options?: EmulatorOptions): Promise<Emulator> {
  const config = resolveOptions(options);
  const now = config.now;

  let state = new State();
  const loaded = config.dataFile ? readDataFile(config.dataFile) : undefined;
  const rootKeys = new Map<string, RootKeyRecord>();
  if (loaded) state = State.fromSnapshot(loaded);
  if (config.seed !== undefined) {
    const seed = loadSeed(config.seed);
    // A loaded data file already holds the seeded workspace: apply only root keys.
    const seeded = applySeed(loaded ? new State() : state, seed, now());
    for (const root of seeded)
      rootKeys.set(hashKey(root.key), { permissions: new Set(root.permissions) });
  }
  const rootKey = config.rootKey ?? newRootKey();
  rootKeys.set(hashKey(rootKey), { permissions: new Set(["*"]) });

  const save = () => {
    if (config.dataFile) writeDataFile(config.dataFile, state.toSnapshot());
  };
  if (config.dataFile && !loaded) save();

  const limiter = new FixedWindowLimiter();
  let fault: Fault | null = null;
  let calls: Record<string, number> = Object.create(null);
  let total = 0;
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, run: () => void) => {
    if (ms <= 0) return run();
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const handle = (operation: Operation, req: IncomingMessage, text: string, requestId: string) => {
    const auth = req.headers.authorization;
    if (!auth) {
      throw new ApiError(
        400,
        "unkey/authentication/missing",
        "Authorization header is missing; send Authorization: Bearer <root key>.",
      );
    }
    if (!auth.startsWith("Bearer ") || auth.length <= 7) {
      throw new ApiError(
        400,
        "unkey/authentication/malformed",
        "Authorization header must be: Bearer <root key>.",
      );
    }
    const root = rootKeys.get(hashKey(auth.slice(7).trim()));
    if (!root)
      throw new ApiError(401, "unkey/authentication/key_not_found", "The root key does not exist.");
    let raw: unknown;
    try {
      raw = text === "" ? undefined : JSON.parse(text);
    } catch {
      throw new ApiError(
        400,
        "unkey/application/invalid_input",
        "The request body is not valid JSON.",
        [{ location: "body", message: "invalid JSON" }],
      );
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new ApiError(
        400,
        "unkey/application/invalid_input",
        "The request body must be a JSON object.",
        [{ location: "body", message: "expected object" }],
      );
    }
    const body = parseBody(operation, raw);
    let dirty = false;
    const ctx = createContext(state, limiter, root, now, () => {
      dirty = true;
    });
    const handler = handlers[operation] as (c: typeof ctx, b: unknown) => HandlerResult;
    const result = handler(ctx, body);
    if (dirty) save();
    return JSON.stringify(
      result.pagination
        ? { meta: { requestId }, data: result.data, pagination: result.pagination }
        : { meta: { requestId }, data: result.data },
    );
  };

  const answer = (
    operation: Operation,
    req: IncomingMessage,
    res: ServerResponse,
    text: string,
  ) => {
    const requestId = newRequestId();
    try {
      send(res, 200, handle(operation, req, text, requestId));
    } catch (error) {
      const apiError =
        error instanceof ApiError
          ? error
          : new ApiError(
              500,
              "unkey/application/unexpected_error",
              "The emulator failed unexpectedly.",
            );
      send(res, apiError.status, errorBody(requestId, apiError));
    }
  };

  const faulted = (res: ServerResponse, f: Fault) => {
    const status = f.status ?? 500;
    const body =
      f.body === undefined
        ? JSON.stringify({
            meta: { requestId: newRequestId() },
            error: {
              title: titleFor(status),
              detail: "Fault injected by the emulator.",
              status,
              type: "https://unkey.com/docs/api-reference/errors-v2/unkey/application/unexpected_error",
            },
          })
        : typeof f.body === "string"
          ? f.body
          : JSON.stringify(f.body);
    send(res, status, body, f.contentType ?? JSON_TYPE);
  };

  const server = createServer({ keepAlive: true }, (req, res) => {
    const url = req.url ?? "";
    if (url === "/v2/liveness" && (req.method === "GET" || req.method === "HEAD")) {
      calls.liveness = (calls.liveness ?? 0) + 1;
      total += 1;
      send(
        res,
        200,
        JSON.stringify({ meta: { requestId: newRequestId() }, data: { message: "OK" } }),
      );
      return;
    }
    const operation = url.startsWith("/v2/") ? (url.slice(4).split("?")[0] ?? "") : "";
    if (!Object.hasOwn(schemas, operation)) {
      req.resume();
      const error = new ApiError(
        404,
        "unkey/application/not_found",
        `No route ${req.method} ${url}.`,
      );
      send(res, 404, errorBody(newRequestId(), error));
      return;
    }
    const op = operation as Operation;
    calls[op] = (calls[op] ?? 0) + 1;
    total += 1;
    if (req.method !== "POST") {
      req.resume();
      send(
        res,
        405,
        errorBody(
          newRequestId(),
          new ApiError(405, "unkey/application/method_not_allowed", "Use POST."),
        ),
      );
      return;
    }
    const activeFault = op === "keys.verifyKey" ? fault : null;
    readBody(req).then(
      (text) => {
        if (activeFault?.reset) {
          req.socket.destroy();
          return;
        }
        if (activeFault?.hang) return;
        const replace =
          activeFault &&
          (activeFault.status !== undefined ||
            activeFault.body !== undefined ||
            activeFault.contentType !== undefined);
        const delay = config.latencyMs + (activeFault?.latencyMs ?? 0);
        later(delay, () => {
          if (res.destroyed) return;
          if (replace && activeFault) faulted(res, activeFault);
          else answer(op, req, res, text);
        });
      },
      () => req.socket.destroy(),
    );
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  let stopped: Promise<void> | undefined;
  return {
    url,
    rootKey,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
    setFault(next) {
      fault = next ? { ...next } : null;
    },
    stats() {
      return { calls: { ...calls }, total };
    },
    resetStats() {
      calls = Object.create(null);
      total = 0;
    },
    async call<T = unknown>(operation: string, body: object): Promise<T> {
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
    },
  };
}
