import { describe, expect, it } from 'vitest';
import { parseSettings } from './load-settings.js';
import { openSettingsStore, type SavedSettingValues, type SettingsSnapshot } from './settings-store.js';

/** Saved values in memory: the store's contract with its storage, without a database. */
function memorySaved(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  let failing = false;
  const saved: SavedSettingValues = {
    load: async () => Object.fromEntries(values),
    save: async (texts) => {
      if (failing) throw new Error('database away');
      for (const [name, text] of Object.entries(texts)) values.set(name, text);
    },
    forget: async (name) => {
      values.delete(name);
    },
  };
  return { saved, values, fail: () => (failing = true) };
}

const environment = parseSettings({ MAX_RETRIES: '5', API_KEYS: 'ok-one-key-123456' });

async function open(saved: SavedSettingValues) {
  const ignored: string[] = [];
  const store = await openSettingsStore({
    environment,
    saved,
    onIgnored: (problem) => ignored.push(problem.name),
    onListenerError: (error) => {
      throw error;
    },
  });
  return { store, ignored };
}

describe('openSettingsStore', () => {
  it('layers defaults, the environment and saved values, and says where each came from', async () => {
    const { store } = await open(memorySaved({ FILTERED_MODELS: '["x"]' }).saved);
    const { settings, sources, version } = store.current();
    expect(version).toBe(1);
    expect([settings.TEST_MODEL, sources.TEST_MODEL]).toEqual(['gemini-2.5-flash-lite', 'default']);
    expect([settings.MAX_RETRIES, sources.MAX_RETRIES]).toEqual([5, 'env']);
    expect([settings.FILTERED_MODELS, sources.FILTERED_MODELS]).toEqual([['x'], 'saved']);
    expect(Object.isFrozen(settings.FILTERED_MODELS)).toBe(true);
  });

  it('saves all values or none, and swaps in a new snapshot after the store took them', async () => {
    const memory = memorySaved();
    const { store } = await open(memory.saved);
    const seen: [number, number][] = [];
    store.subscribe((next, previous) => seen.push([previous.version, next.version]));

    const refused = await store.save({ MAX_RETRIES: '2', POOL_WAIT_SECONDS: '-1' });
    expect(refused).toEqual({
      ok: false,
      problems: [{ name: 'POOL_WAIT_SECONDS', message: expect.any(String) }],
    });
    expect(memory.values.size).toBe(0);
    expect(store.current().settings.MAX_RETRIES).toBe(5);

    const held = store.current();
    const saved = await store.save({ MAX_RETRIES: '2', POOL_WAIT_SECONDS: '1.5' });
    expect(saved.ok).toBe(true);
    expect(held.settings.MAX_RETRIES).toBe(5);
    expect(store.current().settings).toMatchObject({ MAX_RETRIES: 2, POOL_WAIT_SECONDS: 1.5 });
    expect(store.current().saved).toEqual({ MAX_RETRIES: '2', POOL_WAIT_SECONDS: '1.5' });
    expect(seen).toEqual([[1, 2]]);
  });

  it('checks the settings a save would make current together: UPLOAD_PROVIDER s3 needs its bucket', async () => {
    const memory = memorySaved();
    const { store } = await open(memory.saved);
    const refused = await store.save({
      UPLOAD_PROVIDER: 's3',
      S3_SECRET_ACCESS_KEY: 'test-s3-secret-not-real',
    });
    expect(refused).toEqual({
      ok: false,
      problems: [
        { name: 'S3_ENDPOINT', message: 'required when UPLOAD_PROVIDER is s3' },
        { name: 'S3_BUCKET', message: 'required when UPLOAD_PROVIDER is s3' },
        { name: 'S3_ACCESS_KEY_ID', message: 'required when UPLOAD_PROVIDER is s3' },
      ],
    });
    expect(JSON.stringify(refused)).not.toContain('not-real');
    expect(memory.values.size).toBe(0);
    // The bucket's settings saved first, then the provider: each save complete with what is in force.
    const bucket = { S3_ENDPOINT: 'http://s3.test', S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'id' };
    expect(await store.save({ ...bucket, S3_SECRET_ACCESS_KEY: 'test-s3-secret-not-real' })).toMatchObject({
      ok: true,
    });
    expect(await store.save({ UPLOAD_PROVIDER: 's3' })).toMatchObject({ ok: true });
    expect(store.current().settings.UPLOAD_PROVIDER).toBe('s3');
  });

  it('changes nothing when the store fails', async () => {
    const memory = memorySaved();
    const { store } = await open(memory.saved);
    memory.fail();
    await expect(store.save({ MAX_RETRIES: '2' })).rejects.toThrow('database away');
    expect(store.current().version).toBe(1);
    // The queue of changes is not stuck behind the failure.
    await expect(store.save({ MAX_RETRIES: '3' })).rejects.toThrow('database away');
  });

  it('forgets a saved value: the environment’s applies again', async () => {
    const memory = memorySaved({ MAX_RETRIES: '9' });
    const { store } = await open(memory.saved);
    expect(store.current().settings.MAX_RETRIES).toBe(9);
    const forgotten = await store.forget('MAX_RETRIES');
    if (!forgotten.ok) throw new Error('expected the value forgotten');
    const after = forgotten.snapshot;
    expect([after.settings.MAX_RETRIES, after.sources.MAX_RETRIES]).toEqual([5, 'env']);
    expect(memory.values.has('MAX_RETRIES')).toBe(false);
  });

  it('keeps saved values for the next start, and ignores one that no longer parses', async () => {
    const memory = memorySaved();
    const first = await open(memory.saved);
    await first.store.save({ SEARCH_MODELS: '[]', TEST_MODEL: 'gemini-x' });
    memory.values.set('MAX_RETRIES', 'many');
    memory.values.set('PORT', '1234');
    const second = await open(memory.saved);
    expect(second.store.current().settings).toMatchObject({
      SEARCH_MODELS: [],
      TEST_MODEL: 'gemini-x',
      MAX_RETRIES: 5,
      PORT: 8000,
    });
    expect(second.ignored).toEqual(['MAX_RETRIES', 'PORT']);
  });

  it('applies changes in the order they were asked for', async () => {
    const { store } = await open(memorySaved().saved);
    const versions: SettingsSnapshot[] = [];
    store.subscribe((next) => versions.push(next));
    await Promise.all([store.save({ MAX_RETRIES: '1' }), store.save({ MAX_RETRIES: '2' })]);
    expect(versions.map((snapshot) => [snapshot.version, snapshot.settings.MAX_RETRIES])).toEqual([
      [2, 1],
      [3, 2],
    ]);
  });
});

describe('sources', () => {
  it('tell a value the environment sets to its default from the default, when the text is known', async () => {
    const store = await openSettingsStore({
      environment: parseSettings({ MAX_RETRIES: '3' }),
      environmentText: { MAX_RETRIES: '3', TEST_MODEL: ' ' },
      saved: memorySaved().saved,
      onIgnored: () => undefined,
      onListenerError: () => undefined,
    });
    expect(store.current().sources).toMatchObject({ MAX_RETRIES: 'env', TEST_MODEL: 'default' });
  });
});
