import { KeyguardConfigError, type Logger } from "@keyguard/core";
import type { Redis } from "ioredis";

/** Options of {@link redisCache}. */
export interface RedisCacheOptions {
  /** A Redis URL (`redis://host:6379`, `rediss://…` for TLS); or pass `client`. */
  url?: string | undefined;
  /**
   * Your own ioredis client (it is not closed by `close()`). Give it
   * `enableOfflineQueue: false`, so that commands fail at once while Redis is away.
   */
  client?: Redis | undefined;
  /**
   * The secret every instance shares (at least 32 characters: `openssl rand -base64 32`).
   * Entry ids are HMACs keyed by it and values are encrypted with a key derived
   * from it, so a Redis dump reveals neither API keys nor their metadata.
   *
   * To rotate it, give a list: entries and bus messages are written with the first
   * secret and read with any of them (see the README's "Rotating the secret").
   */
  secret: string | readonly string[];
  /**
   * Prefix of every Redis key and of the bus channel: one per app sharing a Redis.
   * @default "keyguard:"
   */
  prefix?: string | undefined;
  /**
   * Longest wait for one Redis call, in ms; past it the request goes to Unkey.
   * @default 50
   */
  timeoutMs?: number | undefined;
  /**
   * How often the invalidation bus's connection is checked with a PING, in ms: a
   * connection that went half-open (a NAT or a failover dropped it without a word)
   * otherwise looks alive while every invalidation is lost.
   * @default 2000
   */
  heartbeatIntervalMs?: number | undefined;
  /**
   * How long a PING on the bus may go unanswered, in ms, before the connection is
   * taken for dead: logged once, reconnected, and the in-process cache emptied.
   * @default 1000
   */
  heartbeatTimeoutMs?: number | undefined;
  /**
   * Where the bus's own warnings go (a dead connection found by the heartbeat).
   * @default console
   */
  logger?: Logger | undefined;
}

/** The options after defaults, `secret` as a list (the first one writes). */
export interface ResolvedRedisCacheOptions {
  readonly url: string | undefined;
  readonly client: Redis | undefined;
  readonly secrets: readonly string[];
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly logger: Logger;
}

/** Every default, in one place. */
export const REDIS_CACHE_DEFAULTS = Object.freeze({
  prefix: "keyguard:",
  timeoutMs: 50,
  heartbeatIntervalMs: 2000,
  heartbeatTimeoutMs: 1000,
});

const OPTION_NAMES = [
  "url",
  "client",
  "secret",
  "prefix",
  "timeoutMs",
  "heartbeatIntervalMs",
  "heartbeatTimeoutMs",
  "logger",
];

const SECRET_HINT =
  "a string of at least 32 characters shared by every instance (`openssl rand -base64 32`)";

function fail(option: string, problem: string): never {
  throw new KeyguardConfigError(option, problem);
}

/** The secrets as a list; each long enough, none repeated. Never echoes a secret. */
function resolveSecrets(secret: unknown): readonly string[] {
  if (typeof secret === "string") {
    if (secret.length < 32) fail("secret", `expected ${SECRET_HINT}, or a list of them.`);
    return [secret];
  }
  if (!Array.isArray(secret) || secret.length === 0)
    fail("secret", `expected ${SECRET_HINT}, or a non-empty list of them (the first one writes).`);
  secret.forEach((one: unknown, i) => {
    if (typeof one !== "string" || one.length < 32)
      fail(`secret[${i}]`, `expected ${SECRET_HINT}.`);
    const first = secret.indexOf(one);
    if (first !== i) fail(`secret[${i}]`, `repeats secret[${first}]; list each secret once.`);
  });
  return [...secret] as string[];
}

function wholeMs(name: string, value: unknown, fallback: number, min: number, max: number) {
  const ms = value ?? fallback;
  if (!Number.isInteger(ms) || (ms as number) < min || (ms as number) > max)
    fail(name, `expected a whole number of ms from ${min} to ${max.toLocaleString("en")}.`);
  return ms as number;
}

function resolveConnection(url: unknown, client: unknown): void {
  if ((url === undefined) === (client === undefined))
    fail("url", "pass exactly one of `url` (a Redis URL) and `client` (an ioredis client).");
  if (url !== undefined && (typeof url !== "string" || !/^rediss?:\/\//.test(url)))
    fail("url", 'expected a Redis URL such as "redis://127.0.0.1:6379".');
}

/** Merges defaults and rejects a bad option at start-up with a `KeyguardConfigError` naming it. */
export function resolveRedisCacheOptions(options: RedisCacheOptions): ResolvedRedisCacheOptions {
  if (typeof options !== "object" || options === null) fail("options", "expected an object.");
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.includes(name))
      fail(name, `unknown option; expected one of ${OPTION_NAMES.join(", ")}.`);
  }
  const d = REDIS_CACHE_DEFAULTS;
  resolveConnection(options.url, options.client);
  const secrets = resolveSecrets(options.secret);
  const prefix = options.prefix ?? d.prefix;
  if (typeof prefix !== "string" || prefix === "") fail("prefix", "expected a non-empty string.");
  const logger = options.logger ?? console;
  if (typeof logger?.warn !== "function" || typeof logger?.error !== "function")
    fail("logger", "expected an object with warn() and error().");
  return {
    url: options.url,
    client: options.client,
    secrets,
    prefix,
    timeoutMs: wholeMs("timeoutMs", options.timeoutMs, d.timeoutMs, 1, 10_000),
    heartbeatIntervalMs: wholeMs(
      "heartbeatIntervalMs",
      options.heartbeatIntervalMs,
      d.heartbeatIntervalMs,
      100,
      60_000,
    ),
    heartbeatTimeoutMs: wholeMs(
      "heartbeatTimeoutMs",
      options.heartbeatTimeoutMs,
      d.heartbeatTimeoutMs,
      10,
      60_000,
    ),
    logger,
  };
}
