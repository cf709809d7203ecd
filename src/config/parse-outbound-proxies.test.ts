import { describe, expect, it } from 'vitest';
import { describeOutboundProxy, parseOutboundProxies } from './parse-outbound-proxies.js';

describe('parseOutboundProxies', () => {
  it('takes http, https and socks5 proxies, as a comma list or JSON, kept as written', () => {
    expect(parseOutboundProxies('http://127.0.0.1:8080, socks5://u:p@proxy.example:1080')).toEqual([
      'http://127.0.0.1:8080',
      'socks5://u:p@proxy.example:1080',
    ]);
    expect(parseOutboundProxies('["https://proxy.example:8443/"]')).toEqual(['https://proxy.example:8443/']);
    expect(parseOutboundProxies('')).toEqual([]);
    expect(parseOutboundProxies('[]')).toEqual([]);
  });

  it.each([
    ['proxy.example:8080', "entry 1: not a proxy's scheme"],
    ['http://', 'entry 1: not a URL'],
    ['ftp://proxy.example:21', "entry 1: not a proxy's scheme"],
    ['http://ok:1, socks4://proxy.example:1080', "entry 2: not a proxy's scheme"],
    ['http://proxy.example:8080/path', 'entry 1: http://proxy.example:8080: a proxy is'],
    ['http://proxy.example:8080/?x=1', 'entry 1: http://proxy.example:8080: a proxy is'],
    ['http://a:1,http://a:1', 'entry 2: http://a:1 is entry 1 already'],
    ['socks5://:secret@proxy.example:1080', 'entry 1: socks5://proxy.example:1080: a SOCKS5 password needs'],
    [`socks5://${'u'.repeat(256)}:p@proxy.example:1080`, 'at most 255 bytes'],
    ['http://user:%E0%A4%A@proxy.example:8080', 'malformed %-escape'],
    ['http://proxy.example:99999', 'entry 1: not a URL'],
  ])('refuses %s, naming the entry', (text, problem) => {
    expect(() => parseOutboundProxies(text)).toThrow(problem);
  });

  it.each([
    'http://alice:sup3r-s3cret@proxy.example:8080/path',
    'socks5://alice:sup3r-s3cret@',
    'alice:sup3r-s3cret@proxy.example:8080',
    'http://alice:sup3r-s3cret@proxy.example:8080,http://alice:sup3r-s3cret@proxy.example:8080',
    'gopher://alice:sup3r-s3cret@proxy.example:70',
  ])('never repeats a credential in a problem: %s', (text) => {
    let message = '';
    try {
      parseOutboundProxies(text);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toBe('');
    expect(message).not.toContain('sup3r-s3cret');
    expect(message).not.toContain('alice');
  });
});

describe('describeOutboundProxy', () => {
  it('takes a proxy apart, credentials decoded, labelled without them', () => {
    expect(describeOutboundProxy('http://us%40er:p%3Ass@10.0.0.1:3128')).toEqual({
      scheme: 'http',
      host: '10.0.0.1',
      port: 3128,
      username: 'us@er',
      password: 'p:ss',
      label: 'http://10.0.0.1:3128',
    });
    expect(describeOutboundProxy('socks5h://[::1]:1080')).toMatchObject({
      scheme: 'socks5',
      host: '::1',
      label: 'socks5://[::1]:1080',
    });
  });

  it.each([
    ['http://proxy.example', 80],
    ['https://proxy.example', 443],
    ['socks5://proxy.example', 1080],
  ])('gives %s its scheme’s port', (text, port) => {
    expect(describeOutboundProxy(text).port).toBe(port);
  });
});
