import { createServer, type Server, type Socket } from "node:net";
import { afterEach, expect, it } from "vitest";
import { CLIENT } from "../src/http/web";
import { createVerifier } from "../src/index";
import { ROOT_KEY } from "./fake-unkey";

// A keep-alive socket the server closed while idle fails with ECONNRESET when reused; the
// node:http client sends such a request once more on another socket. Runs where the build's
// client is node:http (the `core (node)` project); fetch has its own connection handling.
const ANSWER = JSON.stringify({
  meta: { requestId: "req_s" },
  data: { valid: true, code: "VALID", keyId: "key_s" },
});
const RESPONSE = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(ANSWER)}\r\nconnection: keep-alive\r\n\r\n${ANSWER}`;

let server: Server | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/**
 * A raw Unkey stand-in: each connection answers `answered` requests, then resets on the next
 * one without reading it (what a server that closed an idle socket looks like to its client).
 */
async function unkeyThatDropsSockets(
  answered: number,
): Promise<{ url: string; connections: () => number; requests: () => number }> {
  let connections = 0;
  let requests = 0;
  server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    let served = 0;
    socket.on("data", () => {
      if (served >= answered) {
        socket.resetAndDestroy();
        return;
      }
      served++;
      requests++;
      socket.write(RESPONSE);
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    requests: () => requests,
  };
}

it.runIf(CLIENT !== "fetch")(
  "a request that meets a reset on a reused keep-alive socket is sent once more, on a new socket",
  async () => {
    const unkey = await unkeyThatDropsSockets(1);
    const verifier = createVerifier({ rootKey: ROOT_KEY, baseUrl: unkey.url, cache: false });
    expect(await verifier.verify("sk_first")).toMatchObject({ valid: true, keyId: "key_s" });
    // The agent reuses the first socket, which the server now resets: retried on a second one.
    expect(await verifier.verify("sk_second")).toMatchObject({ valid: true, keyId: "key_s" });
    expect(unkey.connections()).toBe(2);
    expect(unkey.requests()).toBe(2);
  },
);

it.runIf(CLIENT !== "fetch")("a reset on a fresh socket is not retried", async () => {
  const unkey = await unkeyThatDropsSockets(0);
  const verifier = createVerifier({ rootKey: ROOT_KEY, baseUrl: unkey.url, cache: false });
  await expect(verifier.verify("sk_fresh")).rejects.toMatchObject({ code: "VERIFIER_UNAVAILABLE" });
  expect(unkey.connections()).toBe(1);
  expect(unkey.requests()).toBe(0);
});
