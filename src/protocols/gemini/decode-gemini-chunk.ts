import { maxJsonDepth } from '../exceeds-json-depth.js';
import type {
  DecodedChunk,
  FinishReason,
  GenerationEvent,
  GenerationSource,
  GenerationUsage,
} from '../generation-event.js';

// Gemini's answers → protocol-neutral events (generation-event.ts). One JSON.parse and one walk of
// the fields the events need, checking their shapes on the way: this runs on every streamed event
// of every request. A chunk nobody can read (not JSON, `candidates: null`, a part whose text is a
// number) is one `error` event, never an exception: a relay at BASE_URL, or a hostile upstream,
// may send anything.

export interface GeminiChunkDecoder {
  /**
   * Decodes one SSE event's data, or (`whole`) a whole generateContent body. Stateful across a
   * stream: a candidate's `candidate` event comes once for the decoder's life. Never throws.
   */
  decode(data: string, whole?: boolean): DecodedChunk;
}

/** A whole generateContent body, decoded; or, when it is malformed, what it is instead. */
export type DecodedAnswer =
  | { readonly ok: true; readonly chunk: DecodedChunk }
  | {
      readonly ok: false;
      /**
       * What the body is instead, completing "Google answered 200 with …" (`a body that is not
       * JSON`, `neither candidates nor promptFeedback`): `malformedAnswerFailure`'s `problem`.
       */
      readonly problem: string;
    };

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

// Problems, phrased to complete "Google answered 200 with …" / "Google sent a stream event with …".
const notJson = 'a body that is not JSON';
const notObject = 'JSON that is not an object';
const emptyBody = 'an empty body';

const contentFilterReasons = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
]);

/** Gemini's finishReason in the terms of every client protocol (PROTOCOLS.md §4). */
export function decodeFinishReason(reason: string): FinishReason {
  if (reason === 'STOP') return 'stop';
  if (reason === 'MAX_TOKENS') return 'length';
  return contentFilterReasons.has(reason) ? 'content-filter' : 'other';
}

/** The message of the error event for a chunk that cannot be read. */
function malformedMessage(problem: string, whole: boolean): string {
  if (whole) return `Google answered 200 with ${problem}.`;
  if (problem === notJson)
    return 'Google sent a malformed stream event (not JSON); the answer is incomplete.';
  if (problem === notObject)
    return 'Google sent a stream event that is not a JSON object; the answer is incomplete.';
  return `Google sent a stream event with ${problem}; the answer is incomplete.`;
}

const count = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** A non-empty string field, or undefined. */
const stringField = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** Whether a value nests objects and arrays deeper than `limit` (bounded recursion: ≤ limit). */
function nestsDeeper(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (nestsDeeper(item, limit - 1)) return true;
    return false;
  }
  for (const key in value) if (nestsDeeper((value as JsonObject)[key], limit - 1)) return true;
  return false;
}

/**
 * One part → at most one event (a Part is one of text, inlineData, functionCall, executableCode,
 * codeExecutionResult; `thought` and `thoughtSignature` qualify it). Every field present is checked,
 * whichever one the event is made of. Returns the problem, if any.
 */
