/**
 * gemini-balance's defaults (2.2.8; ../shared/SEED-SETTINGS.md) for the settings gemgate can take
 * from its database, as text gemgate's parsers read. gemini-balance writes every setting into its
 * settings table at each start, chosen or not, so a row holding its default says nothing about
 * what its operator wanted: the import leaves such a row out rather than pin the seed's default
 * over gemgate's own (several differ on purpose: IMAGE_MODELS, SAFETY_SETTINGS, ...).
 */
export const seedSettingDefaults: Readonly<Record<string, string>> = {
  ALLOWED_TOKENS: '[]',
  AUTH_TOKEN: '',
  BASE_URL: 'https://generativelanguage.googleapis.com/v1beta',
  MAX_FAILURES: '3',
  MAX_RETRIES: '3',
  TEST_MODEL: 'gemini-2.5-flash-lite',
  TIME_OUT: '300',
  CHECK_INTERVAL_HOURS: '1',
  CUSTOM_HEADERS: '{}',
  PROXIES: '[]',
  VERTEX_API_KEYS: '[]',
  VERTEX_EXPRESS_BASE_URL: 'https://aiplatform.googleapis.com/v1beta1/publishers/google',
  PROXIES_USE_CONSISTENCY_HASH_BY_API_KEY: 'true',
  SEARCH_MODELS: '["gemini-2.5-flash", "gemini-2.5-pro"]',
  IMAGE_MODELS: '["gemini-2.0-flash-exp", "gemini-2.5-flash-image-preview"]',
  FILTERED_MODELS:
    '["gemini-1.0-pro-vision-latest", "gemini-pro-vision", "chat-bison-001", "text-bison-001", "embedding-gecko-001"]',
  TOOLS_CODE_EXECUTION_ENABLED: 'false',
  URL_CONTEXT_ENABLED: 'false',
  URL_CONTEXT_MODELS:
    '["gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash", "gemini-2.0-flash-live-001"]',
  SHOW_SEARCH_LINK: 'true',
  SHOW_THINKING_PROCESS: 'true',
  THINKING_MODELS: '[]',
  THINKING_BUDGET_MAP: '{}',
  TTS_MODEL: 'gemini-2.5-flash-preview-tts',
  TTS_VOICE_NAME: 'Zephyr',
  TTS_SPEED: 'normal',
  CREATE_IMAGE_MODEL: 'imagen-3.0-generate-002',
  STREAM_OPTIMIZER_ENABLED: 'false',
  STREAM_MIN_DELAY: '0.016',
  STREAM_MAX_DELAY: '0.024',
  STREAM_SHORT_TEXT_THRESHOLD: '10',
  STREAM_LONG_TEXT_THRESHOLD: '50',
  STREAM_CHUNK_SIZE: '5',
  FAKE_STREAM_ENABLED: 'false',
  FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS: '5',
  LOG_LEVEL: 'INFO',
  ERROR_LOG_RECORD_REQUEST_BODY: 'false',
  AUTO_DELETE_ERROR_LOGS_ENABLED: 'true',
  AUTO_DELETE_ERROR_LOGS_DAYS: '7',
  AUTO_DELETE_REQUEST_LOGS_ENABLED: 'false',
  AUTO_DELETE_REQUEST_LOGS_DAYS: '30',
  SAFETY_SETTINGS: JSON.stringify([
    { category: 'HARM_CATEGORY_HARASSMENT', threshold: 'OFF' },
    { category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'OFF' },
    { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', threshold: 'OFF' },
    { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', threshold: 'OFF' },
    { category: 'HARM_CATEGORY_CIVIC_INTEGRITY', threshold: 'BLOCK_NONE' },
  ]),
  ADMIN_SESSION_EXPIRE: '3600',
};
