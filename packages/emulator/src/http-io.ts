import type { IncomingMessage, ServerResponse } from "node:http";

const JSON_TYPE = "application/json";

/** Writes a complete answer with an explicit length (and any extra headers). */
export function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = JSON_TYPE,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

// Node's http server discards an unread body so that the connection can be
// reused; past this many bytes the emulator drops the connection instead (the
// figure Go's net/http uses for the same decision).
const DRAIN_LIMIT = 256 * 1024;

/** Reads and throws away what is left of a body, without buffering it. */
export function discardBody(req: IncomingMessage): void {
  if (req.readableEnded) return;
  let drained = 0;
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT) req.socket.destroy();
  });
  req.on("error", () => req.socket.destroy());
}

/**
 * Reads a body of at most `cap` bytes, streaming: resolves null as soon as the
 * declared or received length passes the cap (nothing past it is kept), the
 * text otherwise. Rejects when the client aborts.
 */
export function readCappedBody(req: IncomingMessage, cap: number): Promise<string | null> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > cap) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) {
        cleanup();
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks).toString());
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}
