import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, EmulatorOptionError, startEmulator } from "../src/index";
import { resolveOptions } from "../src/options";
import { consoleAction, consoleRequest, pageHeaders, signIn } from "./console-helpers";

let emulator: Emulator;
let keyId: string;
let key: string;

beforeEach(async () => {
  emulator = await startEmulator();
  const { apiId } = await emulator.call<{ apiId: string }>("apis.createApi", { name: "access" });
  ({ keyId, key } = await emulator.call<{ keyId: string; key: string }>("keys.createKey", {
    apiId,
    name: "Secret-named key",
    prefix: "acc",
  }));
});
afterEach(async () => {
  await emulator.stop();
});

const verify = () => emulator.call<{ code: string }>("keys.verifyKey", { key });

// A refusal is problem+json and carries nothing of the workspace.
function expectRefusal(
  answer: { status: number; headers: Record<string, unknown>; text: string },
  status: number,
  code: string,
) {
  expect(answer.status).toBe(status);
  expect(answer.headers["content-type"]).toBe("application/problem+json");
  expect(JSON.parse(answer.text)).toMatchObject({ status, code });
  expect(answer.text).not.toContain("Secret-named key");
  expect(answer.text).not.toContain(keyId);
}

describe("console access without the session cookie", () => {
  it.each([
    "/console",
    "/console/",
    "/console/console.js",
    "/console/console.css",
    "/console/api/workspace",
    "/console/api/events",
  ])("GET %s is a 401", async (path) => {
    const answer = await consoleRequest(emulator, { path });
    expectRefusal(answer, 401, "no_session");
    expect(answer.body.detail).toContain(`${emulator.url}/console/link`);
  });

  it("refuses an action with the page's own Origin but no cookie, and runs nothing", async () => {
    const headers = pageHeaders(emulator, "");
    delete headers.cookie;
    const answer = await consoleRequest(emulator, {
      method: "POST",
      path: "/console/api/keys.updateKey",
      headers,
      body: JSON.stringify({ keyId, enabled: false }),
    });
    expectRefusal(answer, 401, "no_session");
    expect((await verify()).code).toBe("VALID");
  });

  it("refuses a made-up session cookie", async () => {
    const cookie = `keyguard_console_${new URL(emulator.url).port}=${"A".repeat(43)}`;
    expectRefusal(
      await consoleRequest(emulator, { path: "/console/api/workspace", headers: { cookie } }),
      401,
      "no_session",
    );
  });
});

describe("the one-time link", () => {
  it("sets an HttpOnly, SameSite=Strict cookie scoped to /console, and opens the page", async () => {
    const link = emulator.console?.link() as string;
    expect(link).toMatch(/\/console\/login\?token=[A-Za-z0-9_-]{43}$/);
    expect(link).not.toContain(emulator.rootKey);
    const answer = await consoleRequest(emulator, { path: link });
    expect(answer.status).toBe(200);
    const cookie = String([answer.headers["set-cookie"]].flat()[0]);
    expect(cookie).toMatch(/^keyguard_console_\d+=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/console");
    const page = await consoleRequest(emulator, {
      path: "/console/",
      headers: { cookie: cookie.split(";")[0] as string },
    });
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.text).toContain('<script type="module" src="/console/console.js">');
  });

  it("works once: a second use is a 403 and opens no session", async () => {
    const link = emulator.console?.link() as string;
    expect((await consoleRequest(emulator, { path: link })).status).toBe(200);
    const again = await consoleRequest(emulator, { path: link });
    expectRefusal(again, 403, "link_used");
    expect(again.headers["set-cookie"]).toBeUndefined();
  });

  it("refuses a token that was never issued", async () => {
    const answer = await consoleRequest(emulator, {
      path: `/console/login?token=${"x".repeat(43)}`,
    });
    expectRefusal(answer, 403, "link_used");
  });

  it("POST /console/link gives a new link to the root key's holder only", async () => {
    const refused = await consoleRequest(emulator, {
      method: "POST",
      path: "/console/link",
      headers: { authorization: "Bearer unkey_root_wrong" },
    });
    expectRefusal(refused, 401, "root_key_required");
    const answer = await consoleRequest(emulator, {
      method: "POST",
      path: "/console/link",
      headers: { authorization: `Bearer ${emulator.rootKey}` },
    });
    expect(answer.status).toBe(201);
    expect((await consoleRequest(emulator, { path: answer.body.url })).status).toBe(200);
  });
});