function decodePart(part: unknown, candidate: number, events: GenerationEvent[]): string | undefined {
  if (!isObject(part)) return 'a candidate whose parts are not an array of objects';
  const { text, inlineData, functionCall, executableCode, codeExecutionResult } = part;
  if (text !== undefined && typeof text !== 'string') return 'a part whose text is not a string';
  if (
    inlineData !== undefined &&
    !(isObject(inlineData) && typeof inlineData.mimeType === 'string' && typeof inlineData.data === 'string')
  )
    return 'a part with malformed inlineData';
  let args: JsonObject | undefined;
  if (functionCall !== undefined) {
    if (!isObject(functionCall) || typeof functionCall.name !== 'string')
      return 'a part with a malformed functionCall';
    const given = functionCall.args;
    if (given === undefined || given === null) args = {};
    // Encoders stringify the arguments: nesting deep enough to overflow the stack is refused here.
    else if (isObject(given) && !nestsDeeper(given, maxJsonDepth)) args = given;
    else return 'a part with a malformed functionCall';
  }
  if (executableCode !== undefined && !isObject(executableCode))
    return 'a part whose executableCode is not an object';
  if (codeExecutionResult !== undefined && !isObject(codeExecutionResult))
    return 'a part whose codeExecutionResult is not an object';

  const signature = stringField(part.thoughtSignature);
  if (args !== undefined) {
    const { name, id } = functionCall as JsonObject;
    const event: {
      type: 'tool-call';
      candidate: number;
      name: string;
      args: JsonObject;
      id?: string;
      signature?: string;
    } = { type: 'tool-call', candidate, name: name as string, args };
    if (typeof id === 'string' && id !== '') event.id = id;
    if (signature !== undefined) event.signature = signature;
    events.push(event);
  } else if (typeof text === 'string') {
    // An empty text says nothing, unless it carries a signature (Gemini 3 ends turns so).
    if (text === '' && signature === undefined) return undefined;
    const type = part.thought ? 'reasoning' : 'text';
    events.push(signature === undefined ? { type, candidate, text } : { type, candidate, text, signature });
  } else if (inlineData !== undefined) {
    const { mimeType, data } = inlineData as { mimeType: string; data: string };
    events.push({ type: 'file', candidate, mimeType, data });
  } else if (executableCode !== undefined) {
    const { language, code } = executableCode as JsonObject;
    events.push({
      type: 'code',
      candidate,
      language: typeof language === 'string' ? language : '',
      code: typeof code === 'string' ? code : '',
    });
  } else if (codeExecutionResult !== undefined) {
    const { outcome, output } = codeExecutionResult as JsonObject;
    events.push({
      type: 'code-result',
      candidate,
      outcome: typeof outcome === 'string' ? outcome : '',
      output: typeof output === 'string' ? output : '',
    });
  }
  return undefined;
}

/** One candidate's events after its `candidate` event: parts, sources, finish. */
function decodeCandidate(
  candidate: JsonObject,
  index: number,
  events: GenerationEvent[],
): string | undefined {
  const content = candidate.content;
  if (content !== undefined) {
    if (!isObject(content)) return 'a candidate whose content is not an object';
    const parts = content.parts;
    if (parts !== undefined) {
      if (!Array.isArray(parts)) return 'a candidate whose parts are not an array of objects';
      for (const part of parts) {
        const problem = decodePart(part, index, events);
        if (problem) return problem;
      }
    }
  }
  const grounding = candidate.groundingMetadata;
  if (grounding !== undefined) {
    if (!isObject(grounding)) return 'malformed groundingMetadata';
    const chunks = grounding.groundingChunks;
    if (chunks !== undefined) {
      if (!Array.isArray(chunks)) return 'malformed groundingChunks';
      const sources: GenerationSource[] = [];
      for (const chunk of chunks) {
        if (!isObject(chunk)) return 'malformed groundingChunks';
        const web = chunk.web;
        if (!isObject(web)) continue;
        const uri = stringField(web.uri);
        if (uri === undefined) continue;
        sources.push(typeof web.title === 'string' ? { uri, title: web.title } : { uri });
      }
      if (sources.length > 0) events.push({ type: 'sources', candidate: index, sources });
    }
  }
  const finishReason = candidate.finishReason;
  if (finishReason !== undefined && finishReason !== null) {
    if (typeof finishReason !== 'string') return 'a candidate whose finishReason is not a string';
    if (finishReason !== '')
      events.push({
        type: 'finish',
        candidate: index,
        reason: decodeFinishReason(finishReason),
        upstreamReason: finishReason,
      });
  }
  return undefined;
}

/** Gemini's usageMetadata as GenerationUsage: missing counts are 0, the total Google's or the sum. */
export function decodeUsage(usage: JsonObject): GenerationUsage {
  const input = count(usage.promptTokenCount);
  const output = count(usage.candidatesTokenCount);
  const reasoning = count(usage.thoughtsTokenCount);
  const total = usage.totalTokenCount;
  return {
    input,
    output,
    reasoning,
    cachedInput: count(usage.cachedContentTokenCount),
    total: typeof total === 'number' ? total : input + output + reasoning,
  };
}

/** Google's own error (`{error:{code,message}}`), inside a stream or a 200 body. */
function upstreamError(error: unknown): GenerationEvent {
  const { code, message } = (isObject(error) ? error : {}) as { code?: unknown; message?: unknown };
  return {
    type: 'error',
    status: typeof code === 'number' && code >= 400 && code <= 599 ? code : 500,
    message: typeof message === 'string' ? message : 'Upstream error',
    malformed: false,
  };
}

