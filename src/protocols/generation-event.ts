// What an answer says, in no client's protocol: the upstream's bytes are decoded into these events
// (protocols/gemini/decode-gemini-chunk.ts), and each client surface encodes them, as a stream or
// folded into one answer. A chunk that cannot be read is an `error` event, never an exception.

/** Why a candidate stopped, in the terms every client protocol has a word for. */
export type FinishReason = 'stop' | 'length' | 'content-filter' | 'other';

/** Token counts of an answer. `output` excludes `reasoning`; `total` is Google's, or their sum. */
export interface GenerationUsage {
  readonly input: number;
  readonly output: number;
  readonly reasoning: number;
  readonly cachedInput: number;
  readonly total: number;
}

/** A web source an answer was grounded on. */
export interface GenerationSource {
  readonly uri: string;
  readonly title?: string;
}

export type GenerationEvent =
  /** The first sight of a candidate (an OpenAI choice): sent once, before anything else of it. */
  | { readonly type: 'candidate'; readonly candidate: number }
  | { readonly type: 'text'; readonly candidate: number; readonly text: string; readonly signature?: string }
  | {
      readonly type: 'reasoning';
      readonly candidate: number;
      readonly text: string;
      readonly signature?: string;
    }
  | {
      readonly type: 'tool-call';
      readonly candidate: number;
      readonly name: string;
      readonly args: Record<string, unknown>;
      /** Google's call id, when it sent one. */
      readonly id?: string;
      /** Gemini 3's thought signature, which must come back with the call in the next turn. */
      readonly signature?: string;
    }
  /** Inline media the model produced (an image, audio), base64. */
  | {
      readonly type: 'file';
      readonly candidate: number;
      readonly mimeType: string;
      readonly data: string;
      /** Where the gateway published it, for a surface that links to it rather than inlining it. */
      readonly url?: string;
    }
  | { readonly type: 'code'; readonly candidate: number; readonly language: string; readonly code: string }
  | {
      readonly type: 'code-result';
      readonly candidate: number;
      readonly outcome: string;
      readonly output: string;
    }
  /** The sources of a grounded answer so far (the latest list replaces earlier ones). */
  | { readonly type: 'sources'; readonly candidate: number; readonly sources: readonly GenerationSource[] }
  | {
      readonly type: 'finish';
      readonly candidate: number;
      readonly reason: FinishReason;
      /** The upstream's own word for it (`MAX_TOKENS`, `SAFETY`), for logs. */
      readonly upstreamReason: string;
    }
  /** The prompt was refused before any candidate (Gemini's promptFeedback.blockReason). */
  | { readonly type: 'blocked'; readonly reason: string }
  /** The usage so far (the latest replaces earlier ones). */
  | { readonly type: 'usage'; readonly usage: GenerationUsage }
  | {
      readonly type: 'error';
      readonly status: number;
      readonly message: string;
      /** The chunk could not be read at all: neither an answer nor the upstream's error, no key's fault. */
      readonly malformed: boolean;
    };

/** One upstream chunk, decoded: its events, and its text as sent (for a surface that passes it on). */
export interface DecodedChunk {
  readonly events: readonly GenerationEvent[];
  /** The chunk's JSON text as the upstream sent it. */
  readonly data: string;
  /** True for a piece of a framing the gateway passes on unread (Google's JSON-array stream). */
  readonly unread?: boolean;
}
