import { createHash } from "node:crypto";
import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataFileError, type SeedData, SeedError, startEmulator } from "../src/index";
import { writeDataFile } from "../src/persistence";
import type { Snapshot } from "../src/state";
import { type Json, post } from "./helpers";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "keyguard-emulator-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("dataFile", () => {
  it("survives a stop/start, with keys stored hashed only", async () => {
    const dataFile = join(dir, "data.json");
    const first = await startEmulator({ dataFile });
    const { apiId } = await first.call<{ apiId: string }>("apis.createApi", { name: "persisted" });
    const { key, keyId } = await first.call<Json>("keys.createKey", {
      apiId,
      credits: { remaining: 3 },
      permissions: ["p.read"],
    });
    expect((await post(first, "keys.verifyKey", { key })).body.data.credits).toBe(2);
    await first.stop();
    const saved = readFileSync(dataFile, "utf8");
    expect(saved).not.toContain(key);
    expect(readdirSync(dir)).toEqual(["data.json"]);

    const second = await startEmulator({ dataFile });
    const data = (await post(second, "keys.verifyKey", { key, permissions: "p.read" })).body.data;
    expect(data).toMatchObject({ valid: true, keyId, credits: 1 });
    await second.stop();
  });

  it("keeps a migrated key pending its migration across a restart", async () => {
    const dataFile = join(dir, "data.json");
    const longToken = "persistedlongtoken";
    const hash = createHash("sha256").update(longToken).digest("hex");
    const seed: SeedData = {
      apis: [{ id: "api_persist", name: "persist" }],
      keyMigrations: [{ id: "mig_persist", algorithm: "github.com/seamapi/prefixed-api-key" }],
    };
    const first = await startEmulator({ dataFile, seed });
    await first.call("keys.migrateKeys", {
      apiId: "api_persist",
      migrationId: "mig_persist",
      keys: [{ hash }],
    });
    await first.stop();

    // The seed is ignored now that the data file exists: the migration comes from the file.
    const second = await startEmulator({ dataFile });
    const key = `pk_short_${longToken}`;
    expect((await post(second, "keys.verifyKey", { key })).body.data.code).toBe("NOT_FOUND");
    const migrated = await post(second, "keys.verifyKey", { key, migrationId: "mig_persist" });
    expect(migrated.body.data.code).toBe("VALID");
    await second.stop();

    const third = await startEmulator({ dataFile });
    expect((await post(third, "keys.verifyKey", { key })).body.data.code).toBe("VALID");
    await third.stop();
  });

  it("gives APIs of an older data file, saved without keyspace ids, ks_<id>", async () => {
    const dataFile = join(dir, "data.json");
    const old = {
      version: 1,
      apis: [{ id: "api_legacy", name: "legacy", createdAt: 0 }],
      keys: [],
      permissions: [],
      roles: [],
      identities: [],
    };
    writeFileSync(dataFile, JSON.stringify(old));
    const emulator = await startEmulator({
      dataFile,
      seed: {
        workspaceId: "ws_legacy",
        rootKeys: [
          {
            key: "root_legacy",
            permissions: ["unkey:v1:ws_legacy:keyspaces/ks_legacy#create_key"],
          },
        ],
      },
    });
    const created = await post(
      emulator,
      "keys.createKey",
      { apiId: "api_legacy" },
      "Bearer root_legacy",
    );
    expect(created.status).toBe(200);
    await emulator.stop();
  });

  it("refuses a corrupt data file and leaves it untouched", async () => {
    const dataFile = join(dir, "data.json");
    writeFileSync(dataFile, "{corrupt");
    await expect(startEmulator({ dataFile })).rejects.toBeInstanceOf(DataFileError);
    writeFileSync(dataFile, JSON.stringify({ hello: "world" }));
    await expect(startEmulator({ dataFile })).rejects.toThrow(/not an emulator data file/);
    expect(readFileSync(dataFile, "utf8")).toBe(JSON.stringify({ hello: "world" }));
  });

  // Hand-edited files that pass a top-level check but that no emulator saved: each used to
  // load, then answer 500 from keys.getKey, apis.listKeys or keys.addPermissions.
  const api = { id: "api_hand", name: "hand", createdAt: 0 };
  const fullKey = {
    id: "key_hand",
    apiId: "api_hand",
    hash: "0".repeat(64),
    start: "sk_hand",
    enabled: true,
    createdAt: 0,
    ratelimits: [],
    permissionIds: [],
    roleIds: [],
  };
  const edited: [string, Record<string, unknown>, RegExp][] = [
    [
      "a key with only id, hash and apiId",
      { keys: [{ id: "k", hash: "h", apiId: "api_hand" }] },
      /keys\.0\.start/,
    ],
    [
      "a key whose ratelimits is not a list",
      { keys: [{ ...fullKey, ratelimits: {} }] },
      /keys\.0\.ratelimits/,
    ],
    [
      "a role without permissionIds",
      { roles: [{ id: "role_1", name: "r", createdAt: 0 }] },
      /roles\.0\.permissionIds/,
    ],
    [
      "a refill with an unknown interval",
      {
        keys: [
          {
            ...fullKey,
            credits: { remaining: 1, lastRefillAt: 0, refill: { interval: "weekly", amount: 1 } },
          },
        ],
      },
      /keys\.0\.credits\.refill\.interval/,
    ],
    [
      "an override whose limit is a string",
      {
        overrides: [
          {
            id: "ovr_1",
            namespaceId: "rlns_1",
            identifier: "u",
            limit: "5",
            duration: 1000,
            createdAt: 0,
          },
        ],
      },
      /overrides\.0\.limit/,
    ],
  ];
  it.each(edited)(
    "refuses %s at start-up, naming the field, and leaves it untouched",
    async (_, records, field) => {
      const dataFile = join(dir, "data.json");
      const text = JSON.stringify({
        version: 1,
        apis: [api],
        keys: [],
        permissions: [],
        roles: [],
        identities: [],
        ...records,
      });
      writeFileSync(dataFile, text);
      const started = startEmulator({ dataFile });
      await expect(started).rejects.toBeInstanceOf(DataFileError);
      await expect(started).rejects.toThrow(field);
      expect(readFileSync(dataFile, "utf8")).toBe(text);
    },
  );

  it("loads a complete hand-written record of every kind, and answers for it", async () => {
    const dataFile = join(dir, "data.json");
    const snapshot = {
      version: 1,
      apis: [api],
      keys: [
        {
          ...fullKey,
          meta: null,
          credits: {
            remaining: 5,
            lastRefillAt: 0,
            refill: { interval: "monthly", amount: 5, refillDay: 31 },
          },
          ratelimits: [{ id: "rl_1", name: "r", limit: 1, duration: 1000, autoApply: true }],
          permissionIds: ["perm_1"],
          roleIds: ["role_1"],
        },
      ],
      permissions: [{ id: "perm_1", name: "p", slug: "p", createdAt: 0 }],
      roles: [{ id: "role_1", name: "r", permissionIds: ["perm_1"], createdAt: 0 }],
      identities: [{ id: "id_1", externalId: "e", ratelimits: [], createdAt: 0 }],
      namespaces: [{ id: "rlns_1", name: "n", createdAt: 0 }],
      overrides: [
        {
          id: "ovr_1",
          namespaceId: "rlns_1",
          identifier: "u*",
          limit: 0,
          duration: 1000,
          createdAt: 0,
          deletedAt: 1,
        },
      ],
      migrations: [{ id: "mig_1", algorithm: "sha256" }],
    };
    writeFileSync(dataFile, JSON.stringify(snapshot));
    const emulator = await startEmulator({ dataFile });
    try {
      const key = await emulator.call<Json>("keys.getKey", { keyId: "key_hand" });
      expect(key).toMatchObject({
        keyId: "key_hand",
        start: "sk_hand",
        permissions: ["p"],
        roles: ["r"],
      });
    } finally {
      await emulator.stop();
    }
  });
});

