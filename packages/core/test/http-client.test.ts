import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it, vi } from "vitest";
import { createVerifier } from "../src/index";
import { CLIENT } from "../src/transport/http/web";
import { ROOT_KEY } from "./fake-unkey";

// This file runs in the `core` project (fetch) and in `core (node)`, where the Node
// build's node:http client replaces it: the default client is what the build says,
// and a user-supplied fetch always wins.
let server: Server | undefined;
afterEach(async () => {
  vi.unstubAllGlobals();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

async function unkeyOnLoopback(): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        meta: { requestId: "req_h" },
        data: { valid: true, code: "VALID", keyId: "key_h" },
      }),
    );
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

it(`the default client is the build's (${CLIENT})`, async () => {
  const baseUrl = await unkeyOnLoopback();
  const real = globalThis.fetch;
  const spy = vi.fn((...args: Parameters<typeof fetch>) => real(...args));
  vi.stubGlobal("fetch", spy);
  const verifier = createVerifier({ rootKey: ROOT_KEY, baseUrl, cache: false });
  expect(await verifier.verify("sk_client")).toMatchObject({ valid: true, keyId: "key_h" });
  expect(spy).toHaveBeenCalledTimes(CLIENT === "fetch" ? 1 : 0);
});

it("a user-supplied fetch is used on every build", async () => {
  const baseUrl = await unkeyOnLoopback();
  const mine = vi.fn((...args: Parameters<typeof fetch>) => fetch(...args));
  const verifier = createVerifier({ rootKey: ROOT_KEY, baseUrl, cache: false, fetch: mine });
  await verifier.verify("sk_client");
  expect(mine).toHaveBeenCalledTimes(1);
});
