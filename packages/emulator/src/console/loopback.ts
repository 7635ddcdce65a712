import { isIPv4 } from "node:net";

/**
 * Whether `host` (the `host` option, before listening) names this machine only: `localhost`,
 * an address of 127.0.0.0/8 (RFC 1122 §3.2.1.3) or `::1` (RFC 4291 §2.5.3), with or without
 * the brackets of a URL, or an IPv4-mapped loopback address (`::ffff:127.0.0.1`).
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (bare === "localhost" || bare === "::1" || bare === "0:0:0:0:0:0:0:1") return true;
  const v4 = bare.startsWith("::ffff:") ? bare.slice("::ffff:".length) : bare;
  return isIPv4(v4) && v4.startsWith("127.");
}

/**
 * The `Host` header values the console answers: the loopback names with the port the emulator
 * listens on, and the address it is bound to. Anything else is a request that reached this
 * port under another name: a DNS-rebinding page (its name resolved to 127.0.0.1 after it
 * loaded) sends its own name, which is refused.
 */
export function allowedHosts(boundAddress: string, port: number): ReadonlySet<string> {
  const bound = boundAddress.includes(":") ? `[${boundAddress}]` : boundAddress;
  return new Set(
    ["127.0.0.1", "localhost", "[::1]", bound].map((name) => `${name.toLowerCase()}:${port}`),
  );
}
