// Unkey resource names (URNs), transcribed from unkeyed/unkey pkg/urn/urn.go
// (ParseV1 at lines 100-122, Covers at 49-64) and the resource builders of
// pkg/urn/resources_*.go that the emulator's operations name.

/** A parsed `unkey:v1:{workspace}:{resource path}` name. */
export interface UrnV1 {
  workspaceId: string;
  resource: string;
}

// pkg/urn/urn.go validateResourcePath (lines 150-171): no empty segment, no
// ":" or "#" in one, "*" only as a whole segment, "**" only as the last one.
function validResourcePath(path: string): boolean {
  const segments = path.split("/");
  return segments.every((segment, i) => {
    if (segment === "" || /[:#]/.test(segment)) return false;
    if (segment === "*") return true;
    if (segment === "**") return i === segments.length - 1;
    return !segment.includes("*");
  });
}

/**
 * Parses a v1 resource name, or returns undefined where Go's `urn.ParseV1`
 * returns an error. Go's `SplitN(value, ":", 4)`: the fourth field keeps any
 * later colon, which the path check then refuses.
 */
export function parseUrnV1(value: string): UrnV1 | undefined {
  const first = value.indexOf(":");
  const second = value.indexOf(":", first + 1);
  const third = value.indexOf(":", second + 1);
  if (first < 0 || second < 0 || third < 0) return undefined;
  if (value.slice(0, first) !== "unkey" || value.slice(first + 1, second) !== "v1") {
    return undefined;
  }
  const workspaceId = value.slice(second + 1, third);
  const resource = value.slice(third + 1);
  if (workspaceId === "" || /[:#/]/.test(workspaceId)) return undefined;
  if (!validResourcePath(resource)) return undefined;
  return { workspaceId, resource };
}

const segmentsMatch = (pattern: string[], target: string[]) =>
  pattern.every((segment, i) => segment === "*" || segment === target[i]);

/**
 * Whether `pattern` covers `target` (urn.go `V1.Covers`): same workspace; "*"
 * matches one path segment, a trailing "**" the base path and everything below.
 */
export function urnCovers(pattern: UrnV1, target: UrnV1): boolean {
  if (pattern.workspaceId !== target.workspaceId) return false;
  const patternSegments = pattern.resource.split("/");
  const targetSegments = target.resource.split("/");
  if (patternSegments[patternSegments.length - 1] === "**") {
    const base = patternSegments.slice(0, -1);
    return (
      targetSegments.length >= base.length &&
      segmentsMatch(base, targetSegments.slice(0, base.length))
    );
  }
  return (
    patternSegments.length === targetSegments.length &&
    segmentsMatch(patternSegments, targetSegments)
  );
}

const urn = (workspaceId: string, resource: string) => `unkey:v1:${workspaceId}:${resource}`;

/**
 * The resource names the emulator's operations authorize against, as
 * pkg/urn builds them (resources_workspace.go, resources_keyspace.go,
 * resources_project.go, resources_rbac.go, resources_ratelimit.go).
 */
export const resources = {
  /** `keyspaces/{keyspaceId}` */
  keyspace: (ws: string, keyspaceId: string) => urn(ws, `keyspaces/${keyspaceId}`),
  /** `keyspaces/{keyspaceId}/keys/{keyId}` (keyId may be `*`) */
  key: (ws: string, keyspaceId: string, keyId: string) =>
    urn(ws, `keyspaces/${keyspaceId}/keys/${keyId}`),
  /** `projects/*\/identities/*`: every identity handler asks for this one. */
  anyIdentity: (ws: string) => urn(ws, "projects/*/identities/*"),
  /** `rbac/permissions/*` */
  anyRbacPermission: (ws: string) => urn(ws, "rbac/permissions/*"),
  /**
   * `ratelimits/namespaces/{namespaceId}/overrides/{overrideId}`: the namespace below the
   * literal `ratelimits` segment (resources_workspace.go:57), the override below it
   * (resources_ratelimit.go:52).
   */
  override: (ws: string, namespaceId: string, overrideId: string) =>
    urn(ws, `ratelimits/namespaces/${namespaceId}/overrides/${overrideId}`),
};
