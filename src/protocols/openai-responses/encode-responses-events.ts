import type {
  FinishReason,
  GenerationEvent,
  GenerationSource,
  GenerationUsage,
} from '../generation-event.js';
import type { StreamError } from '../generation-surface.js';
import { codeText } from '../openai/convert-candidate.js';
import { createOpenAIErrorBody } from '../openai/openai-error.js';
import { createToolCallId } from '../openai/tool-call-id.js';
import { namespacedFunctions } from './namespace-tools.js';
import type { ResponseContext } from './response-context.js';
import type {
  ItemStatus,
  ResponsesFunctionCallOutput,
  ResponsesImageOutput,
  ResponsesMessageOutput,
  ResponsesOutputItem,
  ResponsesReasoningOutput,
  ResponsesResponse,
  ResponsesStreamEvent,
  ResponsesUsage,
} from './responses-types.js';

export interface ResponsesEncoder {
  /** The stream events of one upstream chunk's events (`error` events are the caller's). */
  encode(events: readonly GenerationEvent[]): ResponsesStreamEvent[];
  /** Once the upstream ended: the open item closed, then `response.completed` (or `.incomplete`). */
  finish(): ResponsesStreamEvent[];
  /** A stream that ends early: the `error` event, then `response.failed`. */
  fail(error: StreamError): ResponsesStreamEvent[];
  /** The response as the events so far tell it; whole once `finish` was called. */
  readonly response: ResponsesResponse;
}

/** The usage in OpenAI's terms: output tokens count the reasoning too; none known is zeros. */
function responsesUsage(usage: GenerationUsage | undefined): ResponsesUsage {
  const reasoning = usage?.reasoning ?? 0;
  return {
    input_tokens: usage?.input ?? 0,
    input_tokens_details: { cached_tokens: usage?.cachedInput ?? 0 },
    output_tokens: (usage?.output ?? 0) + reasoning,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: usage?.total ?? 0,
  };
}

/** Why a response stopped short, if it did. */
function incompleteReason(
  blocked: boolean,
  finish: FinishReason | undefined,
): ResponsesResponse['incomplete_details'] {
  if (blocked || finish === 'content-filter') return { reason: 'content_filter' };
  if (finish === 'length') return { reason: 'max_output_tokens' };
  return null;
}

type OpenItem =
  | { readonly kind: 'message'; readonly item: ResponsesMessageOutput; readonly index: number }
  | { readonly kind: 'reasoning'; readonly item: ResponsesReasoningOutput; readonly index: number };

/**
 * Events → the Responses API's stream (PROTOCOLS.md §6), keeping the response they tell: the
 * non-stream answer is that response once every event of the answer went through (fold-response.ts),
 * so the two cannot disagree. The first candidate is the answer (the API has no `n`). Thoughts
 * become a reasoning item with one summary part, text a message with one output_text part (code and
 * its results in Markdown, as chat says them), each function call a function_call item sent whole,
 * each image an image_generation_call; grounding sources are url_citation annotations of the message.
 *
 * Gemini 3's thought signature rides in the call_id of the function call it came with (the `_ts_`
 * form chat's tool call ids use): the call_id is the one field every client must send back as it
 * was, to pair the call with its function_call_output, whether or not it sends the reasoning items.
 *
 * Stateful but pure: ids come from the context. Every event gets the next sequence_number.
 */
