// Resource permissions as unkeyed/unkey pkg/rbac/urn_test.go and
// pkg/urn/urn_test.go pin them: which strings parse, and which grants cover
// which required permission.
import { describe, expect, it } from "vitest";
import { parseUrnPermission, urnPermissionGranted } from "../src/urn-permission";

const REQUIRED = "unkey:v1:ws_123:ratelimits/namespaces/ns_123/overrides/ov_123#read_override";

describe("parseUrnPermission (pkg/rbac/urn_test.go lines 73-128)", () => {
  it.each([
    ["exact resource", REQUIRED],
    [
      "segment wildcard resource",
      "unkey:v1:ws_123:ratelimits/namespaces/*/overrides/*#read_override",
    ],
    ["descendant wildcard resource", "unkey:v1:ws_123:ratelimits/**#read_override"],
    ["admin permission", "unkey:v1:ws_123:**#*"],
  ])("accepts %s", (_, value) => {
    expect(parseUrnPermission(value)).toBeDefined();
  });

  it.each([
    ["missing action separator", "unkey:v1:ws_123:ratelimits/namespaces/ns_123"],
    ["empty resource", "unkey:v1:ws_123:#read_override"],
    ["empty action", "unkey:v1:ws_123:ratelimits/namespaces/ns_123#"],
    ["extra action separator", "unkey:v1:ws_123:ratelimits/namespaces/ns_123#read#override"],
    ["wrong prefix", "urn:v1:ws_123:ratelimits/namespaces/ns_123#read_override"],
    ["wrong version", "unkey:v2:ws_123:ratelimits/namespaces/ns_123#read_override"],
    ["missing workspace resource separator", "unkey:v1:ws_123#read_override"],
    ["empty workspace", "unkey:v1::ratelimits/namespaces/ns_123#read_override"],
    ["workspace with slash", "unkey:v1:ws/123:ratelimits/namespaces/ns_123#read_override"],
    ["resource with colon", "unkey:v1:ws_123:ratelimits:namespaces/ns_123#read_override"],
    ["leading slash", "unkey:v1:ws_123:/ratelimits/namespaces/ns_123#read_override"],
    ["trailing slash", "unkey:v1:ws_123:ratelimits/namespaces/ns_123/#read_override"],
    ["empty segment", "unkey:v1:ws_123:ratelimits//namespaces/ns_123#read_override"],
    ["partial wildcard", "unkey:v1:ws_123:ratelimits/namespaces/ns_*#read_override"],
    ["descendant wildcard in middle", "unkey:v1:ws_123:ratelimits/**/overrides/*#read_override"],
    ["action with slash", "unkey:v1:ws_123:ratelimits/namespaces/ns_123#read/override"],
    ["action with colon", "unkey:v1:ws_123:ratelimits/namespaces/ns_123#read:override"],
    ["action wildcard without global resource", "unkey:v1:ws_123:ratelimits/namespaces/ns_123#*"],
    ["action wildcard with single segment wildcard resource", "unkey:v1:ws_123:*#*"],
    ["leading action underscore", "unkey:v1:ws_123:ratelimits/namespaces/ns_123#_read_override"],
    ["trailing action underscore", "unkey:v1:ws_123:ratelimits/namespaces/ns_123#read_override_"],
    ["legacy tuple", "api.api_1.read_api"],
  ])("refuses %s", (_, value) => {
    expect(parseUrnPermission(value)).toBeUndefined();
  });
});

describe("urnPermissionGranted (pkg/rbac/urn_test.go lines 265-330)", () => {
  it.each([
    ["exact permission", [REQUIRED], true],
    [
      "namespace override wildcard",
      ["unkey:v1:ws_123:ratelimits/namespaces/ns_123/overrides/*#read_override"],
      true,
    ],
    [
      "any namespace's overrides",
      ["unkey:v1:ws_123:ratelimits/namespaces/*/overrides/*#read_override"],
      true,
    ],
    ["ratelimits descendants", ["unkey:v1:ws_123:ratelimits/**#read_override"], true],
    ["admin permission", ["unkey:v1:ws_123:**#*"], true],
    [
      "malformed grants are ignored",
      [
        "unkey:v1:ws_123:ratelimits/namespaces/ns_123/overrides/**/nested#read_override",
        "unkey:v1:ws_123:ratelimits/namespaces/ns_123/overrides/ov_123#delete_override",
      ],
      false,
    ],
    [
      "wrong workspace",
      ["unkey:v1:ws_456:ratelimits/namespaces/ns_123/overrides/*#read_override"],
      false,
    ],
    [
      "a shorter concrete resource",
      ["unkey:v1:ws_123:ratelimits/namespaces/ns_123#read_override"],
      false,
    ],
    ["'*' alone is one segment", ["unkey:v1:ws_123:*#read_override"], false],
  ] as const)("%s", (_, granted, covered) => {
    expect(urnPermissionGranted(REQUIRED, granted)).toBe(covered);
  });

  it("a trailing '**' covers its base resource too (pkg/urn/urn.go lines 36-41)", () => {
    const keyspace = "unkey:v1:ws_1:keyspaces/ks_1#read_keyspace";
    expect(urnPermissionGranted(keyspace, ["unkey:v1:ws_1:keyspaces/ks_1/**#read_keyspace"])).toBe(
      true,
    );
  });
});
