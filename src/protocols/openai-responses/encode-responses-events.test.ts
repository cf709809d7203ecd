import { describe, expect, it } from 'vitest';
import { createResponsesEncoder } from './encode-responses-events.js';
import { responseEchoOf } from './response-context.js';

const context = () => {
  let counter = 0;
  return {
    id: 'resp_test',
    createdAt: 1,
    model: 'asked-model',
    newId: () => `id${++counter}`,
    echo: responseEchoOf({ model: 'asked-model', input: 'hi' }),
  };
};

describe('createResponsesEncoder', () => {
  it('fails a stream that broke before any event with the response first, so clients can read the error', () => {
    const events = createResponsesEncoder(context()).fail({
      status: 502,
      message: 'Google sent a malformed event.',
    });
    expect(events.map((event) => [event.type, event.sequence_number])).toEqual([
      ['response.created', 0],
      ['response.in_progress', 1],
      ['error', 2],
      ['response.failed', 3],
    ]);
    expect(events[2]).toMatchObject({
      code: 'server_error',
      message: 'Google sent a malformed event.',
      param: null,
    });
    expect(events[3]?.response).toMatchObject({
      status: 'failed',
      error: { code: 'server_error', message: 'Google sent a malformed event.' },
    });
  });

  it('fails a stream that broke mid-answer after what was said, leaving the open item as it was', () => {
    const encoder = createResponsesEncoder(context());
    const said = encoder.encode([{ type: 'text', candidate: 0, text: 'Hello' }]);
    const failed = encoder.fail({ status: 429, message: 'Resource exhausted.' });
    expect(failed.map((event) => event.type)).toEqual(['error', 'response.failed']);
    expect(failed[0]).toMatchObject({ code: 'rate_limit_exceeded', sequence_number: said.length });
    expect(failed[1]?.response).toMatchObject({
      output: [{ type: 'message', status: 'in_progress', content: [{ text: 'Hello' }] }],
    });
  });

  it('says one answer: other candidates, empty texts and media that is no image say nothing', () => {
    const encoder = createResponsesEncoder(context());
    encoder.encode([
      { type: 'candidate', candidate: 0 },
      { type: 'text', candidate: 0, text: '', signature: 'c2ln' },
      { type: 'text', candidate: 1, text: 'another candidate' },
      { type: 'file', candidate: 0, mimeType: 'audio/wav', data: 'AAAA' },
      { type: 'code', candidate: 0, language: 'PYTHON', code: 'print(1)' },
      { type: 'code-result', candidate: 0, outcome: 'OUTCOME_OK', output: '1' },
      { type: 'finish', candidate: 0, reason: 'stop', upstreamReason: 'STOP' },
    ]);
    const [completed] = encoder.finish().slice(-1);
    expect(completed?.type).toBe('response.completed');
    expect(encoder.response.output).toEqual([
      {
        type: 'message',
        id: 'msg_id1',
        status: 'completed',
        role: 'assistant',
        content: [
          {
            type: 'output_text',
            text: '\n```python\nprint(1)\n```\n\n```\n1\n```\n',
            annotations: [],
            logprobs: [],
          },
        ],
      },
    ]);
    expect(encoder.response.usage).toEqual({
      input_tokens: 0,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 0,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 0,
    });
  });
});
