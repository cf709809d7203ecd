import { isIP } from 'node:net';

// Addresses a client must not make the gateway call: everything but the public internet. IPv4 from
// IANA's special-purpose registry (RFC 6890 and successors); IPv6 as "inside 2000::/3 (global
// unicast) and not special", plus the forms that carry an IPv4 address, which is judged instead.

const ipv4Blocked: readonly (readonly [network: string, bits: number])[] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
];

/** Special ranges inside 2000::/3, as [first hextets, prefix bits]. */
const ipv6GlobalBlocked: readonly (readonly [hextets: readonly number[], bits: number])[] = [
  [[0x2001, 0x0000], 23], // IETF protocol assignments: Teredo 2001::/32, ORCHID, benchmarking 2001:2::/48
  [[0x2001, 0x0db8], 32], // documentation
  [[0x3fff, 0x0000], 20], // documentation (RFC 9637)
];

function parseIPv4(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

const ipv4Ranges = ipv4Blocked.map(([network, bits]) => {
  const size = 2 ** (32 - bits);
  const start = parseIPv4(network) as number;
  return { start, end: start + size - 1 };
});

function isPrivateIPv4(value: number): boolean {
  return ipv4Ranges.some((range) => value >= range.start && value <= range.end);
}

/** The eight hextets of an IPv6 address (a zone id ignored, a dotted IPv4 tail allowed). */
function parseIPv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIPv4(tail);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined) => (half ? half.split(':') : []);
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...rest];
  if (!all.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return all.map((group) => Number.parseInt(group, 16));
}

function hasPrefix(hextets: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let index = 0; bits > 0; index += 1, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if (((hextets[index] ?? 0) & mask) !== ((prefix[index] ?? 0) & mask)) return false;
  }
  return true;
}

const ipv4Of = (high: number, low: number) => high * 65536 + low;

function isPrivateIPv6(h: readonly number[]): boolean {
  const [h0 = 0, h1 = 0, h2 = 0, h3 = 0, h4 = 0, h5 = 0, h6 = 0, h7 = 0] = h;
  // ::/96 (IPv4-compatible, and :: and ::1), ::ffff:0:0/96 (IPv4-mapped) and ::ffff:0:0:0/96
  // (IPv4-translated): the socket reaches the embedded IPv4 address.
  const embedsIPv4 = (h4 === 0 && (h5 === 0 || h5 === 0xffff)) || (h4 === 0xffff && h5 === 0);
  if (h0 === 0 && h1 === 0 && h2 === 0 && h3 === 0 && embedsIPv4) return isPrivateIPv4(ipv4Of(h6, h7));
  // NAT64's well-known prefix reaches the embedded IPv4 address; 64:ff9b:1::/48 is for local use.
  if (hasPrefix(h, [0x64, 0xff9b, 0, 0, 0, 0], 96)) return isPrivateIPv4(ipv4Of(h6, h7));
  // 6to4 carries the IPv4 address of its relay in hextets 1 and 2.
  if (h0 === 0x2002) return isPrivateIPv4(ipv4Of(h1, h2));
  // Outside 2000::/3 is nothing public: ::/8 remainders, 64:ff9b:1::/48, 100::/64 (discard),
  // fc00::/7 (unique local), fe80::/10 (link-local), fec0::/10 (site-local), ff00::/8 (multicast).
  if ((h0 & 0xe000) !== 0x2000) return true;
  return ipv6GlobalBlocked.some(([prefix, bits]) => hasPrefix(h, prefix, bits));
}

/**
 * Whether an address (IPv4 or IPv6, as a socket or a URL reports it) is anything but a public
 * internet address. Whatever does not parse as an address counts as private.
 */
export function isPrivateAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIP(bare) === 4) return isPrivateIPv4(parseIPv4(bare) as number);
  const hextets = parseIPv6(bare);
  return hextets === undefined || isPrivateIPv6(hextets);
}
