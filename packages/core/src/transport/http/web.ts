import type { ExchangeOptions, Post } from "./exchange";
import { fetchPost } from "./fetch";

/** Which client this build uses by default. */
export const CLIENT = "fetch";

/**
 * The HTTP client outside Node (Workers, Bun, Deno): `fetch`. The Node build
 * swaps this module for ./node (see tsup.config.ts).
 */

export function createPost(options: ExchangeOptions): Post {
  return fetchPost(options);
}
