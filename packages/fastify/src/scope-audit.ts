import { KeyguardConfigError } from "@keyguard/core";
import { deny } from "@keyguard/core/adapter";
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteOptions,
} from "fastify";

/**
 * Per app: where keyguard plugins are registered, and the routes that ask for a key in
 * `config.unkey`. Fastify encapsulates hooks, so a route registered outside every scope a
 * keyguard plugin was registered in never runs its `onRequest` hook: it would be served
 * to anyone.
 */
interface Audit {
  /** Instances a keyguard plugin was registered on: its hooks run on all their routes. */
  readonly scopes: FastifyInstance[];
  /** Each route that asks for a key, with the instance it was registered on. */
  readonly declared: Map<RouteOptions, FastifyInstance>;
  /** Instances the audit's `onRoute` hook was added to. */
  readonly watched: WeakSet<FastifyInstance>;
  /** Whether a keyguard plugin's hooks run on an instance's routes, once known. */
  readonly covered: WeakMap<FastifyInstance, boolean>;
}

// Keyed by the app's root instance: every scope of one app shares its audit.
const audits = new WeakMap<FastifyInstance, Audit>();

/**
 * Fastify builds each encapsulated scope with `Object.create(parent)`: the scopes above
 * `instance`, up to the app's root, are its prototype chain.
 */
export function scopesUp(instance: FastifyInstance): FastifyInstance[] {
  const chain = [instance];
  for (;;) {
    const parent = Object.getPrototypeOf(chain[chain.length - 1]) as Partial<FastifyInstance>;
    if (typeof parent?.addHook !== "function") return chain;
    chain.push(parent as FastifyInstance);
  }
}

/** Whether a route's `config.unkey` asks for a key: present, and not `public: true`. */
export const asksForKey = (config: unknown) =>
  typeof config === "object" && config !== null && (config as { public?: unknown }).public !== true;

/** Whether a keyguard plugin's hooks run on the routes of `instance`: its scope or one inside it. */
function covers(audit: Audit, instance: FastifyInstance): boolean {
  let known = audit.covered.get(instance);
  if (known === undefined) {
    known = audit.scopes.some(
      (scope) => scope === instance || Object.prototype.isPrototypeOf.call(scope, instance),
    );
    audit.covered.set(instance, known);
  }
  return known;
}

const UNGUARDED =
  "asks for an API key, but no keyguard plugin guards this route: it is registered outside the scope the plugin was registered in (Fastify runs a plugin's hooks in its own scope only), so it would be served to anyone. Register keyguard at the root, or in a scope that contains this route; mark deliberately open routes `public: true`.";

/** The route that asks for a key outside every keyguard scope, as the error that names it. */
const unguardedError = (method: string, url: string) =>
  new KeyguardConfigError(`route ${method} ${url}: config.unkey`, UNGUARDED);

/**
 * For a route registered before any keyguard plugin loaded, outside its scope (Fastify
 * lists no routes, so `ready()` cannot know it): at its first request, 500 `GUARD_MISSING`
 * and one log line naming it, never the route served to anyone. A root hook reaches every
 * route; it reads a route's options only where no keyguard plugin runs.
 */
function sentinelFor(audit: Audit) {
  const logged = new WeakSet<object>();
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (covers(audit, request.server)) return done();
    const { config, method, url } = request.routeOptions;
    if (!asksForKey(config.unkey)) return done();
    const route = `${[method].flat().join(",")} ${url ?? "(unmatched)"}`;
    if (!logged.has(config)) {
      logged.add(config);
      // console, as requirePermissions() logs: Fastify's own logger is off unless asked for.
      console.error(`[keyguard] ${route}: config.unkey ${UNGUARDED} Answered 500 GUARD_MISSING.`);
    }
    const decision = deny("GUARD_MISSING", { detail: `This route's config.unkey ${UNGUARDED}` });
    reply.code(decision.status).headers(decision.headers).send(decision.body);
  };
}

/**
 * Records a keyguard plugin registered on `scope`. Below the root, it also watches every
 * route registered from now on in the scopes above it (and so in every scope they create
 * later), for `unguardedRoute()` at `ready()`, and adds the root hook that refuses, at
 * request time, what was registered before.
 */
export function watchScopes(scope: FastifyInstance): void {
  const chain = scopesUp(scope);
  const root = chain[chain.length - 1] as FastifyInstance;
  let audit = audits.get(root);
  if (audit === undefined) {
    audit = { scopes: [], declared: new Map(), watched: new WeakSet(), covered: new WeakMap() };
    audits.set(root, audit);
    if (root !== scope) root.addHook("onRequest", sentinelFor(audit));
  }
  audit.scopes.push(scope);
  const { declared, watched } = audit;
  function record(this: FastifyInstance, route: RouteOptions) {
    if (asksForKey(route.config?.unkey) && !declared.has(route)) declared.set(route, this);
  }
  // Registered at the root, the plugin guards every route of the app.
  if (root === scope) return;
  for (const instance of chain) {
    if (watched.has(instance)) continue;
    watched.add(instance);
    instance.addHook("onRoute", record);
  }
}

/**
 * At `ready()`: the first route that asks for a key (`config.unkey` without `public: true`)
 * but that no keyguard plugin guards, as a `KeyguardConfigError` naming it; `undefined`
 * when there is none.
 */
export function unguardedRoute(scope: FastifyInstance): KeyguardConfigError | undefined {
  const audit = audits.get(scopesUp(scope).pop() as FastifyInstance);
  if (audit === undefined) return undefined;
  for (const [route, instance] of audit.declared) {
    if (!covers(audit, instance)) return unguardedError([route.method].flat().join(","), route.url);
  }
  return undefined;
}
