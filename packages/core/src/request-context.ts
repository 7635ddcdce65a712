// Where Express-style adapters (Express, NestJS on Express) put the verified key's context.
//
// Express gives every request object a hidden class of its own (it re-parents each request
// with `Object.setPrototypeOf`), so adding `unkey` to a request builds a new hidden class on
// every request: about 3 % of Express's whole per-request work (bench notes, callgrind).
// Instead, `unkey` is an accessor on Express's base request prototype, and the value lives
// in the response's `locals` (a plain dictionary Express creates per request) under a symbol.
// Readers see `req.unkey` as before; writes through `req.unkey = …` land in the same slot.
// Any other request object (Fastify's, a bare Node request) gets an ordinary property.

/** The slot in `res.locals`; registered, so that two copies of this module agree. */
const SLOT = Symbol.for("keyguard.requestContext");
/** Marks the accessor as ours (another copy's counts as ours too). */
const MARK = Symbol.for("keyguard.requestContextAccessor");
const PROPERTY = "unkey";

interface ExpressStyleRequest {
  res?: { locals?: Record<symbol, unknown> };
  [PROPERTY]?: unknown;
}

function localsOf(request: ExpressStyleRequest): Record<symbol, unknown> | undefined {
  const locals = request.res?.locals;
  return typeof locals === "object" && locals !== null ? locals : undefined;
}

function readContext(this: ExpressStyleRequest): unknown {
  return localsOf(this)?.[SLOT];
}

function writeContext(this: ExpressStyleRequest, value: unknown): void {
  const locals = localsOf(this);
  if (locals !== undefined) locals[SLOT] = value;
  else
    Object.defineProperty(this, PROPERTY, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
}
Object.defineProperty(readContext, MARK, { value: true });

/**
 * The last prototype of an Express-style chain: Express's own `request` object, which every
 * app's `app.request` (and a sub-app's) inherits from. Those objects are plain
 * (`Object.create`), with no `constructor` of their own; Node's `IncomingMessage.prototype`
 * and any class's prototype have one. `undefined` when the request's own prototype is a
 * class's (a bare Node request, a Fastify request).
 */
function expressBase(prototype: object): object | undefined {
  let base: object | undefined;
  for (let p: object | null = prototype; p !== null; p = Object.getPrototypeOf(p)) {
    if (Object.hasOwn(p, "constructor")) return base;
    base = p;
  }
  return undefined;
}

const carrying = new WeakSet<object>();

/** Whether requests with this prototype read `unkey` through our accessor (installing it once). */
function carriesAccessor(prototype: object): boolean {
  if (carrying.has(prototype)) return true;
  const base = expressBase(prototype);
  if (base === undefined) return false;
  const existing = Object.getOwnPropertyDescriptor(base, PROPERTY);
  if (existing === undefined) {
    Object.defineProperty(base, PROPERTY, {
      get: readContext,
      set: writeContext,
      enumerable: false,
      configurable: true,
    });
  } else if ((existing.get as { [MARK]?: boolean } | undefined)?.[MARK] !== true) {
    return false; // someone else's `unkey`: leave it to them, use a property
  }
  carrying.add(prototype);
  return true;
}

// The prototype of the last request that took the fast path: the common case is one app.
let lastPrototype: object | null = null;

/**
 * Sets `request.unkey` to the verified key's context (or `null` on a CORS preflight), as the
 * Express and NestJS adapters do after a decision. Reading it back is `request.unkey`.
 */
export function setRequestContext(request: object, value: unknown): void {
  const target = request as ExpressStyleRequest;
  const locals = localsOf(target);
  if (locals !== undefined) {
    const prototype = Object.getPrototypeOf(request) as object | null;
    if (prototype === lastPrototype) {
      locals[SLOT] = value;
      return;
    }
    if (prototype !== null && carriesAccessor(prototype)) {
      lastPrototype = prototype;
      // A value written before the accessor existed is an own property: it would shadow.
      if (Object.hasOwn(target, PROPERTY)) delete target[PROPERTY];
      locals[SLOT] = value;
      return;
    }
  }
  target[PROPERTY] = value;
}
