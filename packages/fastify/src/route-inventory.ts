import { KeyguardSetupError } from "@keyguard/core";
import type { PreparedRequest } from "@keyguard/core/adapter";
import type { FastifyInstance, RouteOptions } from "fastify";
import { scopesUp } from "./scope-audit";

/** One route of the app as Fastify declared it, and the guard of the first keyguard hook on it. */
export interface SeenRoute {
  /** The options `onRoute` hooks receive: its `config.unkey` is read when the audit runs. */
  readonly route: RouteOptions;
  /** Its methods, `["ALL"]` for `app.all()`. */
  readonly methods: readonly string[];
  readonly url: string;
  /** The handler as declared, before any hook wraps it: Fastify's own HEAD route shares it. */
  readonly handler: unknown;
  /** What the first keyguard plugin whose `onRequest` hook runs on the route asks of the key. */
  guard: PreparedRequest | undefined;
  /** Why the route is open though a keyguard plugin names it (verifyUnkey not first), when so. */
  note: string | undefined;
}

/**
 * Per app: every route declared since the first keyguard plugin loaded. Fastify lists its
 * routes to no one (the route map it prints drops parts of paths), so the plugin records
 * them with `onRoute` hooks, the way `@fastify/swagger` does for its document.
 */
interface Inventory {
  readonly routes: Map<RouteOptions, SeenRoute>;
  readonly watched: WeakSet<FastifyInstance>;
  /** The route map as Fastify prints it, when it held routes before the first plugin loaded. */
  readonly before: string | undefined;
  ready: boolean;
}

// Keyed by the app's root instance: every scope of one app shares its inventory.
const inventories = new WeakMap<FastifyInstance, Inventory>();

const rootOf = (instance: FastifyInstance) => scopesUp(instance).pop() as FastifyInstance;

function methodsOf(instance: FastifyInstance, method: RouteOptions["method"]): string[] {
  const methods = [method].flat().map((name) => name.toUpperCase());
  // `app.all()` declares one route for every method Fastify accepts.
  const every = instance.supportedMethods ?? [];
  const all = methods.length > 1 && every.every((name) => methods.includes(name.toUpperCase()));
  return all ? ["ALL"] : methods;
}

function record(inventory: Inventory, instance: FastifyInstance, route: RouteOptions): SeenRoute {
  let seen = inventory.routes.get(route);
  if (seen === undefined) {
    const { url, handler } = route;
    seen = {
      route,
      methods: methodsOf(instance, route.method),
      url,
      handler,
      guard: undefined,
      note: undefined,
    };
    inventory.routes.set(route, seen);
  }
  return seen;
}

/** A printed route map holds a route when a line lists its methods: `/docs (GET, HEAD)`. */
const holdsRoutes = (printed: string) => /\([A-Z][A-Z-]*[,)]/.test(printed);

/**
 * At each keyguard plugin's load: records, for `auditRoutes()`, every route declared from
 * now on in the app, on the plugin's scope and each scope above it (later scopes inherit
 * their hooks); the first load notes whether Fastify already held routes, and when the
 * app is ready.
 */
export function trackRoutes(scope: FastifyInstance): void {
  const chain = scopesUp(scope);
  const root = chain[chain.length - 1] as FastifyInstance;
  let inventory = inventories.get(root);
  if (inventory === undefined) {
    const printed = root.printRoutes();
    const created: Inventory = {
      routes: new Map(),
      watched: new WeakSet(),
      before: holdsRoutes(printed) ? printed : undefined,
      ready: false,
    };
    root.addHook("onReady", (done) => {
      created.ready = true;
      done();
    });
    inventories.set(root, created);
    inventory = created;
  }
  const tracked = inventory;
  for (const instance of chain) {
    if (tracked.watched.has(instance)) continue;
    tracked.watched.add(instance);
    instance.addHook("onRoute", function (this: FastifyInstance, route) {
      record(tracked, this, route);
    });
  }
}

/**
 * From a keyguard plugin's `onRoute` hook: the plugin guards this route with `compiled`
 * (its hook runs on it, or its handler refuses a request no guard decided). The first
 * plugin to say so is the outermost, whose hook runs first and verifies.
 */
export function noteGuard(scope: FastifyInstance, route: RouteOptions, compiled: PreparedRequest) {
  const inventory = inventories.get(rootOf(scope));
  if (inventory === undefined) return;
  const seen = record(inventory, scope, route);
  seen.guard ??= compiled;
}

/**
 * From a decorate-only plugin's `onRoute` hook: the route names the guard (verifyUnkey in its
 * hooks, or a key asked in `config.unkey`) but a hook of its own may answer first, so it is
 * listed open with `note`, unless another plugin guards it.
 */
export function noteOpen(scope: FastifyInstance, route: RouteOptions, note: string) {
  const inventory = inventories.get(rootOf(scope));
  if (inventory === undefined) return;
  const seen = record(inventory, scope, route);
  seen.note ??= note;
}

/** The routes of a ready app with a keyguard plugin, or the `KeyguardSetupError` that says why not. */
export function inventoryOf(
  app: FastifyInstance,
  at: string,
): ReadonlyMap<RouteOptions, SeenRoute> {
  if (typeof (app as Partial<FastifyInstance> | null)?.addHook !== "function")
    throw new KeyguardSetupError(at, "expected a Fastify instance.");
  const inventory = inventories.get(rootOf(app));
  if (inventory === undefined)
    throw new KeyguardSetupError(
      at,
      "no keyguard plugin is registered in this app, and Fastify lists its routes only to plugins loaded before them: register keyguard (`await app.register(keyguard, …)`) before declaring routes.",
    );
  if (!inventory.ready)
    throw new KeyguardSetupError(
      at,
      "call it after `await app.ready()`: until then Fastify is still loading plugins, which declare routes and register guards.",
    );
  if (inventory.before !== undefined)
    throw new KeyguardSetupError(
      at,
      `Fastify held routes before the first keyguard plugin loaded, which it lists to no one, so they cannot be audited:\n${inventory.before}\nRegister keyguard before declaring any route: \`await app.register(keyguard, …)\` at the root, or \`await\` the scope that registers it before declaring routes beside it.`,
    );
  return inventory.routes;
}