export function createResponsesEncoder(context: ResponseContext): ResponsesEncoder {
  // A call to a function of a namespace tool goes back split into its name and namespace.
  const namespaced = namespacedFunctions(context.echo.tools);
  const response: ResponsesResponse = {
    id: context.id,
    object: 'response',
    created_at: context.createdAt,
    status: 'in_progress',
    model: context.model,
    output: [],
    error: null,
    incomplete_details: null,
    previous_response_id: null,
    store: false,
    truncation: 'disabled',
    usage: null,
    ...context.echo,
  };
  let sequence = 0;
  let started = false;
  let open: OpenItem | undefined;
  let usage: GenerationUsage | undefined;
  let finish: FinishReason | undefined;
  let blocked = false;
  let sources: readonly GenerationSource[] = [];

  const emit = (out: ResponsesStreamEvent[], type: string, fields: Record<string, unknown>) => {
    out.push({ type, ...fields, sequence_number: sequence++ });
  };
  /** The response so far, as a value of its own: later events change the live one. */
  const snapshot = (): ResponsesResponse => ({ ...response, output: [...response.output] });

  function start(out: ResponsesStreamEvent[]): void {
    if (started) return;
    started = true;
    emit(out, 'response.created', { response: snapshot() });
    emit(out, 'response.in_progress', { response: snapshot() });
  }

  function addItem(
    out: ResponsesStreamEvent[],
    item: ResponsesOutputItem,
    added: ResponsesOutputItem,
  ): number {
    const index = response.output.length;
    response.output.push(item);
    emit(out, 'response.output_item.added', { output_index: index, item: added });
    return index;
  }

  function close(out: ResponsesStreamEvent[], status: ItemStatus): void {
    if (!open) return;
    const { index } = open;
    if (open.kind === 'message') {
      const { item } = open;
      const [part] = item.content;
      if (part) {
        const where = { item_id: item.id, output_index: index, content_index: 0 };
        part.annotations = sources.map((source) => ({
          type: 'url_citation' as const,
          url: source.uri,
          title: source.title ?? source.uri,
          // Google tells which source backs which part of the text; the sources event does not.
          start_index: 0,
          end_index: part.text.length,
        }));
        part.annotations.forEach((annotation, annotationIndex) => {
          emit(out, 'response.output_text.annotation.added', {
            ...where,
            annotation_index: annotationIndex,
            annotation,
          });
        });
        emit(out, 'response.output_text.done', { ...where, text: part.text, logprobs: [] });
        emit(out, 'response.content_part.done', { ...where, part });
      }
      item.status = status;
    } else {
      const { item } = open;
      const [part] = item.summary;
      if (part) {
        const where = { item_id: item.id, output_index: index, summary_index: 0 };
        emit(out, 'response.reasoning_summary_text.done', { ...where, text: part.text });
        emit(out, 'response.reasoning_summary_part.done', { ...where, part });
      }
    }
    emit(out, 'response.output_item.done', { output_index: index, item: open.item });
    open = undefined;
  }

  function addText(out: ResponsesStreamEvent[], text: string): void {
    if (open?.kind !== 'message') {
      close(out, 'completed');
      const item: ResponsesMessageOutput = {
        type: 'message',
        id: `msg_${context.newId()}`,
        status: 'in_progress',
        role: 'assistant',
        content: [{ type: 'output_text', text: '', annotations: [], logprobs: [] }],
      };
      const index = addItem(out, item, { ...item, content: [] });
      emit(out, 'response.content_part.added', {
        item_id: item.id,
        output_index: index,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
      });
      open = { kind: 'message', item, index };
    }
    const part = open.item.content[0] as ResponsesMessageOutput['content'][number];
    part.text += text;
    emit(out, 'response.output_text.delta', {
      item_id: open.item.id,
      output_index: open.index,
      content_index: 0,
      delta: text,
      logprobs: [],
    });
  }

  function addReasoning(out: ResponsesStreamEvent[], text: string): void {
    if (open?.kind !== 'reasoning') {
      close(out, 'completed');
      const item: ResponsesReasoningOutput = {
        type: 'reasoning',
        id: `rs_${context.newId()}`,
        summary: [{ type: 'summary_text', text: '' }],
      };
      const index = addItem(out, item, { ...item, summary: [] });
      emit(out, 'response.reasoning_summary_part.added', {
        item_id: item.id,
        output_index: index,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      });
      open = { kind: 'reasoning', item, index };
    }
    const part = open.item.summary[0] as ResponsesReasoningOutput['summary'][number];
    part.text += text;
    emit(out, 'response.reasoning_summary_text.delta', {
      item_id: open.item.id,
      output_index: open.index,
      summary_index: 0,
      delta: text,
    });
  }

  function addCall(
    out: ResponsesStreamEvent[],
    event: Extract<GenerationEvent, { type: 'tool-call' }>,
  ): void {
    close(out, 'completed');
    const split = namespaced.get(event.name);
    const item: ResponsesFunctionCallOutput = {
      type: 'function_call',
      id: `fc_${context.newId()}`,
      call_id: createToolCallId(context.newId(), event.signature),
      name: split?.name ?? event.name,
      ...(split ? { namespace: split.namespace } : {}),
      arguments: JSON.stringify(event.args),
      status: 'completed',
    };
    const index = addItem(out, item, { ...item, arguments: '', status: 'in_progress' });
    const where = { item_id: item.id, output_index: index };
    emit(out, 'response.function_call_arguments.delta', { ...where, delta: item.arguments });
    emit(out, 'response.function_call_arguments.done', {
      ...where,
      name: item.name,
      arguments: item.arguments,
    });
    emit(out, 'response.output_item.done', { output_index: index, item });
  }

  function addImage(out: ResponsesStreamEvent[], data: string): void {
    close(out, 'completed');
    const item: ResponsesImageOutput = {
      type: 'image_generation_call',
      id: `ig_${context.newId()}`,
      status: 'completed',
      result: data,
    };
    const index = addItem(out, item, { ...item, status: 'in_progress', result: null });
    emit(out, 'response.output_item.done', { output_index: index, item });
  }

  function add(out: ResponsesStreamEvent[], event: GenerationEvent): void {
    switch (event.type) {
      case 'usage':
        usage = event.usage;
        return;
      case 'blocked':
        blocked = true;
        return;
      case 'error':
      case 'candidate':
        return;
    }
    if (event.candidate !== 0) return;
    switch (event.type) {
      case 'text':
        // An empty text says nothing (Gemini 3 ends turns with one that carries a signature).
        if (event.text !== '') addText(out, event.text);
        return;
      case 'reasoning':
        if (event.text !== '') addReasoning(out, event.text);
        return;
      case 'code':
      case 'code-result':
        addText(out, codeText(event));
        return;
      case 'tool-call':
        addCall(out, event);
        return;
      case 'file':
        // Audio and other media have no output item of the Responses API.
        if (event.mimeType.startsWith('image/')) addImage(out, event.data);
        return;
      case 'sources':
        // Said when the message closes; Google sends them with the last chunk, after the text.
        sources = event.sources;
        return;
      case 'finish':
        finish = event.reason;
        return;
    }
  }

  return {
    response,
    encode(events) {
      const out: ResponsesStreamEvent[] = [];
      start(out);
      for (const event of events) add(out, event);
      return out;
    },
    finish() {
      const out: ResponsesStreamEvent[] = [];
      start(out);
      const incomplete = incompleteReason(blocked, finish);
      close(out, incomplete ? 'incomplete' : 'completed');
      response.status = incomplete ? 'incomplete' : 'completed';
      response.incomplete_details = incomplete;
      response.usage = responsesUsage(usage);
      emit(out, incomplete ? 'response.incomplete' : 'response.completed', { response });
      return out;
    },
    fail(error) {
      const out: ResponsesStreamEvent[] = [];
      // The client's stream helper builds its response from `response.created`: it comes first.
      start(out);
      const { error: body } = createOpenAIErrorBody(error.status, error.message);
      const code = body.code ?? body.type;
      emit(out, 'error', { code, message: error.message, param: null });
      response.status = 'failed';
      response.error = { code, message: error.message };
      response.usage = responsesUsage(usage);
      emit(out, 'response.failed', { response: snapshot() });
      return out;
    },
  };
}
