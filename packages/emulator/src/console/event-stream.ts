import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConsoleLog, ConsoleMessage } from "./events";
import { SECURITY_HEADERS } from "./problem";

// A page that stops reading (a suspended tab) is dropped past this much unsent text; its
// EventSource reconnects with Last-Event-ID and gets what it missed from the log.
const MAX_UNSENT_BYTES = 1024 * 1024;

function format(message: ConsoleMessage): string {
  if (message.type === "state") return "event: state\ndata: {}\n\n";
  // JSON.stringify escapes line breaks, so the entry is one `data:` line (HTML §9.2.5).
  return `id: ${message.entry.id}\nevent: log\ndata: ${JSON.stringify(message.entry)}\n\n`;
}

/**
 * Serves the live log as server-sent events (HTML §9.2): the kept rows after the request's
 * `Last-Event-ID` (all of them on a first connection), a `ready` event, then every new row
 * and every change of the workspace as they happen, until the page goes away.
 */
export function serveEventStream(req: IncomingMessage, res: ServerResponse, log: ConsoleLog) {
  const lastId = Number(req.headersDistinct["last-event-id"]?.[0] ?? 0);
  res.writeHead(200, { ...SECURITY_HEADERS, "content-type": "text/event-stream; charset=utf-8" });
  let text = "retry: 1000\n\n";
  for (const entry of log.since(Number.isSafeInteger(lastId) ? lastId : 0)) {
    text += format({ type: "log", entry });
  }
  res.write(`${text}event: ready\ndata: {}\n\n`);
  const unsubscribe = log.subscribe((message) => {
    if (res.writableLength > MAX_UNSENT_BYTES) res.destroy();
    else res.write(format(message));
  });
  res.on("close", unsubscribe);
}
