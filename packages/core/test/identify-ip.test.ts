import { describe, expect, it } from "vitest";
import { identifyHelpers } from "../src/adapter";
import { KeyguardConfigError, RatelimitIdentifierError } from "../src/index";

const identify = identifyHelpers<{ ip?: string }>({
  ip: (request) => request.ip,
  header: () => undefined,
  keyId: () => undefined,
});
const ipOf = (ip: string | undefined, read = identify.ip()) => read(ip === undefined ? {} : { ip });

describe("identify.ip()", () => {
  it("groups an IPv6 client by its /64: rotating the interface id keeps one counter", () => {
    const ids = ["2001:db8:1:2::1", "2001:db8:1:2::abcd", "2001:0db8:0001:0002:ffff:1:2:3"].map(
      (ip) => ipOf(ip),
    );
    expect(new Set(ids)).toEqual(new Set(["2001:db8:1:2::/64"]));
    expect(ipOf("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
    // A zone id is no part of the address.
    expect(ipOf("fe80::1%eth0")).toBe("fe80::/64");
  });

  it("takes another prefix length, or whole addresses with ipv6Subnet: false", () => {
    expect(ipOf("2001:db8:1:2ff::1", identify.ip({ ipv6Subnet: 56 }))).toBe("2001:db8:1:200::/56");
    const whole = identify.ip({ ipv6Subnet: false });
    expect(ipOf("2001:0db8:0:0::1", whole)).toBe("2001:db8::1");
    expect(ipOf("2001:db8::2", whole)).toBe("2001:db8::2");
  });

  it("reads an IPv4-mapped IPv6 address as its IPv4 address, and leaves IPv4 alone", () => {
    expect(ipOf("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(ipOf("::ffff:cb00:7107")).toBe("203.0.113.7");
    expect(ipOf("::ffff:203.0.113.7", identify.ip({ ipv6Subnet: false }))).toBe("203.0.113.7");
    expect(ipOf("203.0.113.7")).toBe("203.0.113.7");
    expect(ipOf("203.0.113.8")).toBe("203.0.113.8");
  });

  it.each([
    ["absent", undefined, /ip\(\) is missing/],
    ["empty", "", /ip\(\) is missing/],
    ["not an address", "unknown", /not an IP address/],
    ["an address with a port", "203.0.113.7:443", /not an IP address/],
    ["a CIDR", "2001:db8::/64", /not an IP address/],
  ])(
    "refuses a client address that is %s with a RatelimitIdentifierError",
    (_what, ip, message) => {
      expect(() => ipOf(ip)).toThrow(RatelimitIdentifierError);
      expect(() => ipOf(ip)).toThrow(message);
    },
  );

  it.each([
    [{ ipv6Subnet: 0 }, "ipv6Subnet", /from 32 to 128, or false/],
    [{ ipv6Subnet: 129 }, "ipv6Subnet", /got 129/],
    [{ ipv6Subnet: 64.5 }, "ipv6Subnet", /from 32 to 128/],
    [{ ipv6Subnet: true }, "ipv6Subnet", /from 32 to 128/],
    [{ ipv6Subnet: "64" }, "ipv6Subnet", /from 32 to 128/],
    [{ ipv6subnet: 64 }, "ipv6subnet", /did you mean `ipv6Subnet`/],
  ])("refuses %j when the route is declared, naming %s", (bad, option, message) => {
    const declare = () => identify.ip(bad as never);
    expect(declare).toThrow(KeyguardConfigError);
    expect(declare).toThrow(message);
    expect(() => declare()).toThrow(expect.objectContaining({ option }));
  });
});
