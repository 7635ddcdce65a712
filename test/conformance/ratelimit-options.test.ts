import "reflect-metadata";
import { identify as expressIdentify, ratelimit as expressRatelimit } from "@keyguard/express";
import { identify as fastifyIdentify, keyguardRatelimit } from "@keyguard/fastify";
import { ratelimit as honoRatelimit } from "@keyguard/hono";
import { identify as nestIdentify, Ratelimit, RatelimitModule } from "@keyguard/nestjs";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";

const BASE = { rootKey: "unkey_root_test", namespace: "ns", limit: 5, duration: 60_000 };

/** The error a start-up threw, for its class name, option and message. */
function thrown(run: () => unknown): { name?: string; option?: string; message?: string } {
  try {
    run();
  } catch (error) {
    return error as { name: string; option: string; message: string };
  }
  throw new Error("no error at start-up");
}

describe("rate-limit options are refused at start-up, naming the option, on every adapter", () => {
  it("express: an unknown name gets the nearest valid one", () => {
    const error = thrown(() =>
      expressRatelimit({ ...BASE, identifer: expressIdentify.ip() } as never),
    );
    expect(error).toMatchObject({ name: "KeyguardConfigError", option: "identifer" });
    expect(error.message).toMatch(/did you mean `identifier`/);
  });

  it("hono: no identifier function", () => {
    expect(thrown(() => honoRatelimit({ ...BASE } as never))).toMatchObject({
      name: "KeyguardConfigError",
      option: "identifier",
    });
  });

  it("express: a duration outside Unkey's 1 s .. 30 days", () => {
    const error = thrown(() =>
      expressRatelimit({ ...BASE, duration: 500, identifier: expressIdentify.ip() }),
    );
    expect(error).toMatchObject({ option: "duration" });
    expect(error.message).toMatch(/from 1000 to 2,592,000,000/);
  });

  it("fastify: a route's config.ratelimit, named with its route", async () => {
    const app = Fastify();
    await app.register(keyguardRatelimit, { ...BASE, identifier: fastifyIdentify.ip() });
    const error = thrown(() =>
      app.get("/x", { config: { ratelimit: { cots: 2 } as never } }, () => "ok"),
    );
    expect(error).toMatchObject({
      name: "KeyguardConfigError",
      option: "config.ratelimit.cots",
      at: "route GET /x",
    });
    expect(error.message).toBe(
      "route GET /x: invalid option `config.ratelimit.cots`: unknown option; did you mean `config.ratelimit.cost`?",
    );
    await app.close();
  });

  it("nest: @Ratelimit() with a bad limit fails when the class is defined", () => {
    const error = thrown(() => {
      class AuthController {
        login() {}
      }
      const descriptor = Object.getOwnPropertyDescriptor(AuthController.prototype, "login");
      Ratelimit({ limit: 0 })(AuthController.prototype, "login", descriptor as PropertyDescriptor);
    });
    expect(error).toMatchObject({ option: "limit", at: "@Ratelimit() on AuthController.login" });
    expect(error.message).toMatch(
      /^@Ratelimit\(\) on AuthController\.login: invalid option `limit`/,
    );
  });

  it("nest: RatelimitModule.forRoot checks the limiter's options when declared", () => {
    expect(
      thrown(() =>
        RatelimitModule.forRoot({ ...BASE, namespace: "", identifier: nestIdentify.ip() }),
      ),
    ).toMatchObject({ option: "namespace" });
  });
});
