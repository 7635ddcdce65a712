import * as crypto from "node:crypto";

// One-shot `crypto.hash` (Node ≥ 20.12) skips building a Hash object per request, the
// largest keyguard cost in the cached path's CPU profile; older Node 20 falls back.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string })
  .hash;

/** SHA-256 of the key, hex-encoded, through OpenSSL: synchronous and fast on Node. */
export const hashKey: (key: string) => string =
  typeof oneShot === "function"
    ? (key) => oneShot("sha256", key, "hex")
    : (key) => crypto.createHash("sha256").update(key).digest("hex");