describe("the root key with a dataFile (issue 29, item 3)", () => {
  it("is the same after a restart, so an app configured with it keeps verifying", async () => {
    const dataFile = join(dir, "data.json");
    const first = await startEmulator({ dataFile });
    const { apiId } = await first.call<{ apiId: string }>("apis.createApi", { name: "kept" });
    const { key } = await first.call<Json>("keys.createKey", { apiId });
    const printed = first.rootKey;
    await first.stop();

    const second = await startEmulator({ dataFile });
    expect(second.rootKey).toBe(printed);
    // What the app still holds: the first run's root key, sent by hand.
    const answer = await post(second, "keys.verifyKey", { key }, `Bearer ${printed}`);
    await second.stop();
    expect(answer.status).toBe(200);
    expect(answer.body.data.code).toBe("VALID");
  });

  it("gives an older data file, saved without one, a root key it then keeps", async () => {
    const dataFile = join(dir, "data.json");
    const old = { version: 1, apis: [], keys: [], permissions: [], roles: [], identities: [] };
    writeFileSync(dataFile, JSON.stringify(old));
    const first = await startEmulator({ dataFile });
    await first.stop();
    const second = await startEmulator({ dataFile });
    await second.stop();
    expect(second.rootKey).toBe(first.rootKey);
  });

  it("never writes a root key that was given, and keeps the generated one for the next start", async () => {
    const dataFile = join(dir, "data.json");
    const generated = await startEmulator({ dataFile });
    await generated.stop();
    const given = await startEmulator({ dataFile, rootKey: "unkey_root_given_by_hand" });
    await given.call("apis.createApi", { name: "saved-with-a-given-key" });
    const refused = await post(
      given,
      "apis.listKeys",
      { apiId: "api_x" },
      `Bearer ${generated.rootKey}`,
    );
    await given.stop();
    expect(given.rootKey).toBe("unkey_root_given_by_hand");
    expect(refused.status).toBe(401);
    const saved = readFileSync(dataFile, "utf8");
    expect(saved).not.toContain("unkey_root_given_by_hand");
    expect(saved).toContain("saved-with-a-given-key");
    const third = await startEmulator({ dataFile });
    await third.stop();
    expect(third.rootKey).toBe(generated.rootKey);
  });

  it("refuses a data file whose root key no Authorization header could carry", async () => {
    const dataFile = join(dir, "data.json");
    const bad = {
      version: 1,
      rootKey: "has a space",
      apis: [],
      keys: [],
      permissions: [],
      roles: [],
      identities: [],
    };
    writeFileSync(dataFile, JSON.stringify(bad));
    await expect(startEmulator({ dataFile })).rejects.toThrow(/rootKey/);
  });

  it("without a dataFile, is a new one on every start", async () => {
    const first = await startEmulator();
    const second = await startEmulator();
    await Promise.all([first.stop(), second.stop()]);
    expect(second.rootKey).not.toBe(first.rootKey);
  });
});

