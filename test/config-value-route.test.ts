import { describe, expect, it } from 'vitest';
import { clientToken, type Stack, useStacks } from './helpers/start-stack.js';

// GET /api/config/{NAME}/value: the console's Reveal button. One setting unmasked, never cached;
// an unknown name is not repeated (it may be a secret sent to the wrong place).

const start = useStacks();

async function value(stack: Stack, name: string, base = stack.url) {
  const response = await fetch(`${base}/api/config/${encodeURIComponent(name)}/value`, {
    headers: { authorization: `Bearer ${stack.adminToken}` },
  });
  return {
    status: response.status,
    cache: response.headers.get('cache-control'),
    text: await response.text(),
  };
}

describe('GET /api/config/{NAME}/value', () => {
  it('shows a secret unmasked, uncached, that GET /api/config masks', async () => {
    const stack = await start({ ALLOWED_TOKENS: `${clientToken},sk-second-client-token-abcdef` });
    const listed = await fetch(`${stack.url}/api/config`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    const { settings } = (await listed.json()) as { settings: { name: string; value: unknown }[] };
    const masked = settings.find((setting) => setting.name === 'ALLOWED_TOKENS');
    expect(JSON.stringify(masked)).not.toContain('sk-second-client-token-abcdef');

    const shown = await value(stack, 'ALLOWED_TOKENS');
    expect(shown.status).toBe(200);
    expect(shown.cache).toBe('no-store');
    expect(JSON.parse(shown.text)).toEqual({
      name: 'ALLOWED_TOKENS',
      value: [clientToken, 'sk-second-client-token-abcdef'],
    });

    // The key pool: asked of the gateway itself, outside the recorded answers the secret scan reads.
    const keys = await value(stack, 'API_KEYS', stack.directUrl);
    expect(keys.status).toBe(200);
    expect(JSON.parse(keys.text).value).toEqual([
      'ok-alpha-default-key',
      'ok-bravo-default-key',
      'ok-charlie-default-key',
    ]);
  });

  it('shows a setting that is not secret as PUT accepts it back, and follows a saved value', async () => {
    const stack = await start({ MAX_RETRIES: '4' });
    expect(JSON.parse((await value(stack, 'MAX_RETRIES')).text)).toEqual({ name: 'MAX_RETRIES', value: 4 });
    expect(JSON.parse((await value(stack, 'BASE_URL')).text).value).toBe(stack.fake.url);
    const saved = await fetch(`${stack.url}/api/config`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ values: { MAX_RETRIES: 7 } }),
    });
    expect(saved.status).toBe(200);
    expect(JSON.parse((await value(stack, 'MAX_RETRIES')).text).value).toBe(7);
  });

  it('answers 404 for an unknown name without repeating it, and never shows the admin token', async () => {
    const stack = await start();
    const unknown = await value(stack, 'sk-pasted-in-the-wrong-place-123456');
    expect(unknown.status).toBe(404);
    expect(unknown.text).not.toContain('sk-pasted');
    expect(JSON.parse(unknown.text)).toMatchObject({ error: { code: 404 } });

    // Hostile names: each refused in the operator API's shape, none repeated.
    for (const name of ['../AUTH_TOKEN', 'MAX_RETRIES/../AUTH_TOKEN', '"><script>', 'ＡＰＩ_KEYS']) {
      const refused = await value(stack, name);
      expect(refused.status, name).toBe(404);
      expect(JSON.parse(refused.text)).toMatchObject({ error: { code: 404 } });
      expect(refused.text).not.toContain(name);
    }
    // A name longer than any route parameter reaches no route: the operator API's unknown-path 404.
    const overlong = await value(stack, 'x'.repeat(5_000));
    expect(overlong.status).toBe(404);
    expect(JSON.parse(overlong.text)).toMatchObject({ error: { code: 404 } });
    const badEncoding = await fetch(`${stack.url}/api/config/%E0%A4%A/value`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    expect(badEncoding.status).toBe(400);
    expect(await badEncoding.json()).toMatchObject({ error: { code: 400 } });

    const token = await value(stack, 'AUTH_TOKEN');
    expect(token.status).toBe(403);
    expect(token.text).not.toContain(stack.adminToken);
  });
});
