import type { ReasoningEffort } from '../openai/thinking-config.js';

// OpenAI's Responses API as its clients (the `openai` client, Codex, the AI SDK's `openai()`) send
// and read it (PROTOCOLS.md §6). Requests arrive as parsed JSON: every field is checked
// (check-responses-request.ts) before the translation reads it.

export type ResponsesContentPart =
  | { type: 'input_text'; text: string }
  | { type: 'input_image'; image_url?: string; file_id?: string; detail?: string }
  | { type: 'input_file'; file_data?: string; file_id?: string; file_url?: string; filename?: string }
  /** An assistant message of the history. */
  | { type: 'output_text'; text: string }
  | { type: 'refusal'; refusal: string };

export interface ResponsesMessageItem {
  type?: 'message';
  role: 'user' | 'assistant' | 'system' | 'developer';
  content: string | ResponsesContentPart[];
}

export interface ResponsesFunctionCallItem {
  type: 'function_call';
  call_id: string;
  name: string;
  /** The namespace tool the function belongs to, if any. */
  namespace?: string;
  /** A JSON object, as text. */
  arguments: string;
}

export interface ResponsesFunctionCallOutputItem {
  type: 'function_call_output';
  call_id: string;
  output: string | ResponsesContentPart[];
}

export interface ResponsesReasoningItem {
  type: 'reasoning';
  id?: string;
  summary: { type: 'summary_text'; text: string }[];
  encrypted_content?: string | null;
}

/** An item of an earlier response, by id: a stateless gateway has none to look up. */
export interface ResponsesItemReference {
  type: 'item_reference';
  id: string;
}

export type ResponsesInputItem =
  | ResponsesMessageItem
  | ResponsesFunctionCallItem
  | ResponsesFunctionCallOutputItem
  | ResponsesReasoningItem
  | ResponsesItemReference;

export interface ResponsesFunctionTool {
  type: 'function';
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
}

/** OpenAI's web search, which Gemini answers with Google Search. */
export interface ResponsesWebSearchTool {
  type: 'web_search' | 'web_search_preview' | 'web_search_2025_08_26' | 'web_search_preview_2025_03_11';
}

/** Function tools grouped under a name; its functions are called as `{name, namespace}`. */
export interface ResponsesNamespaceTool {
  type: 'namespace';
  name: string;
  description?: string | null;
  /** Function tools; another type (`custom`) is refused by the translator, naming it. */
  tools: ResponsesFunctionTool[];
}

export type ResponsesTool = ResponsesFunctionTool | ResponsesWebSearchTool | ResponsesNamespaceTool;

export type ResponsesToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { type: 'function'; name: string }
  | { type: 'allowed_tools'; mode: 'auto' | 'required'; tools: { type: string; name?: string }[] };

export type ResponsesTextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict?: boolean | null };

export interface ResponsesRequest {
  model: string;
  input: string | ResponsesInputItem[];
  instructions?: string | null;
  tools?: ResponsesTool[];
  tool_choice?: ResponsesToolChoice;
  text?: { format?: ResponsesTextFormat; verbosity?: string | null };
  reasoning?: { effort?: ReasoningEffort | null; summary?: string | null } | null;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  parallel_tool_calls?: boolean | null;
  stream?: boolean | null;
  store?: boolean | null;
  include?: string[] | null;
  metadata?: Record<string, string> | null;
  user?: string;
}

export interface ResponsesOutputText {
  type: 'output_text';
  text: string;
  annotations: ResponsesAnnotation[];
  logprobs: [];
}

export interface ResponsesAnnotation {
  type: 'url_citation';
  url: string;
  title: string;
  start_index: number;
  end_index: number;
}

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface ResponsesMessageOutput {
  type: 'message';
  id: string;
  status: ItemStatus;
  role: 'assistant';
  content: ResponsesOutputText[];
}

export interface ResponsesFunctionCallOutput {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  namespace?: string;
  arguments: string;
  status: ItemStatus;
}

export interface ResponsesReasoningOutput {
  type: 'reasoning';
  id: string;
  summary: { type: 'summary_text'; text: string }[];
}

/** An image the model made, base64: how the Responses API returns generated images. */
export interface ResponsesImageOutput {
  type: 'image_generation_call';
  id: string;
  status: ItemStatus;
  /** Null until the image is done. */
  result: string | null;
}

export type ResponsesOutputItem =
  | ResponsesMessageOutput
  | ResponsesFunctionCallOutput
  | ResponsesReasoningOutput
  | ResponsesImageOutput;

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  /** Reasoning included, as OpenAI counts it. */
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** The request's settings a response repeats, as OpenAI's does. */
export interface ResponsesEcho {
  instructions: string | null;
  max_output_tokens: number | null;
  metadata: Record<string, string>;
  parallel_tool_calls: boolean;
  reasoning: { effort: string | null; summary: string | null };
  temperature: number | null;
  text: { format: ResponsesTextFormat };
  tool_choice: ResponsesToolChoice;
  tools: ResponsesTool[];
  top_p: number | null;
  user?: string;
}

export interface ResponsesResponse extends ResponsesEcho {
  id: string;
  object: 'response';
  /** Seconds since the epoch. */
  created_at: number;
  status: 'in_progress' | 'completed' | 'incomplete' | 'failed';
  model: string;
  output: ResponsesOutputItem[];
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  previous_response_id: null;
  /** Never true: the gateway keeps no responses. */
  store: false;
  truncation: 'disabled';
  usage: ResponsesUsage | null;
}

/** A stream event before its `sequence_number` is given. */
export type ResponsesStreamEvent = { type: string } & Record<string, unknown>;
