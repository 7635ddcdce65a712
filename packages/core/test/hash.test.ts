import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashKey as nodeHash } from "../src/hash/node";
import { hashKey as webHash } from "../src/hash/web";

const INPUTS = [
  "",
  "abc",
  "sk_live_0123456789abcdef",
  "k".repeat(512),
  "é",
  "日本語のキー",
  "emoji 🔑 key",
  "\u0000\u0001\u007f",
];

describe("key hashing", () => {
  it.each(INPUTS)("hash/web and hash/node agree on %j", (input) => {
    const web = webHash(input);
    expect(web).toMatch(/^[0-9a-f]{64}$/);
    expect(web).toBe(nodeHash(input));
    // UTF-8 SHA-256, as Unkey stores keys.
    expect(web).toBe(createHash("sha256").update(input, "utf8").digest("hex"));
  });

  it("matches the SHA-256 test vectors", () => {
    expect(webHash("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(nodeHash("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("is synchronous and distinguishes near-identical keys", () => {
    const a = webHash("sk_a");
    expect(typeof a).toBe("string");
    expect(a).not.toBe(webHash("sk_b"));
    expect(a).not.toBe(webHash("sk_a "));
  });
});
