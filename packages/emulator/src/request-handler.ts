// One HTTP request to the emulator: the console's pages apart, in the order Unkey's router and
// middleware take it: route, method, (injected fault), root key, body size, the operation.
import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate } from "./auth";
import type { CallCounter } from "./call-counter";
import { CODES, notFoundCode } from "./codes";
import type { MountedConsole } from "./console/mount";
import { JSON_TYPE, problemContentType } from "./content-negotiation";
import type { RootKeyRecord } from "./context";
import type { Delays } from "./delays";
import { type DispatchInput, dispatch } from "./dispatch";
import { ApiError } from "./errors";
import { type Fault, faultFor, faultReplaces } from "./fault";
import { faultAnswer } from "./fault-answer";
import { discardBody, readCappedBody, send } from "./http-io";
import { newRequestId } from "./ids";
import type { ResolvedEmulatorOptions } from "./options";
import { DataFileError } from "./persistence";
import { type Operation, schemas } from "./schemas";

/** What the handler reads and changes, shared by every request of one emulator. */
export interface RequestHandlerDeps {
  readonly config: ResolvedEmulatorOptions;
  /** What an operation runs on, besides the caller's root key. */
  readonly world: Omit<DispatchInput, "root">;
  readonly rootKeys: ReadonlyMap<string, RootKeyRecord>;
  readonly counter: CallCounter;
  readonly delays: Delays;
  /** The fault set now: `setFault` changes it between requests. */
  readonly fault: () => Fault | null;
  /** The console, once mounted (after the server listens), when it is served. */
  readonly console: () => MountedConsole | undefined;
}

/** One authenticated call whose body is still to be read. */
interface Call {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly operation: Operation;
  readonly root: RootKeyRecord;
  readonly delay: number;
}

/** The `node:http` request listener of an emulator. */
export function createRequestHandler(
  deps: RequestHandlerDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => handleRequest(deps, req, res);
}

/**
 * The operation a `/v2/<operation>` path names, `undefined` for any other path (a query
 * string is ignored).
 */
export function operationOf(url: string): Operation | undefined {
  const operation = url.startsWith("/v2/") ? (url.slice(4).split("?")[0] ?? "") : "";
  return Object.hasOwn(schemas, operation) ? (operation as Operation) : undefined;
}

function livenessBody(): string {
  return JSON.stringify({ meta: { requestId: newRequestId() }, data: { message: "OK" } });
}

function handleRequest(deps: RequestHandlerDeps, req: IncomingMessage, res: ServerResponse) {
  const url = req.url ?? "";
  const mounted = deps.console();
  if (mounted?.handles(url)) return mounted.handle(req, res);
  if (url === "/v2/liveness" && (req.method === "GET" || req.method === "HEAD")) {
    deps.counter.count("liveness");
    send(res, 200, livenessBody());
    return;
  }
  const operation = operationOf(url);
  if (operation === undefined) {
    req.resume();
    // Unkey's router answers unknown paths with Go's plain-text 404; the
    // emulator keeps its JSON envelope so that clients can read it.
    const error = new ApiError(404, notFoundCode("route"), `No route ${req.method} ${url}.`);
    send(res, 404, errorBody(newRequestId(), error));
    return;
  }
  deps.counter.count(operation);
  if (req.method !== "POST") {
    req.resume();
    send(res, 405, errorBody(newRequestId(), new ApiError(405, CODES.invalidInput, "Use POST.")));
    return;
  }
  const fault = faultFor(deps.fault(), operation);
  const delay = deps.config.latencyMs + (fault?.latencyMs ?? 0);
  if (fault && faultReplaces(fault)) {
    injectFault(deps, req, res, fault, delay);
    return;
  }
  let root: RootKeyRecord;
  try {
    root = authenticate(req.headers.authorization, deps.rootKeys);
  } catch (error) {
    refuse(deps, req, res, error as ApiError, delay);
    return;
  }
  readAndAnswer(deps, { req, res, operation, root, delay });
}

function readAndAnswer(deps: RequestHandlerDeps, call: Call): void {
  const { req, res, delay } = call;
  const cap = deps.config.maxRequestBodySize;
  readCappedBody(req, cap).then(
    (text) => {
      if (text === null) {
        const detail = `The request body exceeds the maximum allowed size of ${cap} bytes.`;
        refuse(deps, req, res, new ApiError(413, CODES.requestBodyTooLarge, detail), delay);
        return;
      }
      deps.delays.later(delay, () => {
        if (!res.destroyed) answer(deps, call, text);
      });
    },
    () => req.socket.destroy(),
  );
}

function answer(deps: RequestHandlerDeps, call: Call, text: string): void {
  const { req, res, operation, root } = call;
  const requestId = newRequestId();
  try {
    send(res, 200, dispatch({ ...deps.world, root }, operation, text, requestId));
  } catch (error) {
    sendError(req, res, asApiError(error), requestId);
  }
}

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  // The change is made in memory but not saved: say why, so the user can fix the file.
  if (error instanceof DataFileError) {
    return new ApiError(500, CODES.unexpectedError, error.message);
  }
  return new ApiError(500, CODES.unexpectedError, "The emulator failed unexpectedly.");
}

// Answers an error without reading (or reading further) the body: what is
// left of it is discarded unbuffered (see discardBody).
function refuse(
  deps: RequestHandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  error: ApiError,
  delay: number,
): void {
  discardBody(req);
  deps.delays.later(delay, () => {
    if (!res.destroyed) sendError(req, res, error, newRequestId());
  });
}

function injectFault(
  deps: RequestHandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  fault: Fault,
  delay: number,
): void {
  if (fault.reset) {
    req.socket.destroy();
    return;
  }
  discardBody(req);
  if (fault.hang) return;
  deps.delays.later(delay, () => {
    if (res.destroyed) return;
    const accept = req.headersDistinct.accept?.[0];
    const { now } = deps.world;
    const out = faultAnswer(fault, { requestId: newRequestId(), now: now(), accept });
    send(res, out.status, out.body, out.contentType, out.headers);
  });
}

function sendError(req: IncomingMessage, res: ServerResponse, error: ApiError, id: string): void {
  const accept = req.headersDistinct.accept?.[0];
  const type = error.fromValidator ? JSON_TYPE : problemContentType(accept);
  send(res, error.status, errorBody(id, error), type);
}

function errorBody(requestId: string, error: ApiError): string {
  return JSON.stringify({ meta: { requestId }, error: error.toBody() });
}
