import { keyOf, requirePermissions, unkey, type Verifier } from "@keyguard/express";
import express, { type Express } from "express";

interface Project {
  id: number;
  name: string;
  owner: string;
}

/**
 * A projects API: `/health` is public, everything under `/api` needs a valid
 * key, and each route asks for its own permission. Returns the app and the
 * middleware's verifier, whose `check()` main.ts runs before listening.
 */
export function createApp(options: { rootKey: string; baseUrl?: string }): {
  app: Express;
  verifier: Verifier;
} {
  const projects: Project[] = [{ id: 1, name: "Apollo", owner: "user_42" }];
  const app = express();
  app.use(express.json());

  app.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });

  // One middleware instance: one verifier and one cache for every /api route.
  const auth = unkey({ rootKey: options.rootKey, baseUrl: options.baseUrl });
  app.use("/api", auth);

  app.get("/api/me", (req, res) => {
    const key = keyOf(req); // non-optional: this route is behind unkey()
    res.json({
      keyId: key.keyId,
      name: key.name,
      plan: key.meta?.plan,
      user: key.identity?.externalId,
      permissions: key.permissions,
    });
  });

  app.get("/api/projects", requirePermissions("projects.read"), (_req, res) => {
    res.json({ projects });
  });

  app.post("/api/projects", requirePermissions("projects.write"), (req, res) => {
    const name = typeof req.body?.name === "string" ? req.body.name : "Untitled";
    const key = keyOf(req);
    const owner = key.identity?.externalId ?? key.keyId;
    const project = { id: projects.length + 1, name, owner };
    projects.push(project);
    res.status(201).json(project);
  });

  app.delete(
    "/api/projects/:id",
    requirePermissions("projects.write AND projects.delete"),
    (req, res) => {
      const index = projects.findIndex((p) => p.id === Number(req.params.id));
      if (index === -1) {
        res.status(404).json({ error: "not found" });
        return;
      }
      projects.splice(index, 1);
      res.status(204).end();
    },
  );

  return { app, verifier: auth.verifier };
}
