import { type GuardMark, guardMarkOf } from "@keyguard/core/adapter";
import type { Layer } from "./mount-paths";

/** The guards of one method of a route that run before anything of it can answer. */
export interface RouteGuards {
  readonly marks: readonly GuardMark[];
  /** Why the row is open though the route holds a guard, for the row. */
  readonly note?: string | undefined;
}

const HANDLER_FIRST =
  "a handler in this route comes before its guard and answers without it: put the guard first";
const GUARDS_ONLY =
  "only guards: the route answers nothing itself, a request they let through goes on to later routes";

// Express runs a route's layers in order and skips error handlers (four parameters) on a
// request that has not failed (express 4 `lib/router/layer.js` `handle_request`, router 2
// `lib/layer.js`): those never answer first.
const answers = (layer: Layer) => (layer.handle as { length?: number } | undefined)?.length !== 4;

/**
 * The guards a method's layers (in Express's order) run before the first handler that
 * can answer: a handler declared before a guard (`app.get(p, handler, unkey())`) answers
 * every request without it, and Express gives no way to tell one that ends the response
 * from one that calls `next()`, so only the guards in front of it count. A method made of
 * guards alone answers nothing itself (`route(p).all(unkey()).get(h)`): its row is decided
 * by those guards, a request without a key being refused by them.
 */
export function guardsBeforeHandler(layers: readonly Layer[]): RouteGuards {
  const marks: GuardMark[] = [];
  for (const [index, layer] of layers.entries()) {
    const mark = guardMarkOf(layer.handle);
    if (mark !== undefined) marks.push(mark);
    else if (answers(layer)) {
      const guardAfter = layers.slice(index + 1).some((later) => guardMarkOf(later.handle));
      return { marks, note: guardAfter ? HANDLER_FIRST : undefined };
    }
  }
  return { marks, note: GUARDS_ONLY };
}
