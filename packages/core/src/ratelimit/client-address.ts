import ipaddr from "ipaddr.js";

export type { IpOptions } from "./ipv6-subnet";

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
