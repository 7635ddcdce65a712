// Apart from client-address.ts: checking the option needs no IP parser (ipaddr.js), so a
// guard that only validates failureBudget does not bundle one.
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