describe("dataFile against a local attacker (attacker review)", () => {
  const VICTIM = "the victim's own file\n";

  it("a symlink planted at a temp name the emulator could have predicted is never followed", async () => {
    const dataFile = join(dir, "data.json");
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, VICTIM);
    // The names the emulator used to write through: pid and a counter from 1.
    for (let n = 1; n <= 50; n++)
      symlinkSync(victim, join(dir, `.data.json.${process.pid}.${n}.tmp`));
    const emulator = await startEmulator({ dataFile });
    await emulator.call("apis.createApi", { name: "after-planting" });
    await emulator.stop();
    expect(readFileSync(victim, "utf8")).toBe(VICTIM);
    expect(lstatSync(dataFile).isFile()).toBe(true);
    expect(readFileSync(dataFile, "utf8")).toContain("after-planting");
  });

  it("the temp file is created exclusively: an existing file or symlink at its name is refused, not written through", () => {
    const dataFile = join(dir, "data.json");
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, VICTIM);
    const temp = join(dir, ".data.json.guessed.tmp");
    symlinkSync(victim, temp);
    const snapshot: Snapshot = {
      version: 1,
      apis: [],
      keys: [],
      permissions: [],
      roles: [],
      identities: [],
    };
    expect(() => writeDataFile(dataFile, snapshot, temp)).toThrow(DataFileError);
    expect(readFileSync(victim, "utf8")).toBe(VICTIM);
    expect(lstatSync(temp).isSymbolicLink()).toBe(true);
    unlinkSync(temp);
    writeDataFile(dataFile, snapshot, temp);
    expect(statSync(dataFile).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(["data.json", "victim.txt"]);
  });

  it("a data file someone made readable to others is private again at start-up (attacker review, round 4)", async () => {
    const dataFile = join(dir, "data.json");
    const first = await startEmulator({ port: 0, dataFile });
    const { rootKey } = first;
    await first.stop();
    chmodSync(dataFile, 0o644);
    const again = await startEmulator({ port: 0, dataFile });
    try {
      expect(again.rootKey).toBe(rootKey);
      expect(statSync(dataFile).mode & 0o777).toBe(0o600);
    } finally {
      await again.stop();
    }
  });

  it("refuses a data file that is a symlink at start-up, naming it, and leaves the target alone", async () => {
    const dataFile = join(dir, "data.json");
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, VICTIM);
    symlinkSync(victim, dataFile);
    await expect(startEmulator({ dataFile })).rejects.toThrow(
      new RegExp(`Data file ${dataFile} is a symbolic link`),
    );
    symlinkSync(join(dir, "missing.json"), join(dir, "dangling.json"));
    await expect(startEmulator({ dataFile: join(dir, "dangling.json") })).rejects.toBeInstanceOf(
      DataFileError,
    );
    expect(readFileSync(victim, "utf8")).toBe(VICTIM);
    expect(lstatSync(dataFile).isSymbolicLink()).toBe(true);
  });

  it("refuses to save over a data file swapped for a symlink after start-up, with a clear 500", async () => {
    const dataFile = join(dir, "data.json");
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, VICTIM);
    const emulator = await startEmulator({ dataFile });
    unlinkSync(dataFile);
    symlinkSync(victim, dataFile);
    const answer = await post(emulator, "apis.createApi", { name: "after-swap" });
    await emulator.stop();
    expect(answer.status).toBe(500);
    expect(answer.body.error.detail).toMatch(/is a symbolic link/);
    expect(readFileSync(victim, "utf8")).toBe(VICTIM);
    expect(lstatSync(dataFile).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["data.json", "victim.txt"]);
  });
});

