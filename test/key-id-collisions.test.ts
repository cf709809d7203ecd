import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSettings } from '../src/config/load-settings.js';
import { parseBaseUrl } from '../src/config/parse-base-url.js';
import { systemClock } from '../src/core/clock.js';
import { createKeyIdentity, maskKey } from '../src/core/key-identity.js';
import { adminKeyRoutes } from '../src/http/admin-key-routes.js';
import { KeyIdCollisionError } from '../src/keypool/find-key-id-collisions.js';
import { createKeyPool, type KeyPool } from '../src/keypool/key-pool.js';
import type { KeyStore } from '../src/keypool/key-store.js';
import { createKeyProber } from '../src/relay/create-key-prober.js';
import { createVerificationJobs } from '../src/relay/create-verification-jobs.js';
import { type Gateway, startGateway } from '../src/start-gateway.js';
import { createDatabase } from '../src/storage/create-database.js';
import { createKeyMetaRepository } from '../src/storage/key-meta-repository.js';
import { createKeyRepository } from '../src/storage/key-repository.js';
import { migrateToLatest } from '../src/storage/migrate-to-latest.js';
import { createGeminiClient } from '../src/upstream/gemini-client.js';

// 64-bit ids do not collide in a test's lifetime, so the gateway is given ids that do: every key
// starting with `clash-` gets the same one. What is under test is what the gateway does then.
const clashId = 'c1a5c1a5c1a5c1a5';
const identifyKey = (secret: string) => ({
  id: secret.startsWith('clash-') ? clashId : createKeyIdentity(secret).id,
  masked: maskKey(secret),
});
const firstClash = 'clash-first-key-0001';
const secondClash = 'clash-second-key-0002';
const plainKey = 'ok-plain-key-for-collisions';
const adminToken = 'admin-token-for-collision-tests';
const secrets = [firstClash, secondClash, plainKey, 'ok-another-plain-key-0003'];

let directory: string;
let logs: string[];
const open: Gateway[] = [];

function start(apiKeys: string): Promise<Gateway> {
  const settings = parseSettings({
    API_KEYS: apiKeys,
    AUTH_TOKEN: adminToken,
    SQLITE_DATABASE: join(directory, 'gemgate.db'),
    PORT: '0',
    HOST: '127.0.0.1',
    CHECK_INTERVAL_HOURS: '0',
  });
  const logDestination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  return startGateway(settings, { logDestination, identifyKey }).then((gateway) => {
    open.push(gateway);
    return gateway;
  });
}

