import type { KeySource } from "./extract-key";

/** How a guard asks for its key: the wording of its 401s and its `WWW-Authenticate` challenge. */
export interface KeyPresentation {
  /** Where the key goes, e.g. "`Authorization: Bearer <key>` or `X-API-Key: <key>`". */
  readonly where: string;
  /**
   * The auth scheme to challenge with (RFC 9110 §11.6.1), from the first
   * `Authorization` source; `undefined` when no source reads that header,
   * since a challenge for a scheme the server does not read would mislead clients.
   */
  readonly challenge: string | undefined;
}

// Header names as people write them: `x-api-key` → `X-Api-Key` reads worse than `X-API-Key`.
const SPELLED: Readonly<Record<string, string>> = {
  authorization: "Authorization",
  "x-api-key": "X-API-Key",
};

function describeSource(source: KeySource): string {
  if ("header" in source) {
    const name = SPELLED[source.header] ?? source.header;
    return source.scheme === undefined
      ? `\`${name}: <key>\``
      : `\`${name}: ${source.scheme} <key>\``;
  }
  if ("query" in source) return `the \`${source.query}\` query parameter`;
  return `the \`${source.cookie}\` cookie`;
}

/**
 * The presentation of a guard's key sources, computed once when the guard is
 * built, so that a 401 tells the client where this server reads the key.
 */
export function presentationOf(sources: readonly KeySource[]): KeyPresentation {
  const described = sources.map(describeSource);
  const where =
    described.length <= 1
      ? (described[0] ?? "")
      : `${described.slice(0, -1).join(", ")} or ${described[described.length - 1]}`;
  // WWW-Authenticate answers for the Authorization header alone (RFC 9110 §11.6.1-2).
  const scheme = sources.find((s) => "header" in s && s.header === "authorization" && s.scheme);
  return Object.freeze({
    where,
    challenge: scheme !== undefined && "header" in scheme ? scheme.scheme : undefined,
  });
}
