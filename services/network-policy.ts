/**
 * Outbound-request policy (SSRF guard): agent webhooks must not reach loopback, private,
 * link-local or otherwise non-public addresses unless ALLOW_PRIVATE_WEBHOOKS is set. Used when a
 * profile is saved and again at delivery time (DNS can change between the two).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AppError, ErrorCode } from '../domain/errors';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, incl. cloud metadata 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved + broadcast
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64 can embed any IPv4, including private ones
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** `::ffff:10.0.0.1` and friends are IPv4 addresses in disguise. */
function unwrapMappedIpv4(ip: string): string {
  const m = ip.match(/^::ffff:(?:0:)?(\d+\.\d+\.\d+\.\d+)$/i);
  return m ? m[1] : ip;
}

/** True for anything that is not a routable public unicast address (or not an IP at all). */
export function isPrivateAddress(ip: string): boolean {
  const addr = unwrapMappedIpv4(ip.replace(/^\[|\]$/g, '').split('%')[0]);
  const family = isIP(addr);
  if (family === 0) return true;
  return blocked.check(addr, family === 4 ? 'ipv4' : 'ipv6');
}

const invalid = (field: string, why: string) => new AppError(ErrorCode.Validation, `${field}: ${why}`);

/**
 * Checks that `url` is http(s) and that every address its host resolves to is public (unless
 * `allowPrivate`). Returns the parsed URL and the addresses checked, so a caller may pin them.
 * Throws AppError(Validation) naming `field`.
 */
export async function assertPublicUrl(
  url: string,
  allowPrivate: boolean,
  field = 'url',
): Promise<{ url: URL; addresses: string[] }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(field, 'must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalid(field, 'must be an http(s) URL');
  if (parsed.username || parsed.password) throw invalid(field, 'must not contain credentials');
  if (allowPrivate) return { url: parsed, addresses: [] };
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw invalid(field, 'host cannot be resolved');
    }
  }
  if (addresses.length === 0 || addresses.some(isPrivateAddress))
    throw invalid(field, 'must point to a public address (private, loopback and link-local are refused)');
  return { url: parsed, addresses };
}
