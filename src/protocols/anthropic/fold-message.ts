import type { GenerationEvent } from '../generation-event.js';
import type { AnthropicContentBlock, AnthropicMessage, AnthropicStreamEvent } from './anthropic-types.js';
import { createMessageEncoder, type MessageContext } from './encode-message-events.js';

/**
 * A message stream's events added up into the message they describe, as Anthropic's clients do
 * (a tool_use's input is the JSON of its input_json_deltas). Undefined without a message_start.
 */
export function accumulateMessage(events: readonly AnthropicStreamEvent[]): AnthropicMessage | undefined {
  let message: AnthropicMessage | undefined;
  const inputs = new Map<number, string>();
  for (const event of events) {
    if (event.type === 'message_start') {
      message = { ...event.message, content: [] };
      continue;
    }
    if (!message) continue;
    switch (event.type) {
      case 'content_block_start':
        message.content[event.index] = { ...event.content_block };
        break;
      case 'content_block_delta': {
        const block = message.content[event.index] as AnthropicContentBlock;
        const { delta } = event;
        if (delta.type === 'text_delta' && block.type === 'text') block.text += delta.text;
        else if (delta.type === 'thinking_delta' && block.type === 'thinking')
          block.thinking += delta.thinking;
        else if (delta.type === 'signature_delta' && block.type === 'thinking')
          block.signature = delta.signature;
        else if (delta.type === 'input_json_delta')
          inputs.set(event.index, (inputs.get(event.index) ?? '') + delta.partial_json);
        break;
      }
      case 'content_block_stop': {
        const block = message.content[event.index];
        const input = inputs.get(event.index);
        if (block?.type === 'tool_use' && input !== undefined) block.input = JSON.parse(input);
        break;
      }
      case 'message_delta':
        message.stop_reason = event.delta.stop_reason;
        message.stop_sequence = event.delta.stop_sequence;
        message.usage = event.usage;
        break;
    }
  }
  return message;
}

/**
 * An answer's events (a whole generateContent body's) as an Anthropic message: the stream the
 * encoder would send for them, added up. The non-stream answer is so the fold of the very events a
 * stream says, and cannot tell a client anything a stream would not. Pure (ids come from the
 * context).
 */
export function foldMessage(events: readonly GenerationEvent[], context: MessageContext): AnthropicMessage {
  const encoder = createMessageEncoder(context);
  return accumulateMessage([...encoder.encode(events), ...encoder.finish()]) as AnthropicMessage;
}