describe("seed", () => {
  it("seeds apis, keys in plaintext, permissions, roles and identities", async () => {
    const seedFile = join(dir, "seed.json");
    writeFileSync(
      seedFile,
      JSON.stringify({
        permissions: ["docs.read", { name: "Write docs", slug: "docs.write" }],
        roles: [{ name: "editor", permissions: ["docs.read", "docs.write"] }],
        identities: [
          {
            externalId: "org_1",
            ratelimits: [{ name: "org", limit: 1, duration: 60000, autoApply: true }],
          },
        ],
        apis: [
          {
            id: "api_demo",
            name: "demo",
            keys: [
              {
                key: "demo_editor",
                id: "key_editor",
                roles: ["editor"],
                name: "Editor",
                externalId: "org_1",
              },
              { key: "demo_off", enabled: false },
              { key: "demo_credits", credits: { remaining: 0 }, meta: { a: 1 } },
              { key: "demo_expired", expires: 1 },
            ],
          },
        ],
      }),
    );
    const emulator = await startEmulator({ seed: seedFile });
    const verify = async (key: string, extra = {}) =>
      (await post(emulator, "keys.verifyKey", { key, ...extra })).body.data;
    expect(await verify("demo_editor", { permissions: "docs.read AND docs.write" })).toMatchObject({
      code: "VALID",
      keyId: "key_editor",
      name: "Editor",
      identity: { externalId: "org_1" },
    });
    expect((await verify("demo_editor")).code).toBe("RATE_LIMITED");
    expect((await verify("demo_off")).code).toBe("DISABLED");
    expect((await verify("demo_credits")).code).toBe("USAGE_EXCEEDED");
    expect((await verify("demo_expired")).code).toBe("EXPIRED");
    expect(
      await emulator.call("permissions.getPermission", { permission: "docs.write" }),
    ).toMatchObject({
      name: "Write docs",
    });
    await emulator.stop();
  });

  it("names the bad field of an invalid seed", async () => {
    await expect(
      startEmulator({
        seed: {
          apis: [{ name: "x", keys: [{ key: "k", credits: { remaining: "many" } }] }],
        } as never,
      }),
    ).rejects.toThrow(/seed\.apis\.0\.keys\.0\.credits\.remaining/);
    await expect(
      startEmulator({ seed: { apis: [{ name: "x", keys: [{ key: "k", roles: ["ghost"] }] }] } }),
    ).rejects.toBeInstanceOf(SeedError);
    await expect(startEmulator({ seed: join(dir, "missing.json") })).rejects.toThrow(
      /Cannot read seed file/,
    );
    await expect(startEmulator({ port: -1 })).rejects.toThrow(/"port"/);
  });
});
