import { describe, expect, it } from 'vitest';
import { isCrossOrigin } from './is-cross-origin.js';

describe('isCrossOrigin', () => {
  it.each([
    [{ host: 'gw.example:8000', origin: 'http://gw.example:8000' }, false],
    [{ host: 'gw.example:8000', origin: 'https://gw.example:8000' }, false],
    [{ host: 'gw.example:8000', origin: 'http://evil.example' }, true],
    [{ host: 'gw.example:8000', origin: 'http://gw.example:8001' }, true],
    [{ host: 'gw.example', origin: 'null' }, true],
    [{ host: 'gw.example', origin: 'not a url' }, true],
    [{ host: '10.0.0.5:8000', 'x-forwarded-host': 'gw.example', origin: 'https://gw.example' }, false],
    [{ host: 'gw.example', 'sec-fetch-site': 'cross-site' }, true],
    [{ host: 'gw.example', 'sec-fetch-site': 'same-site' }, true],
    [{ host: 'gw.example', 'sec-fetch-site': 'same-origin' }, false],
    [{ host: 'gw.example', referer: 'http://evil.example/page' }, true],
    [{ host: 'gw.example', referer: 'http://gw.example/keys' }, false],
    [{ host: 'gw.example' }, false],
    [{ origin: 'http://gw.example' }, true],
  ])('%j → %s', (headers, expected) => {
    expect(isCrossOrigin(headers)).toBe(expected);
  });
});