describe("a console request under another name (DNS rebinding)", () => {
  it.each(["rebind.attacker.example", "127.0.0.1:1", "localhost"])(
    "Host %s is a 403, even with a session",
    async (host) => {
      const cookie = await signIn(emulator);
      const answer = await consoleRequest(emulator, {
        path: "/console/api/workspace",
        headers: { cookie, host },
      });
      expectRefusal(answer, 403, "wrong_host");
    },
  );

  it("answers localhost and 127.0.0.1 with the emulator's port", async () => {
    const cookie = await signIn(emulator);
    const { port } = new URL(emulator.url);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      const answer = await consoleRequest(emulator, {
        path: "/console/api/workspace",
        headers: { cookie, host },
      });
      expect(answer.status).toBe(200);
    }
  });

  it("refuses a sign-in link under another name, and the link still works after", async () => {
    const link = new URL(emulator.console?.link() as string);
    const rebound = await consoleRequest(emulator, {
      path: `${link.pathname}${link.search}`,
      headers: { host: "rebind.attacker.example" },
    });
    expectRefusal(rebound, 403, "wrong_host");
    expect((await consoleRequest(emulator, { path: link.href })).status).toBe(200);
  });
});

describe("a cross-origin action, with the session cookie", () => {
  const disable = (headers: Record<string, string>) =>
    consoleRequest(emulator, {
      method: "POST",
      path: "/console/api/keys.updateKey",
      headers,
      body: JSON.stringify({ keyId, enabled: false }),
    });

  it("from another origin is a 403, and the key stays enabled", async () => {
    const cookie = await signIn(emulator);
    const headers = { ...pageHeaders(emulator, cookie), origin: "http://attacker.example" };
    expectRefusal(await disable(headers), 403, "cross_origin");
    expect((await verify()).code).toBe("VALID");
  });

  it("without an Origin is a 403", async () => {
    const cookie = await signIn(emulator);
    const headers = pageHeaders(emulator, cookie);
    delete headers.origin;
    expectRefusal(await disable(headers), 403, "cross_origin");
    expect((await verify()).code).toBe("VALID");
  });

  it("with Sec-Fetch-Site: cross-site is a 403 whatever the Origin says", async () => {
    const cookie = await signIn(emulator);
    const headers = { ...pageHeaders(emulator, cookie), "sec-fetch-site": "cross-site" };
    expectRefusal(await disable(headers), 403, "cross_origin");
    expect((await verify()).code).toBe("VALID");
  });

  it("from the page itself runs, and the next verification is DISABLED", async () => {
    const cookie = await signIn(emulator);
    const answer = await consoleAction(emulator, cookie, "keys.updateKey", {
      keyId,
      enabled: false,
    });
    expect(answer.status).toBe(200);
    expect((await verify()).code).toBe("DISABLED");
  });
});

describe("the console option", () => {
  it("console: false serves no console: /console/ is the API's 404", async () => {
    const off = await startEmulator({ console: false });
    try {
      expect(off.console).toBeUndefined();
      const answer = await consoleRequest(off, { path: "/console/" });
      expect(answer.status).toBe(404);
      expect(answer.body.error.detail).toBe("No route GET /console/.");
    } finally {
      await off.stop();
    }
  });

  it("is off by default on a non-loopback host, and refused when asked for there", async () => {
    expect(resolveOptions({ host: "0.0.0.0" }).console).toBe(false);
    expect(resolveOptions({ host: "192.168.1.20" }).console).toBe(false);
    expect(resolveOptions({ host: "127.0.0.2" }).console).toBe(true);
    expect(resolveOptions({ host: "::1" }).console).toBe(true);
    expect(resolveOptions({ host: "localhost" }).console).toBe(true);
    const refused = startEmulator({ host: "0.0.0.0", console: true });
    await expect(refused).rejects.toThrow(EmulatorOptionError);
    await expect(refused).rejects.toThrow(/option "console"/);
  });
});