async function addKeys(gateway: Gateway, keys: string[]) {
  const response = await fetch(`${gateway.url}/api/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ keys }),
  });
  return { status: response.status, text: await response.text() };
}

async function storedKeys(): Promise<string[]> {
  const database = createDatabase({ ...parseSettings({}), SQLITE_DATABASE: join(directory, 'gemgate.db') });
  try {
    return await createKeyRepository(database.db, database.dialect).loadRuntimeKeys();
  } finally {
    await database.db.destroy();
  }
}

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'gemgate-collision-'));
  logs = [];
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((gateway) => gateway.close()));
  rmSync(directory, { recursive: true, force: true });
  for (const secret of secrets) expect(logs.join('')).not.toContain(secret);
});

describe('two keys with one id', () => {
  it('stop the start when both are in API_KEYS, named by place and id, never by key', async () => {
    const refused = start(`${plainKey},${firstClash},ok-another-plain-key-0003,${secondClash}`);
    await expect(refused).rejects.toThrow(
      `API_KEYS entry 2 and API_KEYS entry 4 are different keys with the same id ${clashId}`,
    );
    const message = await refused.catch((error: Error) => error.message);
    for (const secret of secrets) expect(message).not.toContain(secret);
  });

  it('are refused by POST /api/keys with 409 naming the id and the place; nothing is added or stored', async () => {
    const gateway = await start(plainKey);
    const within = await addKeys(gateway, ['', firstClash, secondClash]);
    expect(within.status).toBe(409);
    expect(JSON.parse(within.text)).toEqual({
      error: {
        code: 409,
        message: `keys[1] and keys[2] are different keys with the same id ${clashId}; none was added.`,
      },
    });
    expect(gateway.pool.size).toBe(1);
    expect(await storedKeys()).toEqual([]);

    expect((await addKeys(gateway, [firstClash])).status).toBe(201);
    const clash = await addKeys(gateway, ['ok-another-plain-key-0003', secondClash]);
    expect(clash.status).toBe(409);
    expect(JSON.parse(clash.text).error.message).toBe(
      `keys[1] is a different key with the id ${clashId} of a key already in the pool; none was added.`,
    );
    for (const text of [within.text, clash.text]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    expect(gateway.pool.find(clashId)?.secret).toBe(firstClash);
    expect(gateway.pool.size).toBe(2);
    expect(await storedKeys()).toEqual([firstClash]);
    // The same key again is no collision.
    expect((await addKeys(gateway, [firstClash])).status).toBe(200);
  });

  it('stop the start when a stored runtime key has the id of a different key in API_KEYS', async () => {
    const first = await start(plainKey);
    expect((await addKeys(first, [firstClash])).status).toBe(201);
    await first.close();
    open.length = 0;
    await expect(start(`${plainKey},${secondClash}`)).rejects.toThrow(
      `stored key 1 (added through the operator API) is a different key with the id ${clashId} of a key already in the pool`,
    );
  });

  it('are never stored under one id: the store refuses a different key under a stored id', async () => {
    const database = createDatabase({ ...parseSettings({}), SQLITE_DATABASE: join(directory, 'store.db') });
    try {
      await migrateToLatest(database);
      const store = createKeyRepository(database.db, database.dialect);
      await store.addRuntimeKeys([{ id: clashId, secret: firstClash }], 1);
      await expect(store.addRuntimeKeys([{ id: clashId, secret: secondClash }], 2)).rejects.toBeInstanceOf(
        KeyIdCollisionError,
      );
      await store.addRuntimeKeys([{ id: clashId, secret: firstClash }], 3);
      expect(await store.loadRuntimeKeys()).toEqual([firstClash]);
    } finally {
      await database.db.destroy();
    }
  });
});

describe('a key with the same id arriving while POST /api/keys stores its keys', () => {
  /**
   * The operator API over a real pool and store, with something happening between the request's
   * check and its write: `meanwhile` runs as the store is asked to add the keys.
   */
  async function raced(meanwhile: (pool: KeyPool, store: KeyStore) => Promise<void>, keys: string[]) {
    const database = createDatabase({ ...parseSettings({}), SQLITE_DATABASE: join(directory, 'race.db') });
    await migrateToLatest(database);
    const pool = createKeyPool([plainKey], {
      clock: systemClock,
      softFailureLimit: 3,
      identify: identifyKey,
    });
    const repository = createKeyRepository(database.db, database.dialect);
    const store: KeyStore = {
      ...repository,
      async addRuntimeKeys(added, nowMs) {
        await meanwhile(pool, repository);
        return repository.addRuntimeKeys(added, nowMs);
      },
    };
    const client = createGeminiClient({
      base: parseBaseUrl('http://127.0.0.1:9'),
      timeouts: { connectMs: 1_000, firstByteMs: 1_000, streamIdleMs: 1_000, totalMs: 1_000 },
    });
    const prober = createKeyProber({ pool, client, clock: systemClock, testModel: 'm', intervalMs: 0 });
    const app = Fastify();
    // Raw bodies, as createApp gives every route.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    const jobs = createVerificationJobs({ prober, clock: systemClock });
    await app.register(adminKeyRoutes, {
      pool,
      store,
      metaStore: createKeyMetaRepository(database.db),
      meta: new Map(),
      jobs,
      clock: systemClock,
    });
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/api/keys',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ keys }),
      });
      return {
        status: response.statusCode,
        text: response.body,
        pooled: pool.find(clashId)?.secret,
        stored: await repository.loadRuntimeKeys(),
      };
    } finally {
      await app.close();
      await jobs.close();
      prober.close();
      await client.close();
      await database.db.destroy();
    }
  }

  it('is refused by the store when another request stored a different key under the id first', async () => {
    const result = await raced(
      (_pool, store) => store.addRuntimeKeys([{ id: clashId, secret: secondClash }], 1),
      ['ok-another-plain-key-0003', firstClash],
    );
    expect(result.status).toBe(409);
    expect(JSON.parse(result.text).error.message).toBe(
      `keys[1] is a different key with the id ${clashId} of a key already in the pool; none was added.`,
    );
    expect(result.pooled).toBeUndefined();
    expect(result.stored).toEqual([secondClash]);
  });

  it('is refused, and the rows just stored forgotten, when API_KEYS brought a key with the id meanwhile', async () => {
    const result = await raced(
      async (pool) => {
        pool.add([secondClash], 'settings');
      },
      ['ok-another-plain-key-0003', firstClash],
    );
    expect(result.status).toBe(409);
    expect(JSON.parse(result.text).error.message).toBe(
      `keys[1] is a different key with the id ${clashId} of a key already in the pool; none was added.`,
    );
    expect(result.pooled).toBe(secondClash);
    expect(result.stored).toEqual([]);
  });
});
