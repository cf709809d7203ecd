import { describe, expect, it } from 'vitest';
import { createToolCallId, thoughtSignatureOf } from './tool-call-id.js';

describe('tool call ids', () => {
  // Base64 whose base64url form holds `_`s, and the marker itself: `_ts_` may appear in a signature.
  const signature = Buffer.from([0xff, 0xff, 0x6d, 0xb7, 0xff, 0xfe, 0xd8, 0x5f]).toString('base64');

  it.each(['abc', 'ab_ts_cd', '_ts_', 'x_y_z_'])(
    'carry the signature back whatever the random part (%s)',
    (random) => {
      const id = createToolCallId(random, signature);
      expect(id.startsWith('call_')).toBe(true);
      expect(thoughtSignatureOf({ id })).toBe(signature);
    },
  );

  it('carry no signature when there is none, even when the random part spells the marker', () => {
    expect(thoughtSignatureOf({ id: createToolCallId('ab_ts_cd') })).toBeUndefined();
  });

  it('prefer the signature Google put in extra_content', () => {
    const id = createToolCallId('abc', signature);
    expect(thoughtSignatureOf({ id, extra_content: { google: { thought_signature: 'b3RoZXI=' } } })).toBe(
      'b3RoZXI=',
    );
  });
});
