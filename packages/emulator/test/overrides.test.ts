// Rate-limit overrides over several calls: what the data file keeps, how
// listOverrides pages, which windows an override counts in.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/index";
import { fakeClock, type Json, post } from "./helpers";

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
const NS = { id: "rlns_api", name: "api.requests" };
let dir: string;
let running: Emulator[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "keyguard-overrides-"));
});
afterEach(async () => {
  await Promise.all(running.map((e) => e.stop()));
  running = [];
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: Parameters<typeof startEmulator>[0] = {}) {
  const clock = fakeClock(T0);
  const e = await startEmulator({
    ...options,
    now: clock.now,
    seed: { ratelimitNamespaces: [NS], ...(options.seed as object) },
  });
  running.push(e);
  return e;
}

const set = (e: Emulator, identifier: string, limit: number, duration = 60_000) =>
  e
    .call<{ overrideId: string }>("ratelimit.setOverride", {
      namespace: NS.name,
      identifier,
      limit,
      duration,
    })
    .then((answer) => answer.overrideId);

const limit = (e: Emulator, identifier: string, body: Json = {}) =>
  e.call<Json>("ratelimit.limit", {
    namespace: NS.name,
    identifier,
    limit: 100,
    duration: 60_000,
    ...body,
  });

describe("overrides in the data file", () => {
  it("survive a restart, deleted ones staying deleted", async () => {
    const dataFile = join(dir, "data.json");
    const first = await start({ dataFile });
    const gold = await set(first, "gold_*", 1000);
    const banned = await set(first, "banned", 1);
    await first.call("ratelimit.deleteOverride", { namespace: NS.id, identifier: "banned" });
    await first.stop();

    const second = await start({ dataFile });
    expect(await limit(second, "gold_7")).toMatchObject({ limit: 1000, overrideId: gold });
    expect(await limit(second, "banned")).not.toHaveProperty("overrideId");
    // Unkey's upsert reuses the deleted row's id and leaves it deleted.
    expect(await set(second, "banned", 2)).toBe(banned);
    expect(await limit(second, "banned")).toMatchObject({ limit: 100 });
    const listed = await second.call<Json[]>("ratelimit.listOverrides", { namespace: NS.id });
    expect(listed).toEqual([
      { overrideId: gold, identifier: "gold_*", limit: 1000, duration: 60_000 },
    ]);
  });
});

describe("listOverrides", () => {
  it("pages by id, the cursor being the next page's first id", async () => {
    const e = await start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await set(e, `user_${i}`, i + 1));
    ids.sort();
    const page = async (body: Json) => {
      const answer = await post(e, "ratelimit.listOverrides", { namespace: NS.name, ...body });
      expect(answer.status).toBe(200);
      return {
        ids: answer.body.data.map((o: Json) => o.overrideId),
        pagination: answer.body.pagination,
      };
    };
    expect(await page({ limit: 2 })).toEqual({
      ids: ids.slice(0, 2),
      pagination: { cursor: ids[2], hasMore: true },
    });
    expect(await page({ limit: 2, cursor: ids[2] })).toEqual({
      ids: ids.slice(2, 4),
      pagination: { cursor: ids[4], hasMore: true },
    });
    expect(await page({ limit: 2, cursor: ids[4] })).toEqual({
      ids: ids.slice(4),
      pagination: { hasMore: false },
    });
    expect(await page({})).toEqual({ ids, pagination: { hasMore: false } });
  });
});

describe("the windows an override counts in", () => {
  it("keeps the requested windows when only the limit changes, others when the duration does", async () => {
    const e = await start();
    for (let i = 0; i < 3; i++) await limit(e, "u1");
    // Counters are keyed by namespace, identifier and duration, not by limit
    // (internal/services/ratelimit/keys.go): the 3 calls still count.
    await set(e, "u1", 5);
    expect(await limit(e, "u1")).toMatchObject({ success: true, limit: 5, remaining: 1 });
    await set(e, "u1", 5, 30_000);
    expect(await limit(e, "u1")).toMatchObject({ success: true, limit: 5, remaining: 4 });
  });
});

describe("multiLimit and namespaces", () => {
  it("creates the namespaces it names before checking the limit rights", async () => {
    const root = "root_create_only";
    const e = await start({
      seed: { rootKeys: [{ key: root, permissions: ["ratelimit.*.create_namespace"] }] },
    });
    const checks = [{ namespace: "new.ns", identifier: "u1", limit: 1, duration: 1000 }];
    const refused = await post(e, "ratelimit.multiLimit", checks, `Bearer ${root}`);
    expect(refused.status).toBe(403);
    // The namespace exists now: an override can be set on it (404 otherwise).
    expect(await e.call("ratelimit.listOverrides", { namespace: "new.ns" })).toEqual([]);
  });
});
