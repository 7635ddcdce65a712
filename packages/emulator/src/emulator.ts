import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { authenticate } from "./auth";
import { CODES, notFoundCode } from "./codes";
import { ConsoleLog } from "./console/events";
import { type EmulatorConsole, type MountedConsole, mountConsole } from "./console/mount";
import { JSON_TYPE, problemContentType } from "./content-negotiation";
import type { RootKeyRecord } from "./context";
import { dispatch } from "./dispatch";
import { ApiError } from "./errors";
import type { Fault } from "./fault";
import { faultAnswer } from "./fault-answer";
import { discardBody, readCappedBody, send } from "./http-io";
import { newRequestId } from "./ids";
import { type EmulatorOptions, resolveOptions } from "./options";
import { DataFileError, readDataFile, writeDataFile } from "./persistence";
import { hashKey } from "./resources";
import { chooseRootKey } from "./root-key-store";
import { type Operation, schemas } from "./schemas";
import { applySeed, DEFAULT_WORKSPACE_ID, loadSeed } from "./seed";
import { SlidingWindowLimiter } from "./sliding-window";
import { State } from "./state";

/** A running emulator. */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:54321`: pass it as the Unkey base URL / `serverURL`. */
  url: string;
  /** The root key with full rights (`*`); with a `dataFile`, the same on every start. */
  rootKey: string;
  /** Closes the server and destroys open and hanging sockets. */
  stop(): Promise<void>;
  /** Injects a fault into `keys.verifyKey` (or `fault.operations`) until cleared with `null`. */
  setFault(fault: Fault | null): void;
  /**
   * Calls received per operation (faulted and refused calls included), and the
   * rate-limit windows held in memory (`ratelimit.limit`, `ratelimit.multiLimit`
   * and key limits): a window is dropped once it can no longer count.
   */
  stats(): { calls: Record<string, number>; total: number; ratelimitWindows: number };
  /** Sets every call count back to zero. */
  resetStats(): void;
  /** POSTs `/v2/<operation>` with the root key; resolves `data`, rejects with status + error body. */
  call<T = unknown>(operation: string, body: object): Promise<T>;
  /** The console (keys, limits, a live log of verifications), or undefined when it is off. */
  console: EmulatorConsole | undefined;
}

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

const faultReplaces = (f: Fault) =>
  Boolean(f.reset || f.hang) ||
  f.status !== undefined ||
  f.body !== undefined ||
  f.contentType !== undefined;

function errorBody(requestId: string, error: ApiError): string {
  return JSON.stringify({ meta: { requestId }, error: error.toBody() });
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
  let workspaceId = DEFAULT_WORKSPACE_ID;
  if (config.seed !== undefined) {
    const seed = loadSeed(config.seed);
    workspaceId = seed.workspaceId ?? workspaceId;
    // A loaded data file already holds the seeded workspace: apply only root keys.
    const seeded = applySeed(loaded ? new State() : state, seed, now());
    for (const root of seeded) {
      rootKeys.set(hashKey(root.key), { permissions: new Set(root.permissions), workspaceId });
    }
  }
  const { rootKey, kept, unsaved } = chooseRootKey(config.rootKey, config.dataFile, loaded);
  rootKeys.set(hashKey(rootKey), { permissions: new Set(["*"]), workspaceId });

  const save = () => {
    if (config.dataFile) writeDataFile(config.dataFile, { ...state.toSnapshot(), rootKey: kept });
  };
  if (config.dataFile && (!loaded || unsaved)) save();

  const limiter = new SlidingWindowLimiter();
  const log = config.console ? new ConsoleLog(now) : undefined;
  let mounted: MountedConsole | undefined;
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

  const sendError = (req: IncomingMessage, res: ServerResponse, error: ApiError, id: string) => {
    const accept = req.headersDistinct.accept?.[0];
    const type = error.fromValidator ? JSON_TYPE : problemContentType(accept);
    send(res, error.status, errorBody(id, error), type);
  };

  const answer = (
    operation: Operation,
    root: RootKeyRecord,
    req: IncomingMessage,
    res: ServerResponse,
    text: string,
  ) => {
    const requestId = newRequestId();
    try {
      send(
        res,
        200,
        dispatch(
          { state, limiter, root, now, save, observe: log?.observe },
          operation,
          text,
          requestId,
        ),
      );
    } catch (error) {
      const apiError =
        error instanceof ApiError
          ? error
          : error instanceof DataFileError
            ? // The change is made in memory but not saved: say why, so the user can fix the file.
              new ApiError(500, CODES.unexpectedError, error.message)
            : new ApiError(500, CODES.unexpectedError, "The emulator failed unexpectedly.");
      sendError(req, res, apiError, requestId);
    }
  };

  // Answers an error without reading (or reading further) the body: what is
  // left of it is discarded unbuffered (see discardBody).
  const refuse = (req: IncomingMessage, res: ServerResponse, error: ApiError, delay: number) => {
    discardBody(req);
    later(delay, () => {
      if (!res.destroyed) sendError(req, res, error, newRequestId());
    });
  };

  const injectFault = (req: IncomingMessage, res: ServerResponse, f: Fault, delay: number) => {
    if (f.reset) {
      req.socket.destroy();
      return;
    }
    discardBody(req);
    if (f.hang) return;
    later(delay, () => {
      if (res.destroyed) return;
      const accept = req.headersDistinct.accept?.[0];
      const out = faultAnswer(f, { requestId: newRequestId(), now: now(), accept });
      send(res, out.status, out.body, out.contentType, out.headers);
    });
  };

  const server = createServer({ keepAlive: true }, (req, res) => {
    const url = req.url ?? "";
    if (mounted?.handles(url)) return mounted.handle(req, res);
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
      // Unkey's router answers unknown paths with Go's plain-text 404; the
      // emulator keeps its JSON envelope so that clients can read it.
      const error = new ApiError(404, notFoundCode("route"), `No route ${req.method} ${url}.`);
      send(res, 404, errorBody(newRequestId(), error));
      return;
    }
    const op = operation as Operation;
    calls[op] = (calls[op] ?? 0) + 1;
    total += 1;
    if (req.method !== "POST") {
      req.resume();
      send(res, 405, errorBody(newRequestId(), new ApiError(405, CODES.invalidInput, "Use POST.")));
      return;
    }
    const activeFault = (fault?.operations ?? ["keys.verifyKey"]).includes(op) ? fault : null;
    const delay = config.latencyMs + (activeFault?.latencyMs ?? 0);
    if (activeFault && faultReplaces(activeFault)) {
      injectFault(req, res, activeFault, delay);
      return;
    }
    let root: RootKeyRecord;
    try {
      root = authenticate(req.headers.authorization, rootKeys);
    } catch (error) {
      refuse(req, res, error as ApiError, delay);
      return;
    }
    readCappedBody(req, config.maxRequestBodySize).then(
      (text) => {
        if (text === null) {
          const detail = `The request body exceeds the maximum allowed size of ${config.maxRequestBodySize} bytes.`;
          refuse(req, res, new ApiError(413, CODES.requestBodyTooLarge, detail), delay);
          return;
        }
        later(delay, () => {
          if (!res.destroyed) answer(op, root, req, res, text);
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
  if (log) {
    const root = rootKeys.get(hashKey(rootKey)) as RootKeyRecord;
    const observe = log.observe;
    const run = (op: Operation, text: string, id: string) =>
      dispatch({ state, limiter, root, now, save, observe }, op, text, id);
    mounted = mountConsole({ log, address, url, rootKey, state, limiter, now, run });
  }

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
      return { calls: { ...calls }, total, ratelimitWindows: limiter.windows(now()) };
    },
    resetStats() {
      calls = Object.create(null);
      total = 0;
    },
    console: mounted ? { url: mounted.url, link: mounted.link } : undefined,
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
