import OpenAI from 'openai';
import type { ResponseInputItem, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeAnswerText } from '../src/fake-upstream/fake-answers.js';
import { fakePng } from '../src/fake-upstream/fake-media.js';
import { fakeFunctionArgs, fakeThoughtSignature } from '../src/fake-upstream/fake-tools.js';
import { clientToken, type Stack, startStack } from './helpers/start-stack.js';

// The official `openai` client's Responses API (responses.create, responses.stream, responses.parse),
// pointed at the gateway's /v1, against the fake Gemini upstream.

const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
  required: ['city', 'unit'],
  additionalProperties: false,
};
const tools: OpenAI.Responses.Tool[] = [
  {
    type: 'function',
    name: 'get_weather',
    description: 'Current weather',
    parameters: weatherSchema,
    strict: true,
  },
  { type: 'function', name: 'get_time', parameters: { type: 'object', properties: {} }, strict: false },
];

/** A response's output without the ids each answer draws afresh, nor what the stream helper adds. */
const withoutIds = (output: readonly unknown[]) =>
  JSON.parse(
    JSON.stringify(output, (key, value) => (['id', 'call_id', 'parsed'].includes(key) ? undefined : value)),
  );

describe('the Responses API through the openai client', () => {
  let stack: Stack;
  let openai: OpenAI;

  beforeAll(async () => {
    stack = await startStack({ API_KEYS: 'ok-responses-alpha-key,ok-responses-bravo-key' });
    openai = new OpenAI({ apiKey: clientToken, baseURL: `${stack.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.fake.reset());
  const geminiReceived = () => JSON.parse(stack.fake.lastRequest()?.body ?? '{}');

  it('answers text, with instructions and developer messages as the system instruction', async () => {
    const response = await openai.responses.create({
      model: 'gemini-2.5-flash',
      instructions: 'Be brief.',
      input: [
        { role: 'developer', content: 'Answer in English.' },
        { role: 'user', content: 'Why is the sky blue?' },
      ],
    });
    expect(response).toMatchObject({ object: 'response', status: 'completed', model: 'gemini-2.5-flash' });
    expect(response.id).toMatch(/^resp_/);
    expect(response.output_text).toBe(fakeAnswerText('Why is the sky blue?'));
    expect(response.output.at(-1)).toMatchObject({
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', annotations: [] }],
    });
    expect(response.usage?.input_tokens).toBeGreaterThan(0);
    expect(response.usage?.total_tokens).toBe(
      (response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0),
    );
    expect(stack.fake.lastRequest()?.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    const sent = geminiReceived();
    expect(sent.systemInstruction).toEqual({
      parts: [{ text: 'Be brief.' }, { text: 'Answer in English.' }],
    });
    expect(sent.contents).toEqual([{ role: 'user', parts: [{ text: 'Why is the sky blue?' }] }]);
    expect(sent.generationConfig?.temperature).toBeUndefined();
  });

  it('reads an image given as a data URL', async () => {
    const png = fakePng().toString('base64');
    const response = await openai.responses.create({
      model: 'gemini-2.5-flash',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is in the picture?' },
            { type: 'input_image', image_url: `data:image/png;base64,${png}`, detail: 'auto' },
          ],
        },
      ],
    });
    expect(response.output_text).toBe(fakeAnswerText('What is in the picture?'));
    expect(geminiReceived().contents[0].parts).toEqual([
      { text: 'What is in the picture?' },
      { inlineData: { mimeType: 'image/png', data: png } },
    ]);
  });

  it('streams text deltas, and the final response is the non-stream answer', async () => {
    const stream = openai.responses.stream({ model: 'gemini-2.5-flash', input: 'Stream it' });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const final = await stream.finalResponse();
    expect(stack.fake.lastRequest()?.url).toBe(
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
    const deltas = events.flatMap((event) =>
      event.type === 'response.output_text.delta' ? [event.delta] : [],
    );
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(fakeAnswerText('Stream it'));
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events[0]?.type).toBe('response.created');
    expect(events.at(-1)?.type).toBe('response.completed');
    expect(final.output_text).toBe(fakeAnswerText('Stream it'));
    expect(final.usage?.output_tokens).toBeGreaterThan(0);

    const whole = await openai.responses.create({ model: 'gemini-2.5-flash', input: 'Stream it' });
    expect(withoutIds(final.output)).toEqual(withoutIds(whole.output));
    expect(final.usage).toEqual(whole.usage);
  });

  it('round-trips a function call, keeping Gemini 3’s thought signature in the call_id', async () => {
    const first = await openai.responses.create({
      model: 'gemini-3-pro-preview',
      input: 'Please call get_weather',
      tools,
    });
    const call = first.output.find((item) => item.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('expected a function call');
    expect([call.name, JSON.parse(call.arguments)]).toEqual(['get_weather', fakeFunctionArgs(weatherSchema)]);
    expect(geminiReceived().tools).toEqual([
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Current weather', parametersJsonSchema: weatherSchema },
          { name: 'get_time', parametersJsonSchema: { type: 'object', properties: {} } },
        ],
      },
    ]);

    // As Codex sends it back: the call rebuilt from its call_id, name and arguments, no reasoning item.
    const rebuilt: ResponseInputItem = {
      type: 'function_call',
      call_id: call.call_id,
      name: call.name,
      arguments: call.arguments,
    };
    const second = await openai.responses.create({
      model: 'gemini-3-pro-preview',
      tools,
      input: [
        { role: 'user', content: 'Please call get_weather' },
        rebuilt,
        { type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}' },
      ],
    });
    expect(second.output_text).toBe('Tool results: get_weather={"temp":21}');
    expect(geminiReceived().contents.slice(1)).toEqual([
      {
        role: 'model',
        parts: [
          {
            functionCall: { name: 'get_weather', args: fakeFunctionArgs(weatherSchema) },
            thoughtSignature: fakeThoughtSignature('get_weather'),
          },
        ],
      },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 21 } } }] },
    ]);
  });

  it('serves functions grouped in a namespace tool, as Codex declares its sub-agent tools', async () => {
    const agentSchema = { type: 'object', properties: { target: { type: 'string' } }, required: ['target'] };
    const namespaced: OpenAI.Responses.Tool[] = [
      tools[1] as OpenAI.Responses.Tool,
      {
        type: 'namespace',
        name: 'agents',
        description: 'Sub-agents',
        tools: [
          { type: 'function', name: 'close_agent', description: 'Close one', parameters: agentSchema },
          { type: 'function', name: 'get_time' },
        ],
      },
    ];
    const stream = openai.responses.stream({
      model: 'gemini-3-pro-preview',
      input: 'Please call agents.close_agent',
      tools: namespaced,
    });
    const added: unknown[] = [];
    stream.on('response.output_item.added', (event) => added.push(event.item));
    const first = await stream.finalResponse();
    // Gemini has no namespaces: each function is declared under its namespace's name, joined.
    expect(geminiReceived().tools).toEqual([
      {
        functionDeclarations: [
          { name: 'get_time', parametersJsonSchema: { type: 'object', properties: {} } },
          { name: 'agents.close_agent', description: 'Close one', parametersJsonSchema: agentSchema },
          { name: 'agents.get_time' },
        ],
      },
    ]);
    const call = first.output.find((item) => item.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('expected a function call');
    expect(call).toMatchObject({ name: 'close_agent', namespace: 'agents' });
    expect(added).toContainEqual(expect.objectContaining({ name: 'close_agent', namespace: 'agents' }));

    // Codex sends the call back with its namespace; a plain function of the same name stays plain.
    const second = await openai.responses.create({
      model: 'gemini-3-pro-preview',
      tools: namespaced,
      input: [
        { role: 'user', content: 'Please call agents.close_agent' },
        {
          type: 'function_call',
          call_id: call.call_id,
          name: 'close_agent',
          namespace: 'agents',
          arguments: call.arguments,
        },
        { type: 'function_call_output', call_id: call.call_id, output: 'closed' },
      ],
    });
    expect(second.output_text).toBe('Tool results: agents.close_agent={"result":"closed"}');
    expect(geminiReceived().contents[1].parts[0]).toEqual({
      functionCall: { name: 'agents.close_agent', args: fakeFunctionArgs(agentSchema) },
      thoughtSignature: fakeThoughtSignature('agents.close_agent'),
    });
    const plain = await openai.responses.create({
      model: 'gemini-2.5-flash',
      input: 'Please call get_time',
      tools: namespaced,
    });
    expect(plain.output.find((item) => item.type === 'function_call')).toMatchObject({ name: 'get_time' });
    expect(plain.output.find((item) => item.type === 'function_call')).not.toHaveProperty('namespace');

    const custom = await openai.responses
      .create({
        model: 'gemini-2.5-flash',
        input: 'hi',
        tools: [
          {
            type: 'namespace',
            name: 'edit',
            description: '',
            tools: [{ type: 'custom', name: 'apply_patch' }],
          },
        ],
      })
      .catch((error: unknown) => error);
    expect(custom).toBeInstanceOf(OpenAI.BadRequestError);
    expect(custom).toMatchObject({ status: 400, param: 'tools[0].tools[0].type' });
  });

  it('streams parallel function calls and takes the whole output back as input', async () => {
    const input: ResponseInputItem[] = [
      { role: 'user', content: 'Please call get_weather and call get_time' },
    ];
    const stream = openai.responses.stream({ model: 'gemini-3-pro-preview', input, tools });
    const argumentDeltas: string[] = [];
    stream.on('response.function_call_arguments.delta', (event) => argumentDeltas.push(event.delta));
    const first = await stream.finalResponse();
    const calls = first.output.filter((item) => item.type === 'function_call');
    expect(calls.map((item) => item.type === 'function_call' && item.name)).toEqual([
      'get_weather',
      'get_time',
    ]);
    expect(argumentDeltas).toEqual(
      calls.map((item) => (item.type === 'function_call' ? item.arguments : '')),
    );

    // As the Agents SDK sends it back: every output item as it came, then the outputs.
    const history: ResponseInputItem[] = [
      ...input,
      ...(first.output as ResponseInputItem[]),
      ...calls.map((item, index) => ({
        type: 'function_call_output' as const,
        call_id: item.type === 'function_call' ? item.call_id : '',
        output: index === 0 ? 'sunny' : [{ type: 'input_text' as const, text: '10:00' }],
      })),
    ];
    const second = await openai.responses
      .stream({ model: 'gemini-3-pro-preview', input: history, tools })
      .finalResponse();
    expect(second.output_text).toBe(
      'Tool results: get_weather={"result":"sunny"}; get_time={"result":"10:00"}',
    );
    const [, model, outputs] = geminiReceived().contents;
    expect(model.parts.map((part: { thoughtSignature?: string }) => part.thoughtSignature)).toEqual([
      fakeThoughtSignature('get_weather'),
      // Gemini 3 signs the first call of a step only; an unsigned call goes back with the value
      // Google documents for a call without one.
      'skip_thought_signature_validator',
    ]);
    expect(
      outputs.parts.map((part: { functionResponse: { name: string } }) => part.functionResponse.name),
    ).toEqual(['get_weather', 'get_time']);
  });

  it('answers json_schema with JSON of the schema, which responses.parse reads', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, population: { type: 'integer' }, capital: { type: 'boolean' } },
      required: ['city', 'population', 'capital'],
      additionalProperties: false,
    };
    const response = await openai.responses.parse({
      model: 'gemini-2.5-flash',
      input: 'Describe Paris',
      text: { format: { type: 'json_schema', name: 'city', schema, strict: true } },
    });
    expect(response.output_parsed).toEqual({ city: 'value-city', population: 42, capital: true });
    expect(geminiReceived().generationConfig).toMatchObject({
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
  });

  it('maps reasoning effort to a thinking budget (a level on Gemini 3) and returns the thoughts as a summary', async () => {
    const response = await openai.responses.create({
      model: 'gemini-2.5-flash',
      input: 'think first',
      reasoning: { effort: 'high', summary: 'auto' },
    });
    expect(geminiReceived().generationConfig.thinkingConfig).toEqual({
      thinkingBudget: 24576,
      includeThoughts: true,
    });
    const [reasoning, message] = response.output;
    expect(reasoning).toMatchObject({
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: expect.stringMatching(/\S/) }],
    });
    expect(message?.type).toBe('message');
    expect(response.output_text).toBe(fakeAnswerText('think first'));
    expect(response.usage?.output_tokens_details.reasoning_tokens).toBe(16);

    await openai.responses.create({
      model: 'gemini-3-pro-preview',
      input: 'x',
      reasoning: { effort: 'low' },
    });
    expect(geminiReceived().generationConfig.thinkingConfig).toEqual({
      thinkingLevel: 'low',
      includeThoughts: true,
    });
  });

  it('says a response cut at max_output_tokens is incomplete', async () => {
    const response = await openai.responses.create({
      model: 'gemini-2.5-flash',
      input: 'long',
      max_output_tokens: 4,
    });
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(response.output_text).toBe(fakeAnswerText('long').slice(0, 16));
    expect(geminiReceived().generationConfig.maxOutputTokens).toBe(4);
  });

  it('answers web_search with Google Search and its sources as url_citation annotations', async () => {
    const response = await openai.responses.create({
      model: 'gemini-2.5-flash',
      input: 'news today',
      tools: [{ type: 'web_search' }],
    });
    expect(geminiReceived().tools).toEqual([{ googleSearch: {} }]);
    const message = response.output.find((item) => item.type === 'message');
    const part = message?.type === 'message' ? message.content[0] : undefined;
    expect(part?.type === 'output_text' && part.annotations.map((annotation) => annotation.type)).toEqual([
      'url_citation',
      'url_citation',
    ]);
  });

  it('refuses what needs a stored response, saying that none is kept', async () => {
    for (const extra of [{ previous_response_id: 'resp_earlier' }, { store: true }]) {
      const param = Object.keys(extra)[0];
      await expect(
        openai.responses.create({ model: 'gemini-2.5-flash', input: 'x', ...extra }),
      ).rejects.toMatchObject({ status: 400, param, message: expect.stringContaining('keeps no responses') });
    }
    await expect(openai.responses.retrieve('resp_earlier')).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('keeps no responses'),
    });
    await expect(openai.responses.inputItems.list('resp_earlier')).rejects.toMatchObject({ status: 404 });
    await expect(openai.responses.cancel('resp_earlier')).rejects.toMatchObject({ status: 404 });
    await expect(openai.responses.delete('resp_earlier')).rejects.toMatchObject({ status: 404 });
    // A reference to an item of ours that is no reasoning cannot be looked up either.
    await expect(
      openai.responses.create({
        model: 'gemini-2.5-flash',
        input: [
          { role: 'user', content: 'x' },
          { type: 'item_reference', id: 'msg_earlier' },
        ],
      }),
    ).rejects.toMatchObject({ status: 400, param: 'input[1].id' });
    // store: false, as Codex sends it, is served; so is a reference to a reasoning item.
    const served = await openai.responses.create({
      model: 'gemini-2.5-flash',
      store: false,
      input: [
        { type: 'item_reference', id: 'rs_earlier' },
        { role: 'user', content: 'x' },
      ],
    });
    expect((served as unknown as { store: boolean }).store).toBe(false);
    expect(
      stack.fake.callsFor('ok-responses-alpha-key') + stack.fake.callsFor('ok-responses-bravo-key'),
    ).toBe(1);
  });

  it('answers errors in OpenAI’s shape with the status kept', async () => {
    const stranger = new OpenAI({ apiKey: 'wrong', baseURL: `${stack.url}/v1`, maxRetries: 0 });
    await expect(stranger.responses.create({ model: 'gemini-2.5-flash', input: 'x' })).rejects.toMatchObject({
      status: 401,
      code: 'invalid_api_key',
    });
    await expect(openai.responses.create({ model: 'no-such-model', input: 'x' })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
    await expect(
      openai.responses.create({
        model: 'gemini-2.5-flash',
        input: 'x',
        tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }],
      }),
    ).rejects.toMatchObject({ status: 400, param: 'tools[0].type' });
    // A URL on a private address is not fetched.
    await expect(
      openai.responses.create({
        model: 'gemini-2.5-flash',
        input: [
          {
            role: 'user',
            content: [{ type: 'input_image', image_url: 'http://127.0.0.1:9/cat.png', detail: 'auto' }],
          },
        ],
      }),
    ).rejects.toMatchObject({ status: 400, param: 'input', message: expect.stringMatching(/not public/) });
  });
});
