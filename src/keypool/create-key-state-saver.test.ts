import { describe, expect, it } from 'vitest';
import { createKeyStateSaver } from './create-key-state-saver.js';
import { createKeyPool, type KeyStateChange } from './key-pool.js';
import type { KeyStore } from './key-store.js';

/** A store standing in for the database: fails while `down` is set, as a lost connection would. */
function fakeStore() {
  const saved = new Map<string, KeyStateChange | null>();
  const state = { down: false, attempts: 0 };
  const store: KeyStore = {
    loadRuntimeKeys: async () => [],
    addRuntimeKeys: async () => {},
    removeRuntimeKeys: async () => {},
    loadStates: async () => new Map(),
    async saveStates(changes) {
      state.attempts += 1;
      if (state.down) throw new Error('Connection terminated unexpectedly');
      for (const [id, persisted] of changes) saved.set(id, persisted);
    },
  };
  return { saved, state, store };
}

describe('createKeyStateSaver', () => {
  it('keeps changes through an outage, warns once, and reports the recovery once', async () => {
    let nowMs = 1_000;
    const clock = { now: () => nowMs };
    const pool = createKeyPool(['key-one-aaaaaaaaaaaa', 'key-two-bbbbbbbbbbbb'], {
      clock,
      softFailureLimit: 3,
    });
    const [one, two] = pool.list().map((key) => key.id);
    const { saved, state, store } = fakeStore();
    const outages: string[] = [];
    const recoveries: unknown[] = [];
    const saver = createKeyStateSaver(pool, store, {
      clock,
      intervalMs: 60_000,
      onOutage: (error) => outages.push((error as Error).message),
      onRecovery: (report) => recoveries.push(report),
    });

    state.down = true;
    pool.disable([one as string]);
    const sendOne = (id: string | undefined) => {
      const selection = pool.select('flash');
      expect(selection).toMatchObject({ kind: 'key', key: { id } });
      if (selection.kind === 'key') pool.release(selection.key, 'flash');
    };
    sendOne(two);
    await saver.save();
    nowMs += 500;
    pool.disable([two as string]);
    pool.enable([one as string]);
    sendOne(one);
    pool.disable([one as string]);
    await saver.save();
    await saver.save();
    expect(state.attempts).toBe(3);
    expect(saved.size).toBe(0);
    expect(outages).toEqual(['Connection terminated unexpectedly']);

    state.down = false;
    nowMs += 500;
    await saver.save();
    expect([...saved.keys()].sort()).toEqual([one, two].sort());
    expect(saved.get(one as string)?.state.disabled?.reason).toBe('operator');
    // The counts of every change the outage held are saved once, added together.
    expect(saved.get(one as string)?.addedRequests).toBe(1);
    expect(saved.get(two as string)?.addedRequests).toBe(1);
    pool.enable([two as string]);
    sendOne(two);
    await saver.save();
    expect(saved.get(two as string)?.addedRequests).toBe(1);
    expect(recoveries).toEqual([{ downMs: 1000, failedSaves: 3 }]);
    await saver.close();
    expect(outages).toHaveLength(1);
  });
});
