import { createHash } from "node:crypto";

/** SHA-256 of the key, hex-encoded, through OpenSSL: synchronous and fast on Node. */
export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}
