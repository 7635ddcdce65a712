import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { createGuard } from "../src/adapter";
import { fakeUnkey, ROOT_KEY, validAnswer } from "./fake-unkey";

// Another copy of the core, as a bundler makes one per entry: the CommonJS build is a
// module graph of its own, with its own record of the routes it compiled.
type Core = typeof import("../src/index");
const otherCopy = createRequire(import.meta.url)("../dist/index.cjs") as Core;

const bearer = (key: string) => new Headers({ authorization: `Bearer ${key}` });

describe("a verifier made by another copy of the core", () => {
  it("still applies the route's permissions and cost (Next.js 16: proxy.ts beside route handlers)", async () => {
    const unkey = fakeUnkey(() => validAnswer({ permissions: ["docs.read"] }));
    const verifier = otherCopy.createVerifier({ rootKey: ROOT_KEY, fetch: unkey.fetch });
    const guard = createGuard({ verifier });
    expect((await guard.check({ headers: bearer("sk_good") })).allowed).toBe(true);

    const admin = guard.route({ permissions: "admin" });
    expect(await guard.check({ headers: bearer("sk_good") }, admin)).toMatchObject({
      allowed: false,
      status: 403,
      code: "INSUFFICIENT_PERMISSIONS",
    });

    const metered = guard.route({ cost: 3 });
    const before = unkey.count;
    await guard.check({ headers: bearer("sk_good") }, metered);
    expect(unkey.count - before).toBe(1);
    expect(unkey.calls.at(-1)?.body).toMatchObject({ credits: { cost: 3 } });
  });
});
