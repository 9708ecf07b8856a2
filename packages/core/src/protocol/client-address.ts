// Which address a request comes from: the socket peer, or X-Forwarded-For when the peer is a trusted proxy.
import { BlockList, isIP } from "node:net";

/**
 * Finds the client address of a request from its socket peer and its `X-Forwarded-For` header;
 * `undefined` when the peer is unknown (in-process calls).
 */
export type ClientAddressResolver = (
  peer: string | undefined,
  forwardedFor: string | undefined,
) => string | undefined;

/**
 * Reduces an address to one spelling: brackets and ports dropped, IPv4-mapped IPv6 as IPv4,
 * lower case. `undefined` when it is not an IP address.
 */
function normalizeAddress(raw: string): string | undefined {
  let value = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed?.[1] !== undefined) value = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(":"));
  value = value.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(value);
  if (mapped?.[1] !== undefined) value = mapped[1];
  return isIP(value) === 0 ? undefined : value;
}

function family(address: string): "ipv4" | "ipv6" {
  return isIP(address) === 6 ? "ipv6" : "ipv4";
}

/**
 * Builds the block list of trusted proxies from `entries` (IP addresses or CIDR ranges).
 * @throws {TypeError} for an entry that is neither (configuration is validated before this)
 */
function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = "", prefix] = entry.split("/");
    const normalized = normalizeAddress(address);
    if (normalized === undefined) throw new TypeError(`not an IP address or range: ${entry}`);
    if (prefix === undefined) list.addAddress(normalized, family(normalized));
    else list.addSubnet(normalized, Number(prefix), family(normalized));
  }
  return list;
}

/**
 * The resolver for a deployment: with no trusted proxies, the socket peer is the client and
 * `X-Forwarded-For` is ignored — anyone can write that header. When the peer is a trusted proxy,
 * `X-Forwarded-For` is read from the right: each trusted hop is skipped and the first address not
 * trusted is the client (the right-most untrusted address), since only the hops we trust appended
 * honestly. A malformed entry stops the walk at the last hop vouched for.
 * @throws {TypeError} when an entry of `trustedProxies` is not an IP address or CIDR range
 */
export function createClientAddressResolver(
  trustedProxies: readonly string[],
): ClientAddressResolver {
  const trusted = trustedProxyList(trustedProxies);
  const isTrusted = (address: string): boolean => trusted.check(address, family(address));
  return (socketPeer, forwardedFor) => {
    const peer = socketPeer === undefined ? undefined : normalizeAddress(socketPeer);
    if (peer === undefined || !isTrusted(peer)) return peer;
    const forwarded = (forwardedFor ?? "").split(",");
    let client = peer;
    for (let i = forwarded.length - 1; i >= 0; i--) {
      const hop = forwarded[i] ?? "";
      const address = normalizeAddress(hop);
      if (address === undefined) break;
      client = address;
      if (!isTrusted(address)) break;
    }
    return client;
  };
}

/** Tells whether `entry` is an IP address or a CIDR range, as `GATEHOUSE_TRUSTED_PROXIES` takes. */
export function isAddressOrRange(entry: string): boolean {
  const [address = "", prefix, ...rest] = entry.split("/");
  if (rest.length > 0 || address !== address.trim()) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}
