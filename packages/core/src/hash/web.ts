import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/**
 * SHA-256 of the key, hex-encoded. Web Crypto's digest is asynchronous, which
 * would put a promise hop on every cache hit, so runtimes other than Node use
 * @noble/hashes: audited, synchronous, identical output to `node:crypto`.
 */
export function hashKey(key: string): string {
  return bytesToHex(sha256(utf8ToBytes(key)));
}