/**
 * A parsed chunk's events, appended to `events`; `seen` holds the candidates already announced.
 * Returns the problem when the chunk is malformed (its events are then to be dropped).
 */
function decodeValue(
  data: string,
  whole: boolean,
  seen: Set<number>,
  events: GenerationEvent[],
): string | undefined {
  if (whole && data === '') return emptyBody;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    // Deep nesting may throw RangeError here: caught alike.
    return notJson;
  }
  if (!isObject(value)) return notObject;
  if (value.error !== undefined) {
    events.push(upstreamError(value.error));
    return undefined;
  }
  const candidates = value.candidates;
  const feedback = value.promptFeedback;
  if (feedback !== undefined && !isObject(feedback)) return 'promptFeedback that is not an object';
  if (candidates === undefined) {
    // A whole answer has candidates or, for a blocked prompt, promptFeedback; a stream chunk may
    // carry only usage.
    if (whole && feedback === undefined) return 'neither candidates nor promptFeedback';
  } else {
    if (!Array.isArray(candidates)) return 'candidates that are not an array of objects';
    for (let position = 0; position < candidates.length; position++) {
      const candidate: unknown = candidates[position];
      if (!isObject(candidate)) return 'candidates that are not an array of objects';
      const given = candidate.index;
      let index = position;
      if (given !== undefined && given !== null) {
        if (!Number.isSafeInteger(given) || (given as number) < 0)
          return 'a candidate whose index is not a whole number';
        index = given as number;
      }
      if (!seen.has(index)) {
        seen.add(index);
        events.push({ type: 'candidate', candidate: index });
      }
      const problem = decodeCandidate(candidate, index, events);
      if (problem) return problem;
    }
  }
  const blockReason = feedback?.blockReason;
  if (
    typeof blockReason === 'string' &&
    blockReason !== '' &&
    !(Array.isArray(candidates) && candidates.length)
  )
    events.push({ type: 'blocked', reason: blockReason });
  const usage = value.usageMetadata;
  if (usage !== undefined) {
    if (!isObject(usage)) return 'usageMetadata that is not an object';
    events.push({ type: 'usage', usage: decodeUsage(usage) });
  }
  return undefined;
}

/**
 * A decoder for one answer (a stream, or one whole body). Events of a readable chunk, in order: per
 * candidate (index = `candidate.index` ?? its position) its `candidate` event the first time, then
 * one event per part in order (`reasoning`, `text`, `tool-call`, `file`, `code`, `code-result`;
 * an empty text without a signature makes none), `sources` when it names web sources, `finish`
 * when it has a finishReason; then `blocked` (a refused prompt, no candidates), then `usage`.
 * A Google error is one `error` event (status 400–599, else 500; malformed false); a chunk that
 * cannot be read is one `error` event with status 502 and malformed true, and no other event.
 * With `whole`, the messages read "Google answered 200 with …" and a body with neither candidates
 * nor promptFeedback is malformed.
 */
export function createGeminiChunkDecoder(): GeminiChunkDecoder {
  const seen = new Set<number>();
  return {
    decode(data, whole = false) {
      const events: GenerationEvent[] = [];
      const problem = decodeValue(data, whole, seen, events);
      if (problem === undefined) return { events, data };
      // The chunk is dropped whole: the candidates it announced were not announced.
      for (const event of events) if (event.type === 'candidate') seen.delete(event.candidate);
      return {
        events: [{ type: 'error', status: 502, message: malformedMessage(problem, whole), malformed: true }],
        data,
      };
    },
  };
}

/**
 * A whole generateContent body (a 200's), decoded by a fresh decoder; or the bare problem when it
 * is malformed, for `malformedAnswerFailure` to word and log. Google's own error in the body is
 * decoded, not a problem: the chunk's one `error` event, malformed false.
 */
export function decodeGeminiAnswer(data: string): DecodedAnswer {
  const events: GenerationEvent[] = [];
  const problem = decodeValue(data, true, new Set(), events);
  return problem === undefined ? { ok: true, chunk: { events, data } } : { ok: false, problem };
}
