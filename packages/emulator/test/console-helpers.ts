import { request } from "node:http";
import type { Emulator } from "../src/index";
import type { Json } from "./helpers";

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: Json;
}

export interface ConsoleRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * One request to the emulator over node:http, which (unlike fetch) sends the `Host`,
 * `Origin` and `Sec-Fetch-Site` headers a test gives, as a browser or an attacker would.
 */
export function consoleRequest(emulator: Emulator, req: ConsoleRequest): Promise<Answer> {
  const url = new URL(req.path, emulator.url);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: req.method ?? "GET", headers: { host: url.host, ...req.headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          let body: Json;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      },
    );
    outgoing.on("error", reject);
    outgoing.end(req.body);
  });
}

/** Opens a new one-time link; resolves the `name=value` of the session cookie it sets. */
export async function signIn(emulator: Emulator): Promise<string> {
  const link = emulator.console?.link();
  if (!link) throw new Error("the console is off");
  const answer = await consoleRequest(emulator, { path: link });
  const cookie = [answer.headers["set-cookie"] ?? []].flat()[0];
  if (answer.status !== 200 || !cookie) throw new Error(`sign-in answered ${answer.status}`);
  return cookie.split(";")[0] as string;
}

/** A same-origin POST of the console's page, as a browser sends it. */
export function pageHeaders(emulator: Emulator, cookie: string): Record<string, string> {
  return {
    cookie,
    origin: emulator.url,
    "sec-fetch-site": "same-origin",
    "content-type": "application/json",
  };
}

/** Runs a console action (a v2 operation) as the page does. */
export function consoleAction(emulator: Emulator, cookie: string, operation: string, body: object) {
  return consoleRequest(emulator, {
    method: "POST",
    path: `/console/api/${operation}`,
    headers: pageHeaders(emulator, cookie),
    body: JSON.stringify(body),
  });
}

export interface StreamEvent {
  event: string;
  id?: string;
  data: Json;
}

export interface ReadOptions {
  lastEventId?: number;
  /** Run once the backlog is read (the `ready` event): the stream is subscribed by then. */
  onReady?: () => Promise<unknown>;
}

/**
 * Reads the console's event stream until `done(events)` holds (checked after each chunk),
 * then closes it. Counts events; never waits on a clock.
 */
export async function readEvents(
  emulator: Emulator,
  cookie: string,
  done: (events: StreamEvent[]) => boolean,
  options: ReadOptions = {},
): Promise<StreamEvent[]> {
  const headers: Record<string, string> = { cookie };
  if (options.lastEventId !== undefined) headers["last-event-id"] = String(options.lastEventId);
  let ready: Promise<unknown> | undefined;
  const response = await fetch(`${emulator.url}/console/api/events`, { headers });
  if (!response.body) throw new Error(`no event stream: ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const events: StreamEvent[] = [];
  let buffer = "";
  try {
    while (!done(events)) {
      const { value, done: ended } = await reader.read();
      if (ended) throw new Error("the event stream ended");
      buffer += value;
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = new Map(
          block
            .split("\n")
            .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]),
        );
        const event = fields.get("event");
        if (event)
          events.push({
            event,
            id: fields.get("id"),
            data: JSON.parse(fields.get("data") ?? "null"),
          });
        if (event === "ready" && options.onReady) ready = options.onReady();
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    await reader.cancel();
  }
  await ready;
  return events;
}

/** The log rows of a stream's events. */
export const logRows = (events: StreamEvent[]): Json[] =>
  events.filter((e) => e.event === "log").map((e) => e.data);
