import { keyOf, requirePermissions, unkey, type Verifier } from "@keyguard/express";
import { redisCache } from "@keyguard/redis";
import express, { type Express } from "express";

export interface InstanceOptions {
  /** This instance's name, echoed in answers so you can tell the instances apart. */
  readonly name: string;
  readonly rootKey: string;
  readonly baseUrl?: string | undefined;
  readonly redisUrl: string;
  /** Shared by every instance: it derives the Redis entry ids and the encryption key. */
  readonly secret: string;
}

export interface Instance {
  readonly app: Express;
  /** The instance's verifier: instance.ts runs its `check()` before listening. */
  readonly verifier: Verifier;
  /** Resolves once the invalidation bus listens (a revocation sent before would be missed). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One instance of the API. Every instance runs the same code with the same
 * `secret` and Redis: a key verified by one is served by all from Redis, and a
 * revocation on one reaches all of them through Redis pub/sub.
 */
export function createInstance(options: InstanceOptions): Instance {
  const sharedCache = redisCache({ url: options.redisUrl, secret: options.secret });
  const auth = unkey({ rootKey: options.rootKey, baseUrl: options.baseUrl, sharedCache });
  const app = express();

  app.use("/api", auth);

  app.get("/api/hello", (req, res) => {
    res.json({ instance: options.name, keyId: keyOf(req).keyId });
  });

  // A revocation flow knows the key id, never the key: disable the key at Unkey,
  // then drop it from every instance's cache (here, Redis, and every other instance).
  app.post("/api/keys/:keyId/revoke", requirePermissions("keys.revoke"), async (req, res) => {
    const keyId = String(req.params.keyId);
    const answer = await fetch(`${options.baseUrl ?? "https://api.unkey.com"}/v2/keys.updateKey`, {
      method: "POST",
      headers: { authorization: `Bearer ${options.rootKey}`, "content-type": "application/json" },
      body: JSON.stringify({ keyId, enabled: false }),
    });
    if (!answer.ok) {
      res.status(502).json({ error: `Unkey answered ${answer.status}` });
      return;
    }
    await auth.verifier.invalidateKeyId(keyId);
    res.status(204).end();
  });

  return {
    app,
    verifier: auth.verifier,
    ready: () => sharedCache.ready(),
    close: () => sharedCache.close(),
  };
}
