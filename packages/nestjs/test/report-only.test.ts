import "reflect-metadata";
import * as diagnostics from "node:diagnostics_channel";
import type { DecisionMessage } from "@keyguard/core";
import { type Emulator, startEmulator } from "@keyguard/emulator";
import { Controller, Get } from "@nestjs/common";
import { APP_GUARD } from "@nestjs/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RequirePermissions, UnkeyGuard, UnkeyModule, UnkeyRoute } from "../src/index";
import { type Platform, startApp } from "./app";

// `@UnkeyRoute({ reportOnly })`: the candidate is reported, the route's own rules decide.

@Controller("docs")
class DocsController {
  @Get()
  @RequirePermissions("docs.read")
  @UnkeyRoute({ reportOnly: { permissions: "docs.read AND docs.write" } })
  list() {
    return { route: "list" };
  }
}

const messages: DecisionMessage[] = [];
const listen = (message: unknown) => messages.push(message as DecisionMessage);

describe.each<Platform>(["express", "fastify"])("@UnkeyRoute({ reportOnly }) on %s", (platform) => {
  let emulator: Emulator;
  let running: Awaited<ReturnType<typeof startApp>>;
  let reader = "";

  beforeAll(async () => {
    diagnostics.subscribe("keyguard:decision", listen);
    emulator = await startEmulator({ seed: { permissions: ["docs.read", "docs.write"] } });
    const { apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "nest" });
    ({ key: reader } = await emulator.call<{ key: string }>("keys.createKey", {
      apiId,
      permissions: ["docs.read"],
    }));
    running = await startApp(platform, {
      imports: [UnkeyModule.forRoot({ rootKey: emulator.rootKey, baseUrl: emulator.url })],
      controllers: [DocsController],
      providers: [{ provide: APP_GUARD, useClass: UnkeyGuard }],
    });
  });
  afterAll(async () => {
    diagnostics.unsubscribe("keyguard:decision", listen);
    await running?.app.close();
    await emulator?.stop();
  });

  it("lets the key in as @RequirePermissions() says, and publishes would refuse", async () => {
    messages.length = 0;
    const response = await fetch(`${running.url}/docs`, {
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(response.status).toBe(200);
    expect(messages.map((message) => message.reportOnly)).toEqual([
      {
        outcome: "would_refuse",
        reason: "INSUFFICIENT_PERMISSIONS",
        permissions: { query: "docs.read AND docs.write", satisfied: false },
      },
    ]);
  });
});

describe("@UnkeyRoute({ reportOnly }) is checked when applied", () => {
  it("a bad candidate query names the option and the method", () => {
    class Target {
      list() {}
    }
    const apply = () =>
      UnkeyRoute({ reportOnly: { permissions: "docs.read AND" } })(
        Target.prototype,
        "list",
        Object.getOwnPropertyDescriptor(Target.prototype, "list") as PropertyDescriptor,
      );
    expect(apply).toThrow(
      expect.objectContaining({
        name: "KeyguardConfigError",
        option: "reportOnly.permissions",
        at: "@UnkeyRoute() on Target.list",
      }),
    );
  });
});
