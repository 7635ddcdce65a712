import ipaddr from "ipaddr.js";
import { KeyguardConfigError } from "../errors";
import { describe } from "../options/connection-options";
import { pickOptions } from "../options/option-names";

/** Options of `identify.ip()`. */
export interface IpOptions {
  /**
   * Prefix length IPv6 addresses are grouped by: a host is given a /64 (RFC
   * 6177 suggests a /56 for a site), so one client can rotate through its
   * addresses. `false` keeps whole addresses. IPv4 addresses are never grouped.
   * @default 64
   */
  ipv6Subnet?: number | false | undefined;
}

const SUBNET_BOUNDS = { min: 32, max: 128 };

/** The IPv6 prefix length in force, or `false`; bad values fail at start-up naming the option. */
export function resolveIpv6Subnet(options: IpOptions | undefined): number | false {
  const { ipv6Subnet = 64 } = pickOptions(options, ["ipv6Subnet"]);
  if (ipv6Subnet === false) return false;
  if (
    typeof ipv6Subnet !== "number" ||
    !Number.isInteger(ipv6Subnet) ||
    ipv6Subnet < SUBNET_BOUNDS.min ||
    ipv6Subnet > SUBNET_BOUNDS.max
  ) {
    throw new KeyguardConfigError(
      "ipv6Subnet",
      `expected a prefix length from ${SUBNET_BOUNDS.min} to ${SUBNET_BOUNDS.max}, or false to keep whole IPv6 addresses, got ${describe(ipv6Subnet)}.`,
    );
  }
  return ipv6Subnet;
}

/**
 * The counter a client address belongs to: an IPv4 address as it is (an
 * IPv4-mapped IPv6 address such as `::ffff:192.0.2.1` is the IPv4 address it
 * carries), an IPv6 address as its network (`2001:db8:1:2::/64`) unless
 * `ipv6Subnet` is `false`. `undefined` for what is not an IP address.
 */
export function addressGroup(address: string, ipv6Subnet: number | false): string | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  // process() turns an IPv4-mapped IPv6 address into its IPv4 address.
  const parsed = ipaddr.process(address);
  if (parsed.kind() === "ipv4") return parsed.toString();
  // Rebuilt from its parts, the address drops any zone id ("%eth0"), which is not part of it.
  const whole = new ipaddr.IPv6((parsed as ipaddr.IPv6).parts).toRFC5952String();
  if (ipv6Subnet === false) return whole;
  const network = ipaddr.IPv6.networkAddressFromCIDR(`${whole}/${ipv6Subnet}`);
  return `${network.toRFC5952String()}/${ipv6Subnet}`;
}
