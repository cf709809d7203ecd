// Error bodies as Google's Gemini API sends them (PROTOCOLS.md §2), so the gateway's parsing and
// classification are exercised against the real shapes.

export interface FakeError {
  readonly status: number;
  readonly body: unknown;
}

const errorInfo = (reason: string, metadata: Record<string, string>) => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason,
  domain: 'googleapis.com',
  metadata: { service: 'generativelanguage.googleapis.com', ...metadata },
});

const localized = (message: string) => ({
  '@type': 'type.googleapis.com/google.rpc.LocalizedMessage',
  locale: 'en-US',
  message,
});

const error = (code: number, status: string, message: string, details?: unknown[]): FakeError => ({
  status: code,
  body: { error: details ? { code, message, status, details } : { code, message, status } },
});

export function invalidKeyError(): FakeError {
  const message = 'API key not valid. Please pass a valid API key.';
  return error(400, 'INVALID_ARGUMENT', message, [errorInfo('API_KEY_INVALID', {}), localized(message)]);
}

/** The real message quotes the caller's key: the gateway must never pass it on unredacted. */
export function suspendedError(key: string): FakeError {
  const message = `Permission denied: Consumer 'api_key:${key}' has been suspended.`;
  return error(403, 'PERMISSION_DENIED', message, [
    errorInfo('CONSUMER_SUSPENDED', { consumer: 'projects/578829824020', containerInfo: '578829824020' }),
    localized(message),
  ]);
}

export function unregisteredCallerError(): FakeError {
  return error(
    403,
    'PERMISSION_DENIED',
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
  );
}

export function locationNotSupportedError(): FakeError {
  return error(400, 'FAILED_PRECONDITION', 'User location is not supported for the API use.');
}

const quotaHelp = {
  '@type': 'type.googleapis.com/google.rpc.Help',
  links: [
    {
      description: 'Learn more about Gemini API quotas',
      url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
    },
  ],
};

function quotaMessage(metric: string, limit: number, retrySeconds?: number): string {
  return (
    'You exceeded your current quota, please check your plan and billing details. For more information on this error, ' +
    'head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: ' +
    `https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for metric: ${metric}, limit: ${limit}` +
    (retrySeconds === undefined ? '' : `\nPlease retry in ${retrySeconds}s.`)
  );
}

export function perMinuteQuotaError(model: string, retryDelaySeconds: number): FakeError {
  const metric = 'generativelanguage.googleapis.com/generate_content_free_tier_requests';
  return error(429, 'RESOURCE_EXHAUSTED', quotaMessage(metric, 10, retryDelaySeconds), [
    {
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [
        {
          quotaMetric: metric,
          quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
          quotaDimensions: { location: 'global', model },
          quotaValue: '10',
        },
      ],
    },
    quotaHelp,
    { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryDelaySeconds}s` },
  ]);
}

/** The per-minute input-token quota: one request larger than it is refused by every key of a tier. */
export function inputTokenQuotaError(model: string, limit: number, retryDelaySeconds: number): FakeError {
  const metric = 'generativelanguage.googleapis.com/generate_content_free_tier_input_token_count';
  return error(429, 'RESOURCE_EXHAUSTED', quotaMessage(metric, limit, retryDelaySeconds), [
    {
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [
        {
          quotaMetric: metric,
          quotaId: 'GenerateContentInputTokensPerModelPerMinute-FreeTier',
          quotaDimensions: { location: 'global', model },
          quotaValue: String(limit),
        },
      ],
    },
    quotaHelp,
    { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryDelaySeconds}s` },
  ]);
}

/** Daily-quota 429s often carry no RetryInfo at all. */
export function perDayQuotaError(model: string): FakeError {
  const metric = 'generativelanguage.googleapis.com/generate_content_free_tier_requests';
  return error(429, 'RESOURCE_EXHAUSTED', quotaMessage(metric, 250), [
    {
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [
        {
          quotaMetric: metric,
          quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
          quotaDimensions: { location: 'global', model },
          quotaValue: '250',
        },
      ],
    },
    quotaHelp,
  ]);
}

export function unknownQuotaError(): FakeError {
  return error(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).');
}

export function internalError(): FakeError {
  return error(
    500,
    'INTERNAL',
    'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  );
}

export function overloadedError(): FakeError {
  return error(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.');
}

export function deadlineError(): FakeError {
  return error(504, 'DEADLINE_EXCEEDED', 'Deadline expired before operation could complete.');
}

export function modelNotFoundError(model: string, version: string, method: string): FakeError {
  return error(
    404,
    'NOT_FOUND',
    `models/${model} is not found for API version ${version}, or is not supported for ${method}. ` +
      'Call ListModels to see the list of available models and their supported methods.',
  );
}

export function unknownModelError(model: string, version: string): FakeError {
  return error(404, 'NOT_FOUND', `Model is not found: models/${model} for api version ${version}`);
}

export function invalidJsonError(): FakeError {
  return error(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unexpected token.');
}

export function unknownFieldError(field: string): FakeError {
  const message = `Invalid JSON payload received. Unknown name "${field}": Cannot find field.`;
  return error(400, 'INVALID_ARGUMENT', message, [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ description: message }] },
  ]);
}

export function invalidArgumentError(message: string): FakeError {
  return error(400, 'INVALID_ARGUMENT', message);
}

/** Google's answer to a value its JSON parser cannot read into the field's type, such as an unknown enum name. */
export function invalidValueError(field: string, type: string, value: unknown, version: string): FakeError {
  const message = `Invalid value at '${field}' (type.googleapis.com/google.ai.generativelanguage.${version}.${type}), ${JSON.stringify(value)}`;
  return error(400, 'INVALID_ARGUMENT', message, [
    {
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: [{ field, description: message }],
    },
  ]);
}

/** Gemini 3 refuses a function-calling turn whose model step lost its thought signature. */
export function missingThoughtSignatureError(functionName: string, position: number): FakeError {
  return error(
    400,
    'INVALID_ARGUMENT',
    'Function call is missing a thought_signature in functionCall parts. This is required for tools to work ' +
      'correctly, and missing thought_signature may lead to degraded model performance. Additional data, ' +
      `function call \`default_api:${functionName}\` , position ${position}. Please refer to ` +
      'https://ai.google.dev/gemini-api/docs/thought-signatures for more details.',
  );
}

export function unsupportedModalitiesError(modalities: readonly string[], model: string): FakeError {
  return error(
    400,
    'INVALID_ARGUMENT',
    `The requested combination of response modalities (${modalities.join(', ')}) is not supported by the model models/${model}.`,
  );
}

export function unsupportedVoiceError(voice: string, allowed: readonly string[]): FakeError {
  const names = allowed.map((name) => name.toLowerCase()).sort();
  return error(
    400,
    'INVALID_ARGUMENT',
    `Voice name ${voice} is not supported. Allowed voice names are: ${names.join(', ')}.`,
  );
}
