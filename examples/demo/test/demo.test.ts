import { createServer } from "node:net";
import { startEmulator } from "@keyguard/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Demo, renderInstructions, startDemo } from "../src/demo";

interface ParsedCurl {
  readonly expect: number[];
  readonly times: number;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** Splits a shell line into words, honouring single and double quotes (enough for our curl lines). */
function words(line: string): string[] {
  const out: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) out.push(match[1] ?? match[2] ?? match[3] ?? "");
  return out;
}

/** Reads the printed tour back: each `# <statuses> — …` comment and the curl line under it. */
function parseTour(text: string): ParsedCurl[] {
  const lines = text.split("\n");
  const parsed: ParsedCurl[] = [];
  lines.forEach((line, i) => {
    const comment = /^# ((?:\d{3} ?)+) — /.exec(line);
    if (!comment?.[1]) return;
    let command = lines[i + 1] ?? "";
    let times = 1;
    const loop = /^for i in ([\d ]+); do (curl .*); done$/.exec(command);
    if (loop?.[1] && loop[2]) {
      times = loop[1].trim().split(" ").length;
      command = loop[2];
    }
    const argv = words(command);
    expect(argv[0]).toBe("curl");
    const headers: Record<string, string> = {};
    let method = "GET";
    let body: string | undefined;
    let url = "";
    for (let a = 1; a < argv.length; a++) {
      const arg = argv[a] as string;
      if (arg === "-X") method = argv[++a] as string;
      else if (arg === "-H") {
        const [name, ...value] = (argv[++a] as string).split(":");
        headers[(name as string).toLowerCase()] = value.join(":").trim();
      } else if (arg === "-d") body = argv[++a];
      else if (arg === "-o" || arg === "-w") a++;
      else if (!arg.startsWith("-")) url = arg;
    }
    const statuses = comment[1].trim().split(" ").map(Number);
    parsed.push({ expect: statuses, times, method, url, headers, body });
  });
  return parsed;
}

interface LogRow {
  subject: string;
  keyName?: string;
  outcome: string;
}

/** The console's kept log rows: its event stream read up to the `ready` event. */
async function consoleLog(url: string, cookie: string): Promise<LogRow[]> {
  const response = await fetch(url, { headers: { cookie } });
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("event: ready\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text
    .split("\n\n")
    .filter((block) => block.includes("event: log\n"))
    .map((block) => JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null") as LogRow);
}

describe("pnpm start demo (on the in-process emulator)", () => {
  let demo: Demo;
  let printed: string;

  beforeAll(async () => {
    demo = await startDemo({ port: 0, env: {} });
    printed = renderInstructions(demo);
  });
  afterAll(async () => {
    await demo?.stop();
  });

  it("prints every demo key and a curl tour covering 200, 401, 403 and 429", () => {
    for (const { key } of Object.values(demo.keys)) expect(printed).toContain(key);
    const tour = parseTour(printed);
    expect(tour).toHaveLength(demo.commands.length);
    const statuses = new Set(tour.flatMap((c) => c.expect));
    for (const status of [200, 401, 403, 429]) expect(statuses).toContain(status);
  });

  it("answers every printed curl command with the status it claims, in order", async () => {
    const seen: Array<{ url: string; expected: number[]; got: number[] }> = [];
    for (const command of parseTour(printed)) {
      expect(command.url.startsWith(demo.url)).toBe(true);
      expect(command.times).toBe(command.expect.length);
      const got: number[] = [];
      for (let i = 0; i < command.times; i++) {
        const response = await fetch(command.url, {
          method: command.method,
          headers: command.headers,
          body: command.body,
        });
        await response.arrayBuffer();
        got.push(response.status);
      }
      seen.push({ url: `${command.method} ${command.url}`, expected: command.expect, got });
    }
    for (const { expected, got } of seen) expect(got).toEqual(expected);
  });

  it("prints a one-time console link whose live log holds the tour's verifications", async () => {
    const link = /^ {2}(http:\/\/127\.0\.0\.1:\d+\/console\/login\?token=\S+)$/m.exec(printed)?.[1];
    expect(link).toBeDefined();
    const signIn = await fetch(link as string);
    expect(signIn.status).toBe(200);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const rows = await consoleLog(new URL("/console/api/events", link).href, cookie);
    const seen = rows.map((row) => `${row.keyName ?? row.subject} ${row.outcome}`);
    const count = (line: string) => seen.filter((s) => s === line).length;
    // Each tour request that reaches the emulator; the rest keyguard answers from its cache.
    expect(count("Demo admin VALID")).toBeGreaterThanOrEqual(1);
    expect(count("Demo read-only VALID")).toBeGreaterThanOrEqual(1);
    expect(count("unknown key NOT_FOUND")).toBe(2); // the start-up check's made-up key, and the tour's
    expect(count("Demo expired EXPIRED")).toBe(1);
    expect(count("Demo disabled DISABLED")).toBe(1);
    expect(count("Demo metered VALID")).toBe(5);
    expect(count("Demo metered USAGE_EXCEEDED")).toBe(1);
    expect(count("Demo rate-limited VALID")).toBe(3);
    expect(count("Demo rate-limited RATE_LIMITED")).toBe(1);
    expect(seen.filter((s) => /^keyguard-demo\.signup\/\S+ PASSED$/.test(s))).toHaveLength(3);
    for (const { key } of Object.values(demo.keys)) expect(JSON.stringify(rows)).not.toContain(key);
    expect((await fetch(link as string)).status).toBe(403);
  });

  it("stops cleanly and frees the port", async () => {
    const { port } = demo;
    await demo.stop();
    await expect(fetch(`${demo.url}/health`)).rejects.toThrow();
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once("error", reject);
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
    });
  });
});

describe("startDemo's start-up check", () => {
  it("prints what the check found", async () => {
    const demo = await startDemo({ port: 0, env: {} });
    try {
      expect(demo.checked.verifyRight).toBe("unknown");
      expect(renderInstructions(demo)).toContain(`start-up check: ${demo.checked.summary}`);
    } finally {
      await demo.stop();
    }
  });

  it("stops the start on a root key Unkey refuses, with the fix, before making any key", async () => {
    const emulator = await startEmulator();
    try {
      const env = { UNKEY_ROOT_KEY: "unkey_root_from_last_week", UNKEY_BASE_URL: emulator.url };
      await expect(startDemo({ port: 0, env })).rejects.toMatchObject({
        name: "VerifierError",
        status: 401,
        message: expect.stringContaining("refused the root key from the rootKey option"),
      });
      expect(emulator.stats().calls["keys.createKey"]).toBeUndefined();
    } finally {
      await emulator.stop();
    }
  });
});

describe("startDemo on a port in use", () => {
  it("rejects with PortInUseError naming the port, and leaves nothing running", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      await expect(startDemo({ port, env: {} })).rejects.toMatchObject({
        name: "PortInUseError",
        port,
      });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
