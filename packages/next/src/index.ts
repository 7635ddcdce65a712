// The user API of @keyguard/core, so that this package alone type-checks the README's examples.
export * from "@keyguard/core";
export { CONTEXT_HEADER } from "./handoff";
export { type UnkeyMiddleware, type UnkeyMiddlewareOptions, unkeyMiddleware } from "./middleware";
export type { UnkeyNextOptions } from "./options";
export { type UnkeyProxy, type UnkeyProxyOptions, unkeyProxy } from "./proxy";
export {
  type GuardedHandler,
  type RouteHandler,
  type SkippableHandler,
  type WithUnkeyOptions,
  withUnkey,
} from "./with-unkey";
