import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { RunningApp } from "./harness";

/** Listens on 127.0.0.1, port 0, and gives the harness's view of the server. */
export async function listenOnLoopback(
  server: Server,
  handlerCalls: () => number,
): Promise<RunningApp> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    handlerCalls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Serves a fetch handler (a Hono app's `app.fetch`) on Node, as {@link listenOnLoopback}. */
export async function serveOnLoopback(
  fetch: (request: Request) => Response | Promise<Response>,
  handlerCalls: () => number,
): Promise<RunningApp> {
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve) => {
      const started = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
        resolve({ server: started, port: (info as AddressInfo).port }),
      );
    },
  );
  return {
    url: `http://127.0.0.1:${port}`,
    handlerCalls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
