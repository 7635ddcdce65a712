import { describe, expect, it } from "vitest";
import { setRequestContext } from "../src/request-context";

// An Express-shaped chain: app.request → express.request (plain objects) → a class prototype.
class IncomingLike {}
function expressChain() {
  const base = Object.create(IncomingLike.prototype) as object;
  const appRequest = Object.create(base) as object;
  const request = (locals: object | undefined = Object.create(null)) => {
    const req = Object.create(appRequest) as { res?: { locals?: object }; unkey?: unknown };
    req.res = { locals };
    return req;
  };
  return { base, request };
}

describe("setRequestContext", () => {
  it("keeps an Express request's context in res.locals, read back through req.unkey", () => {
    const { base, request } = expressChain();
    const req = request();
    setRequestContext(req, { keyId: "key_1" });
    expect(req.unkey).toEqual({ keyId: "key_1" });
    expect(Object.hasOwn(req, "unkey")).toBe(false);
    expect(Object.getOwnPropertyDescriptor(base, "unkey")?.get).toBeTypeOf("function");
    expect(request().unkey).toBeUndefined();
  });

  it("sets a plain property on a class instance (Fastify, bare Node) or without res.locals", () => {
    const instance = new IncomingLike() as { unkey?: unknown; res?: unknown };
    instance.res = { locals: {} };
    setRequestContext(instance, null);
    expect(Object.hasOwn(instance, "unkey")).toBe(true);
    expect(instance.unkey).toBeNull();
    const { request } = expressChain();
    const noLocals = request(undefined);
    setRequestContext(noLocals, { keyId: "key_2" });
    expect(noLocals.unkey).toEqual({ keyId: "key_2" });
  });

  it("leaves someone else's `unkey` accessor alone and assigns through it", () => {
    const { base, request } = expressChain();
    const written: unknown[] = [];
    Object.defineProperty(base, "unkey", {
      configurable: true,
      get: () => "theirs",
      set: (value) => written.push(value),
    });
    const req = request();
    setRequestContext(req, { keyId: "key_3" });
    expect(written).toEqual([{ keyId: "key_3" }]);
  });

  it("replaces a value assigned before the accessor existed", () => {
    const { request } = expressChain();
    const req = request();
    req.unkey = { keyId: "key_early" }; // an own property: no accessor yet
    setRequestContext(req, { keyId: "key_verified" });
    expect(req.unkey).toEqual({ keyId: "key_verified" });
  });
});
