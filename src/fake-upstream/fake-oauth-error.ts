import type { FakeError } from './fake-errors.js';

/**
 * Google's answer to a call carrying `?access_token=` (or its alias `oauth_token`): the token is
 * read as the caller's OAuth credential, ahead of the API key, so every key gets this 401. The
 * gateway must never forward the parameter; the fake answers it as Google does so tests can tell.
 */
export function oauthTokenError(): FakeError {
  return {
    status: 401,
    body: {
      error: {
        code: 401,
        message:
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
        status: 'UNAUTHENTICATED',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'ACCESS_TOKEN_TYPE_UNSUPPORTED',
            domain: 'googleapis.com',
            metadata: { service: 'generativelanguage.googleapis.com' },
          },
        ],
      },
    },
  };
}

/** Whether Google would read the query as carrying an OAuth token. */
export function carriesOauthToken(query: URLSearchParams): boolean {
  return query.has('access_token') || query.has('oauth_token');
}
