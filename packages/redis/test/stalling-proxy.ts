import { createServer, Socket } from "node:net";
import { freePort } from "./redis-server";

/**
 * A TCP proxy in front of a redis-server that can go silent on a connection
 * without closing it: what a NAT, a load balancer or a failover does to an idle
 * subscriber. Neither end hears a FIN or an RST; bytes just stop arriving.
 */
export interface StallingProxy {
  readonly url: string;
  /** Connections that sent SUBSCRIBE through the proxy so far. */
  subscribers(): number;
  /**
   * Stops forwarding, both ways, on every open connection that sent SUBSCRIBE; returns how
   * many. With `untilResumed`, every later one too, from its SUBSCRIBE on.
   */
  stallSubscribers(options?: { untilResumed?: boolean }): number;
  /** Later subscribers are forwarded again (the stalled ones stay stalled). */
  resume(): void;
  close(): Promise<void>;
}

interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
  subscriber: boolean;
  stalled: boolean;
}

export async function startStallingProxy(targetPort: number): Promise<StallingProxy> {
  const links = new Set<Link>();
  let subscribers = 0;
  let stallNew = false;
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = new Socket({ allowHalfOpen: true });
    const link: Link = { client, upstream, subscriber: false, stalled: false };
    links.add(link);
    client.on("data", (chunk: Buffer) => {
      if (link.stalled) return;
      if (!link.subscriber && /subscribe/i.test(chunk.toString("latin1"))) {
        link.subscriber = true;
        subscribers++;
        if (stallNew) {
          link.stalled = true;
          return;
        }
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!link.stalled) client.write(chunk);
    });
    // A stalled link passes nothing on, not even a close: the other end never learns.
    const closeBoth = () => {
      if (link.stalled) return;
      client.destroy();
      upstream.destroy();
      links.delete(link);
    };
    for (const socket of [client, upstream]) {
      socket.on("end", closeBoth);
      socket.on("close", closeBoth);
      socket.on("error", closeBoth);
    }
    upstream.connect(targetPort, "127.0.0.1");
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `redis://127.0.0.1:${port}`,
    subscribers: () => subscribers,
    stallSubscribers(options = {}) {
      stallNew = options.untilResumed === true;
      let stalled = 0;
      for (const link of links) {
        if (link.subscriber && !link.stalled) {
          link.stalled = true;
          stalled++;
        }
      }
      return stalled;
    },
    resume() {
      stallNew = false;
    },
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.upstream.destroy();
      }
      links.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
