import type { ModulesContainer } from "@nestjs/core";

// A registry-wide symbol on the app's own container, rather than a module-local set: an
// audit imported from a second copy of this package (ESM beside CJS) must see the mark.
const INITIALIZED = Symbol.for("keyguard.nestjs.initialized");

/** From UnkeyModule's `onApplicationBootstrap`: the app's routes are registered and checked. */
export function markInitialized(modules: ModulesContainer): void {
  Object.defineProperty(modules, INITIALIZED, { value: true, configurable: true });
}

/** Whether `init()` (or `listen()`) has run on the app these modules belong to. */
export const isInitialized = (modules: ModulesContainer): boolean =>
  (modules as { [INITIALIZED]?: boolean })[INITIALIZED] === true;
