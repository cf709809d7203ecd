import { describe, expect, it } from 'vitest';
import { createToolUseId, thoughtSignatureOfToolUseId } from './tool-use-id.js';

describe('tool_use ids', () => {
  const signature = Buffer.from(Array.from({ length: 300 }, (_, index) => index % 256)).toString('base64');

  it('carry a thought signature there and back, within Anthropic’s id alphabet', () => {
    const id = createToolUseId('r4nd_m-x', signature);
    expect(id).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(thoughtSignatureOfToolUseId(id)).toBe(signature);
  });

  it('find the marker after a random part that had an underscore of its own', () => {
    const id = createToolUseId('_ts_ab', signature);
    expect(id.startsWith('toolu_-ts-ab_ts_')).toBe(true);
    expect(thoughtSignatureOfToolUseId(id)).toBe(signature);
  });

  it('carry nothing without a signature, nor in ids of other origins', () => {
    expect(thoughtSignatureOfToolUseId(createToolUseId('abc'))).toBeUndefined();
    expect(thoughtSignatureOfToolUseId('toolu_01A09q90qw90lq917835lq9')).toBeUndefined();
    expect(thoughtSignatureOfToolUseId('call_x_ts_c2ln')).toBeUndefined();
  });
});
