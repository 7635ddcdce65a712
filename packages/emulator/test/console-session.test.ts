import { describe, expect, it } from "vitest";
import { ConsoleSessions, MAX_PENDING_LINKS, MAX_SESSIONS } from "../src/console/session";

describe("ConsoleSessions", () => {
  it("issues distinct 256-bit base64url link tokens", () => {
    const sessions = new ConsoleSessions();
    const tokens = new Set(Array.from({ length: 8 }, () => sessions.issueLinkToken()));
    expect(tokens.size).toBe(8);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("redeems a link token once, for a session that is live from then on", () => {
    const sessions = new ConsoleSessions();
    const token = sessions.issueLinkToken();
    const session = sessions.redeem(token);
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessions.isSession(session)).toBe(true);
    expect(sessions.redeem(token)).toBeUndefined();
  });

  it("redeems each of several pending links, whatever the order", () => {
    const sessions = new ConsoleSessions();
    const [a, b, c] = [
      sessions.issueLinkToken(),
      sessions.issueLinkToken(),
      sessions.issueLinkToken(),
    ];
    for (const token of [b, c, a]) expect(sessions.redeem(token as string)).toBeDefined();
    for (const token of [a, b, c]) expect(sessions.redeem(token as string)).toBeUndefined();
  });

  it("keeps link tokens and sessions apart: neither opens the other", () => {
    const sessions = new ConsoleSessions();
    const token = sessions.issueLinkToken();
    expect(sessions.isSession(token)).toBe(false);
    const session = sessions.redeem(token) as string;
    expect(sessions.redeem(session)).toBeUndefined();
  });

  it("refuses tokens never issued, near misses and malformed ones", () => {
    const sessions = new ConsoleSessions();
    const token = sessions.issueLinkToken();
    const nearMiss = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    for (const wrong of [
      nearMiss,
      `${token}x`,
      token.slice(1),
      "",
      "../../etc",
      token.toUpperCase(),
    ]) {
      if (wrong === token) continue;
      expect(sessions.redeem(wrong)).toBeUndefined();
      expect(sessions.isSession(wrong)).toBe(false);
    }
    expect(sessions.isSession(undefined)).toBe(false);
    expect(sessions.redeem(token)).toBeDefined();
  });

  it(`keeps the last ${MAX_PENDING_LINKS} unused links and the last ${MAX_SESSIONS} sessions`, () => {
    const sessions = new ConsoleSessions();
    const links = Array.from({ length: MAX_PENDING_LINKS + 1 }, () => sessions.issueLinkToken());
    expect(sessions.redeem(links[0] as string)).toBeUndefined();
    const opened = links.slice(1).map((token) => sessions.redeem(token));
    expect(opened.every((session) => session !== undefined)).toBe(true);
    const more = Array.from({ length: MAX_SESSIONS }, () =>
      sessions.redeem(sessions.issueLinkToken()),
    );
    expect(sessions.isSession(opened[0])).toBe(false);
    expect(more.every((session) => sessions.isSession(session))).toBe(true);
  });
});
