import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A published package and the public names its entry point must export. */
export interface Published {
  readonly name: string;
  readonly dir: string;
  readonly names: readonly string[];
  /** Other entry points (package exports) and the names each must export. */
  readonly subpaths?: Readonly<Record<string, readonly string[]>>;
}

/** Every package keyguard publishes, with the names examples and docs rely on (DESIGN.md). */
export const PUBLISHED: readonly Published[] = [
  {
    name: "@keyguard/core",
    dir: "packages/core",
    names: [
      "createVerifier",
      "parsePermissionQuery",
      "evaluatePermissionQuery",
      "and",
      "or",
      "KeyguardError",
      "KeyguardConfigError",
      "KeyguardSetupError",
      "VerifierError",
      "PermissionQuerySyntaxError",
    ],
    subpaths: {
      "@keyguard/core/adapter": [
        "createGuard",
        "authorize",
        "extractKey",
        "prepareRequest",
        "splitHooks",
        "hookBoolean",
        "whenSettled",
        "pickOptions",
        "rejectUnknownOptions",
        "locateConfigErrors",
        "isPromise",
        "FAIL_OPEN_HEADER",
      ],
    },
  },
  {
    name: "@keyguard/express",
    dir: "packages/express",
    names: ["unkey", "requirePermissions", "keyOf", "createVerifier"],
  },
  {
    name: "@keyguard/hono",
    dir: "packages/hono",
    names: ["unkey", "requirePermissions", "keyOf", "createVerifier"],
    subpaths: { "@keyguard/hono/openapi": ["openAPIRouteHandler", "applyKeyguardOpenApi"] },
  },
  {
    name: "@keyguard/next",
    dir: "packages/next",
    names: ["withUnkey", "unkeyMiddleware", "CONTEXT_HEADER", "createVerifier"],
  },
  {
    name: "@keyguard/fastify",
    dir: "packages/fastify",
    names: ["keyguard", "default", "UnkeyDeniedError", "keyguardOpenApi", "createVerifier"],
  },
  {
    name: "@keyguard/nestjs",
    dir: "packages/nestjs",
    names: ["UnkeyModule", "UnkeyGuard", "RequirePermissions", "Public", "ApiKey"],
    subpaths: { "@keyguard/nestjs/swagger": ["createUnkeyDocument"] },
  },
  { name: "@keyguard/emulator", dir: "packages/emulator", names: ["startEmulator"] },
  { name: "@keyguard/otel", dir: "packages/otel", names: ["instrumentKeyguard"] },
  { name: "@keyguard/redis", dir: "packages/redis", names: ["redisCache"] },
];

/** Fails early, with the fix, when a package has not been built. */
export function assertBuilt(pkg: Published): void {
  if (!existsSync(`${ROOT}${pkg.dir}/dist`)) {
    throw new Error(`${pkg.name} has no dist/: run \`pnpm build\` first.`);
  }
}
