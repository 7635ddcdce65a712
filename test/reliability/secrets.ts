import type { RawResponse } from "../conformance/http";

/**
 * Leak detection shared by the suites: every raw key a test sends is tracked,
 * console and stdout/stderr output and thrown errors are captured, and every
 * response is checked. `leaks()` lists what was found; each suite asserts it is
 * empty in `afterAll`.
 *
 * Keys shorter than 12 characters are not tracked: "a" or "type" would match any
 * body by chance rather than by leaking.
 */
const keys = new Set<string>();
const captured: string[] = [];
const found: string[] = [];
let capturedBytes = 0;
const CAPTURE_LIMIT = 8 * 1024 * 1024;

/** Records a key the test sends (or creates), so that no output may contain it. */
export function trackKey(key: string): void {
  if (key.length >= 12) keys.add(key);
}

/** How many keys are tracked. */
export function trackedKeyCount(): number {
  return keys.size;
}

function keep(where: string, text: string): void {
  if (capturedBytes > CAPTURE_LIMIT) return;
  capturedBytes += text.length;
  captured.push(`${where}\u0000${text}`);
}

/** Records a thrown error (message and stack) for the final scan. */
export function observeError(error: unknown): void {
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
  keep("thrown error", text);
}

/**
 * Checks one response immediately against the key sent with it (cheap, so bulk
 * runs can check every response), and keeps it for the final scan against every
 * tracked key unless `bulk` is set.
 */
export function checkResponse(response: RawResponse, sent: string | undefined, bulk = false): void {
  const text = `${JSON.stringify(response.headers)}\n${response.text}`;
  if (sent !== undefined && sent.length >= 12 && text.includes(sent)) {
    found.push(`response (status ${response.status}) echoes the key it was sent`);
  }
  if (!bulk) keep(`response ${response.status}`, text);
}

type Write = typeof process.stdout.write;

/**
 * Wraps console.log/info/warn/error/debug and process.stdout/stderr.write so
 * their output is captured (and still printed). Answers a function that
 * restores them.
 */
export function captureOutput(): () => void {
  const methods = ["log", "info", "warn", "error", "debug"] as const;
  const originals = methods.map((name) => console[name]);
  methods.forEach((name, index) => {
    const original = originals[index] as (...args: unknown[]) => void;
    console[name] = (...args: unknown[]) => {
      keep(
        `console.${name}`,
        args.map((arg) => (typeof arg === "string" ? arg : safeString(arg))).join(" "),
      );
      original.apply(console, args);
    };
  });
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((stream) => stream.write);
  streams.forEach((stream, index) => {
    const original = writes[index] as Write;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(
        stream === process.stdout ? "stdout" : "stderr",
        typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"),
      );
      return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as Write;
  });
  return () => {
    methods.forEach((name, index) => {
      console[name] = originals[index] as (typeof console)[typeof name];
    });
    streams.forEach((stream, index) => {
      stream.write = writes[index] as Write;
    });
  };
}

function safeString(value: unknown): string {
  if (value instanceof Error) return `${value.message}\n${value.stack ?? ""}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Every place a tracked key appeared (where, never the key itself). */
export function leaks(): string[] {
  const out = [...found];
  for (const entry of captured) {
    const [where, text = ""] = entry.split("\u0000", 2);
    for (const key of keys) {
      if (text.includes(key)) out.push(`${where} contains a tracked key of length ${key.length}`);
    }
  }
  return out;
}

/** Figures for RESULTS.md. */
export function secretFigures(): { trackedKeys: number; capturedEntries: number; leaks: number } {
  return { trackedKeys: keys.size, capturedEntries: captured.length, leaks: leaks().length };
}
