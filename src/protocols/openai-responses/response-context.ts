import type { ResponsesEcho, ResponsesRequest } from './responses-types.js';

/** What a response says beside the answer: its ids, its time, the request's settings. */
export interface ResponseContext {
  /** `resp_…`. */
  readonly id: string;
  /** Seconds since the epoch. */
  readonly createdAt: number;
  /** The model name the client asked for. */
  readonly model: string;
  /** A short random string for item and call ids (injected so tests are deterministic). */
  readonly newId: () => string;
  readonly echo: ResponsesEcho;
}

/**
 * The request's settings as a response repeats them. What the client left out is said as OpenAI
 * says it, except sampling: Gemini's own defaults apply, which the gateway does not know (null).
 */
export function responseEchoOf(request: ResponsesRequest): ResponsesEcho {
  return {
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    metadata: request.metadata ?? {},
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    temperature: request.temperature ?? null,
    text: { format: request.text?.format ?? { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: request.tools ?? [],
    top_p: request.top_p ?? null,
    ...(request.user === undefined ? {} : { user: request.user }),
  };
}
