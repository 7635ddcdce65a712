import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { Server as HttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, expect, it } from "vitest";
import { createVerifier } from "../src/index";
import { FREE_SOCKET_IDLE_MS } from "../src/transport/http/node";
import { CLIENT } from "../src/transport/http/web";
import { ROOT_KEY } from "./fake-unkey";

// The node:http client's keep-alive sockets, from a raw Unkey stand-in. A verification may
// deduct credits (and a ratelimit.limit counts), so a request is never sent twice: a reset
// cannot tell whether the server read it. Idle sockets are closed by this side first. Runs
// where the build's client is node:http (the `core (node)` project).
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
 * A raw Unkey stand-in: `reply(socket, served)` answers (or not) each request it reads, in
 * order on its connection; it counts connections and the requests it read.
 */
async function rawUnkey(reply: (socket: Socket, served: number) => void) {
  let connections = 0;
  let requests = 0;
  server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    let served = 0;
    socket.on("data", () => {
      requests++;
      reply(socket, served++);
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

const verifierFor = (url: string, timeoutMs = 2000) =>
  createVerifier({ rootKey: ROOT_KEY, baseUrl: url, cache: false, timeoutMs });

it.runIf(CLIENT !== "fetch")(
  "a request reset on a reused socket after the server read it is refused (503), never sent twice",
  async () => {
    // Answers the first request of a connection, reads the second and resets: a crash or a
    // cut connection after Unkey took the request (and maybe the credits).
    const unkey = await rawUnkey((socket, served) =>
      served === 0 ? socket.write(RESPONSE) : socket.resetAndDestroy(),
    );
    const verifier = verifierFor(unkey.url);
    expect(await verifier.verify("sk_first")).toMatchObject({ valid: true, keyId: "key_s" });
    await expect(verifier.verify("sk_second")).rejects.toMatchObject({
      code: "VERIFIER_UNAVAILABLE",
    });
    expect(unkey.requests()).toBe(2); // one each: the second was not sent again
    expect(unkey.connections()).toBe(1);
  },
);

it.runIf(CLIENT !== "fetch")("a reset on a fresh socket is not retried", async () => {
  const unkey = await rawUnkey((socket) => socket.resetAndDestroy());
  const verifier = verifierFor(unkey.url);
  await expect(verifier.verify("sk_fresh")).rejects.toMatchObject({ code: "VERIFIER_UNAVAILABLE" });
  expect(unkey.connections()).toBe(1);
  expect(unkey.requests()).toBe(1);
});

it.runIf(CLIENT !== "fetch")(
  "an idle keep-alive socket is closed by this side after 4 s, before a server's own idle timeout",
  async () => {
    // The client sockets this process opens (Node publishes each on this channel).
    const opened: Socket[] = [];
    const onSocket = (message: unknown) => opened.push((message as { socket: Socket }).socket);
    subscribe("net.client.socket", onSocket);
    try {
      let clientClosed!: () => void;
      const closed = new Promise<void>((resolve) => {
        clientClosed = resolve;
      });
      // The stand-in never closes a connection itself: an `end` is the client's doing.
      const unkey = await rawUnkey((socket, served) => {
        if (served === 0) socket.once("end", () => clientClosed());
        socket.write(RESPONSE);
      });
      const verifier = verifierFor(unkey.url);
      await verifier.verify("sk_1");
      await verifier.verify("sk_2");
      expect(unkey.connections()).toBe(1); // reused while warm
      // Back in the pool, the socket is armed to close after FREE_SOCKET_IDLE_MS, shorter than
      // Node's own server idle timeout: read from the socket and the server, not raced on a clock.
      await new Promise((resolve) => setImmediate(resolve));
      const port = Number(new URL(unkey.url).port);
      const socket = opened.find((s) => s.remotePort === port);
      expect(socket?.timeout).toBe(FREE_SOCKET_IDLE_MS);
      expect(FREE_SOCKET_IDLE_MS).toBeLessThan(new HttpServer().keepAliveTimeout);
      // And that timer does close it, as the stand-in sees: an event, whenever it comes.
      await closed;
      expect(await verifier.verify("sk_3")).toMatchObject({ valid: true });
      expect(unkey.connections()).toBe(2);
    } finally {
      unsubscribe("net.client.socket", onSocket);
    }
  },
  // The socket's 4 s of idleness are real time; the rest is room for a busy machine.
  30_000,
);

it.runIf(CLIENT !== "fetch")(
  "a 101 Switching Protocols answer fails the verification at once, never hangs it",
  async () => {
    const unkey = await rawUnkey((socket) =>
      socket.write("HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\nconnection: upgrade\r\n\r\n"),
    );
    // A deadline past the test's own timeout: only noticing the closed exchange can end it.
    const verifier = verifierFor(unkey.url, 60_000);
    await expect(verifier.verify("sk_up")).rejects.toMatchObject({
      code: "VERIFIER_UNAVAILABLE",
      // Our own message names no client error (a client's may quote the Authorization header).
      message: expect.stringMatching(/could not be reached/),
    });
  },
);
