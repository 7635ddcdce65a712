import "reflect-metadata";
import { fakeUnkey } from "@keyguard/test-support";
import { Controller, Get } from "@nestjs/common";
import { APP_GUARD } from "@nestjs/core";
import { afterEach, describe, expect, it } from "vitest";
import { ApiKey, UnkeyGuard, UnkeyModule, UnkeyRoute } from "../src/index";
import { type Platform, startApp } from "./app";

// A method's @UnkeyRoute() replaces its controller's field by field, as route
// options replace the app-wide ones in the core: a method that only adds tags
// must not drop the controller's cost (attacker review: the key went uncharged).

@Controller("priced")
@UnkeyRoute({ cost: 2, tags: ["class"] })
class PricedController {
  @Get("tagged")
  @UnkeyRoute({ tags: ["export"] })
  tagged(@ApiKey("credits") credits: number | undefined) {
    return { credits };
  }

  @Get("free")
  @UnkeyRoute({ cost: 0 })
  free(@ApiKey("credits") credits: number | undefined) {
    return { credits };
  }

  @Get("plain")
  plain(@ApiKey("credits") credits: number | undefined) {
    return { credits };
  }
}

/** Inherits the controller-level cost of its base; overrides only the tags. */
@Controller("priced-child")
@UnkeyRoute({ tags: ["child"] })
class PricedChildController extends PricedController {}

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function start(platform: Platform) {
  const upstream = fakeUnkey({ sk_credits: { keyId: "key_credits", credits: 100 } });
  const running = await startApp(platform, {
    imports: [UnkeyModule.forRoot({ rootKey: "unkey_root_test", fetch: upstream.fetch })],
    controllers: [PricedController, PricedChildController],
    providers: [{ provide: APP_GUARD, useClass: UnkeyGuard }],
  });
  close = () => running.app.close();
  return { url: running.url, upstream };
}

async function get(url: string) {
  const response = await fetch(url, { headers: { authorization: "Bearer sk_credits" } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { credits?: number }).credits;
}

describe.each<Platform>(["express", "fastify"])("@UnkeyRoute() merging on %s", (platform) => {
  it("a method's tags keep the controller's cost; the key is charged on every request", async () => {
    const { url, upstream } = await start(platform);
    expect(await get(`${url}/priced/tagged`)).toBe(98);
    expect(await get(`${url}/priced/tagged`)).toBe(96);
    expect(upstream.calls).toBe(2);
    expect(upstream.lastBody).toMatchObject({ credits: { cost: 2 }, tags: ["export"] });
  });

  it("a method's cost: 0 replaces the controller's cost, and keeps its tags", async () => {
    const { url, upstream } = await start(platform);
    expect(await get(`${url}/priced/free`)).toBe(100);
    expect(upstream.lastBody).toMatchObject({ credits: { cost: 0 }, tags: ["class"] });
  });

  it("a method without @UnkeyRoute() takes the controller's options whole", async () => {
    const { url, upstream } = await start(platform);
    expect(await get(`${url}/priced/plain`)).toBe(98);
    expect(upstream.lastBody).toMatchObject({ credits: { cost: 2 }, tags: ["class"] });
  });

  it("a subclass's @UnkeyRoute({ tags }) keeps its base controller's cost", async () => {
    const { url, upstream } = await start(platform);
    expect(await get(`${url}/priced-child/plain`)).toBe(98);
    expect(upstream.lastBody).toMatchObject({ credits: { cost: 2 }, tags: ["child"] });
  });
});
