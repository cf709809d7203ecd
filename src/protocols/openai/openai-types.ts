// The OpenAI wire format as the `openai` client sends and expects it (PROTOCOLS.md §3). Requests
// arrive as parsed JSON, so every field is optional and checked where it is read.

export type OpenAIContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  | { type: 'input_audio'; input_audio: { data: string; format: string } }
  | { type: 'file'; file: { file_data?: string; file_id?: string; filename?: string } };

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
  /** Where Google's own compatibility layer carries Gemini 3's thought signature. */
  extra_content?: { google?: { thought_signature?: string } };
}

export interface OpenAIChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';
  content?: string | OpenAIContentPart[] | null;
  name?: string;
  tool_calls?: OpenAIToolCall[];
  tool_call_id?: string;
  reasoning_content?: string;
}

export interface OpenAITool {
  type: 'function';
  function: { name: string; description?: string; parameters?: unknown; strict?: boolean };
}

export type OpenAIToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { type: 'function'; function: { name: string } };

export interface GoogleExtras {
  thinking_config?: { thinking_budget?: number; include_thoughts?: boolean; thinking_level?: 'low' | 'high' };
  safety_settings?: { category: string; threshold: string }[];
}

export interface OpenAIChatRequest {
  model: string;
  messages: OpenAIChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: OpenAITool[];
  tool_choice?: OpenAIToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: {
    type: 'text' | 'json_object' | 'json_schema';
    json_schema?: { name?: string; schema?: unknown };
  };
  reasoning_effort?: 'none' | 'minimal' | 'low' | 'medium' | 'high';
  /** Anthropic-style thinking some clients send through OpenAI-compatible APIs. */
  thinking?: { type?: 'enabled' | 'disabled'; budget_tokens?: number };
  /** Google's compatibility layer reads Gemini options from here (`extra_body.google`). */
  extra_body?: { google?: GoogleExtras };
  google?: GoogleExtras;
  n?: number;
  stop?: string | string[];
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  logprobs?: boolean;
  top_logprobs?: number;
  user?: string;
}

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: {
      role: 'assistant';
      content: string | null;
      reasoning_content?: string;
      tool_calls?: OpenAIToolCall[];
    };
    finish_reason: OpenAIFinishReason;
    logprobs: null;
  }[];
  usage?: OpenAIUsage;
}

export interface OpenAIToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments: string };
  extra_content?: { google?: { thought_signature?: string } };
}

export interface OpenAIChunkDelta {
  role?: 'assistant';
  content?: string;
  reasoning_content?: string;
  tool_calls?: OpenAIToolCallDelta[];
}

export interface OpenAIChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: {
    index: number;
    delta: OpenAIChunkDelta;
    finish_reason: OpenAIFinishReason | null;
    logprobs: null;
  }[];
  usage?: OpenAIUsage | null;
}
