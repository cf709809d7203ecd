import type { OpenAIImageRequest } from './convert-media-requests.js';
import { OpenAIRequestError } from './openai-error.js';
import type { OpenAIChatRequest } from './openai-types.js';

/**
 * A chat request to the `-chat` image model as the image request it stands for: one image of the
 * last user message's text (its text parts, joined by line breaks). Earlier turns are not drawn.
 */
export function convertChatToImageRequest(body: OpenAIChatRequest): OpenAIImageRequest {
  const last = body.messages.findLast((message) => message.role === 'user');
  const content = last?.content;
  const prompt =
    typeof content === 'string'
      ? content
      : (content ?? []).flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
  if (prompt.trim() === '')
    throw new OpenAIRequestError(
      'messages: the image model draws the last user message, and it has no text',
      'messages',
    );
  return { prompt, n: 1 };
}
