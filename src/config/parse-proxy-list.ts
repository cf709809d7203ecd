import { isIP } from 'node:net';
import { parseList } from './parse-list.js';

// Names proxy-addr (Fastify's trustProxy) understands for whole address ranges.
const rangeNames = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUSTED_PROXIES: the reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` the gateway
 * believes: addresses (`10.0.0.5`), ranges (`172.16.0.0/12`, `fd00::/8`) or `loopback`,
 * `linklocal`, `uniquelocal`. Empty (the default): none, so a client cannot claim another address by
 * sending the header itself.
 */
export function parseProxyList(text: string): string[] {
  return parseList(text).map((entry, index) => {
    if (rangeNames.has(entry)) return entry;
    const [address = '', bits, ...rest] = entry.split('/');
    const family = isIP(address);
    const width = family === 4 ? 32 : 128;
    const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= width);
    if (family === 0 || !validBits || rest.length > 0)
      throw new Error(
        `entry ${index + 1}: expected an IP address, a range such as 10.0.0.0/8, or loopback, linklocal, uniquelocal`,
      );
    return entry;
  });
}
