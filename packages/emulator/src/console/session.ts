import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

// 256 bits from the OS's CSPRNG, base64url: as strong as the root key it stands in for.
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Links not yet opened, and sessions, kept at most: the oldest goes first. */
export const MAX_PENDING_LINKS = 16;
export const MAX_SESSIONS = 64;

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

/**
 * The index of `token` among `digests`, or -1. Every digest is compared, each with
 * `timingSafeEqual`, so the time taken says nothing about how much of a token was right,
 * nor which entry matched.
 */
function findDigest(digests: readonly Buffer[], token: string): number {
  if (!TOKEN_PATTERN.test(token)) return -1;
  const presented = digest(token);
  let found = -1;
  digests.forEach((stored, index) => {
    if (timingSafeEqual(stored, presented)) found = index;
  });
  return found;
}

function pushBounded(list: Buffer[], item: Buffer, max: number): void {
  list.push(item);
  if (list.length > max) list.shift();
}

/**
 * The console's credentials: one-time link tokens (printed by the CLI and the demo, each
 * opening one session) and the session ids the console's cookie carries. Only SHA-256
 * digests are held, so a heap dump of the emulator holds nothing to present.
 */
export class ConsoleSessions {
  private readonly links: Buffer[] = [];
  private readonly sessions: Buffer[] = [];

  /** A new one-time token for a link; the oldest unused one is dropped past {@link MAX_PENDING_LINKS}. */
  issueLinkToken(): string {
    const token = randomBytes(TOKEN_BYTES).toString("base64url");
    pushBounded(this.links, digest(token), MAX_PENDING_LINKS);
    return token;
  }

  /**
   * Spends a link token: a new session id when the token was issued and never used (it is
   * gone from then on), else undefined.
   */
  redeem(token: string): string | undefined {
    const index = findDigest(this.links, token);
    if (index < 0) return undefined;
    this.links.splice(index, 1);
    const session = randomBytes(TOKEN_BYTES).toString("base64url");
    pushBounded(this.sessions, digest(session), MAX_SESSIONS);
    return session;
  }

  /** Whether `session` (a cookie's value) is a live session. */
  isSession(session: string | undefined): boolean {
    return session !== undefined && findDigest(this.sessions, session) >= 0;
  }
}
