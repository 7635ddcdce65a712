import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Demo, startDemo } from "../src/demo";

// Debian's chromium package (.ci/run installs it); playwright-core drives it as it is and
// never downloads a browser of its own.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../.artifacts/", import.meta.url));

/** The page's rows: key rows by id, log rows by subject and outcome. */
const keyRow = (keyId: string) => `#keys tbody tr[data-key-id="${keyId}"]`;
const logRow = (subject: string, outcome: string) =>
  `#log tbody tr[data-subject="${subject}"][data-outcome="${outcome}"]`;

async function get(demo: Demo, path: string, key: string) {
  const response = await fetch(`${demo.url}${path}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: (await response.json()) as { code?: string } };
}

// One browser, one page, the steps in order: each builds on the one before (the session,
// the key the page created). Launching Chromium takes seconds on a busy 2-core machine.
describe("the emulator console in Chromium, on the pnpm start demo", { timeout: 60_000 }, () => {
  let demo: Demo;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `no Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium, as .ci/run does) or set CHROMIUM_PATH`,
      );
    }
    demo = await startDemo({ port: 0, env: {} });
    browser = await chromium.launch({ executablePath: CHROMIUM });
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it("refuses the console to a browser without the session cookie", async () => {
    const consoleUrl = new URL("/console/", demo.consoleLink as string).href;
    const response = await page.goto(consoleUrl);
    expect(response?.status()).toBe(401);
    expect(await response?.json()).toMatchObject({ status: 401, code: "no_session" });
    expect(await page.content()).not.toContain("Demo admin");
  });

  it("opens from the printed one-time link and lists the six demo keys", async () => {
    await page.goto(demo.consoleLink as string);
    await page.waitForURL(/\/console\/$/);
    for (const { keyId } of Object.values(demo.keys)) await page.waitForSelector(keyRow(keyId));
    expect(await page.locator("#keys tbody tr").count()).toBe(6);
    const admin = page.locator(keyRow(demo.keys.admin.keyId));
    await expect(admin.textContent()).resolves.toContain("Demo admin");
    await expect(admin.textContent()).resolves.toContain("acme-corp");
    await expect(admin.textContent()).resolves.toContain(demo.keys.admin.key.slice(0, 9));
    await expect(admin.textContent()).resolves.not.toContain(demo.keys.admin.key);
    await page.waitForSelector('#connection[data-state="live"]');
  });

  it("shows the tour's verifications in the live log as they happen, without a reload", async () => {
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));
    for (const command of demo.commands) {
      for (let i = 0; i < command.expect.length; i++) {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (command.key) headers.authorization = `Bearer ${command.key}`;
        const init = { method: command.method, headers, body: command.body };
        await (await fetch(`${demo.url}${command.path}`, init)).arrayBuffer();
      }
    }
    const { metered, rateLimited, expired, disabled, admin } = demo.keys;
    // Waits for rows to appear (events, counted), never for a span of time.
    await page.waitForSelector(logRow(admin.keyId, "VALID"));
    await page.waitForSelector(logRow(expired.keyId, "EXPIRED"));
    await page.waitForSelector(logRow(disabled.keyId, "DISABLED"));
    await page.waitForSelector(logRow(metered.keyId, "USAGE_EXCEEDED"));
    await page.waitForSelector(logRow(rateLimited.keyId, "RATE_LIMITED"));
    expect(await page.locator(`#log tbody tr[data-subject="${metered.keyId}"]`).count()).toBe(6);
    expect(await page.evaluate(() => (window as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });

  it("creates a key in the page, whose verification then appears live; Disable makes it DISABLED", async () => {
    await page.fill("#create-key input[name=name]", "Made in the console");
    await page.fill("#create-key input[name=prefix]", "demo");
    await page.fill("#create-key input[name=permissions]", "documents.read");
    await page.fill("#create-key input[name=credits]", "100");
    await page.click("#create-key button[type=submit]");
    await page.locator("#created").waitFor({ state: "visible" });
    const key = (await page.locator("#created-key").textContent()) ?? "";
    expect(key).toMatch(/^demo_/);

    const first = await get(demo, "/v1/documents", key);
    expect(first.status).toBe(200);
    const row = page.locator("#keys tbody tr", { hasText: "Made in the console" });
    const keyId = (await row.getAttribute("data-key-id")) as string;
    await page.waitForSelector(logRow(keyId, "VALID"));

    await row.locator("button[data-action=disable]").click();
    await page.waitForSelector(`${keyRow(keyId)} button[data-action=enable]`);
    const next = await get(demo, "/v1/documents", key);
    expect(next.status).toBe(401);
    expect(next.body.code).toBe("DISABLED");
    await page.waitForSelector(logRow(keyId, "DISABLED"));
    await page.click("#created-dismiss");
    expect(await page.content()).not.toContain(key);
  });

  it("writes a screenshot", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}console.png`, fullPage: true });
    expect(existsSync(`${ARTIFACTS}console.png`)).toBe(true);
  });
});
