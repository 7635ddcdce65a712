import swagger from "@fastify/swagger";
import { keyguard, keyguardOpenApi } from "@keyguard/fastify";
import Fastify from "fastify";

interface Invoice {
  id: number;
  amount: number;
  customer: string;
}

/**
 * An invoices API: the plugin guards every route; `/health` opts out with
 * `config.unkey.public`, and each route names its permission in `config.unkey`;
 * `/openapi.json` documents all of it.
 */
export async function createApp(options: { rootKey: string; baseUrl?: string }) {
  const invoices: Invoice[] = [{ id: 1, amount: 4200, customer: "user_42" }];
  const app = Fastify();
  // The OpenAPI document: keyguardOpenApi() declares the API-key scheme, security,
  // 401/403/429/503 and x-permissions of every guarded route; no route is annotated.
  await app.register(swagger, {
    openapi: { info: { title: "Invoices API", version: "1.0.0" } },
    transformObject: keyguardOpenApi(),
  });
  // Registered once at the root: one verifier and one cache for every route.
  await app.register(keyguard, { rootKey: options.rootKey, baseUrl: options.baseUrl });

  app.get("/health", { config: { unkey: { public: true } } }, async () => ({ status: "ok" }));
  app.get("/openapi.json", { config: { unkey: { public: true } }, schema: { hide: true } }, () =>
    app.swagger(),
  );

  app.get("/me", async (request) => {
    const key = request.unkey;
    return {
      keyId: key?.keyId,
      name: key?.name,
      plan: key?.meta?.plan,
      user: key?.identity?.externalId,
      permissions: key?.permissions,
    };
  });

  app.get("/invoices", { config: { unkey: { permissions: "invoices.read" } } }, async () => ({
    invoices,
  }));

  app.post<{ Body: { amount?: number } }>(
    "/invoices",
    { config: { unkey: { permissions: "invoices.write" } } },
    async (request, reply) => {
      const invoice = {
        id: invoices.length + 1,
        amount: request.body?.amount ?? 0,
        customer: request.unkey?.identity?.externalId ?? request.unkey?.keyId ?? "unknown",
      };
      invoices.push(invoice);
      return reply.code(201).send(invoice);
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/invoices/:id",
    { config: { unkey: { permissions: "invoices.write AND invoices.void" } } },
    async (request, reply) => {
      const index = invoices.findIndex((i) => i.id === Number(request.params.id));
      if (index === -1) return reply.code(404).send({ error: "not found" });
      invoices.splice(index, 1);
      return reply.code(204).send();
    },
  );

  return app;
}
