import { describe, expect, it } from 'vitest';
import { parseJsonObject } from './parse-json-object.js';

describe('parseJsonObject', () => {
  it.each([
    [Buffer.from('{"a":"é"}'), { ok: true, value: { a: 'é' } }],
    [Buffer.from('\uFEFF{"bom":1}'), { ok: true, value: { bom: 1 } }],
    [
      Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff]), Buffer.from('"}')]),
      { ok: false, problem: 'not valid UTF-8' },
    ],
    [Buffer.from([0x7b, 0xed, 0xa0, 0x80, 0x7d]), { ok: false, problem: 'not valid UTF-8' }],
    [Buffer.from('{"a":}'), { ok: false, problem: 'not valid JSON' }],
    [Buffer.alloc(0), { ok: false, problem: 'not valid JSON' }],
    [Buffer.from('[{}]'), { ok: false, problem: 'not a JSON object' }],
    [Buffer.from('null'), { ok: false, problem: 'not a JSON object' }],
    [
      Buffer.from(`{"a":${'['.repeat(257)}${']'.repeat(257)}}`),
      { ok: false, problem: 'nested deeper than 256 levels' },
    ],
  ])('%s → %j', (body, expected) => {
    expect(parseJsonObject(body)).toEqual(expected);
  });
});
