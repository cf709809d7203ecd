import { describe, expect, it } from 'vitest';
import { createImageStore } from './create-image-store.js';

const image = (bytes: number) => Buffer.alloc(bytes, 7).toString('base64');

describe('createImageStore', () => {
  it('serves what it stored, by unguessable id', () => {
    const store = createImageStore();
    const id = store.put('image/png', image(3));
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(store.get(id)).toEqual({
      mimeType: 'image/png',
      bytes: Buffer.alloc(3, 7),
      expiresAt: expect.any(Number),
    });
    expect(store.get('unknown')).toBeUndefined();
  });

  it('is bounded in bytes: the oldest images go first', () => {
    const store = createImageStore({ maxBytes: 1000 });
    const ids = [1, 2, 3].map(() => store.put('image/png', image(400)));
    expect(ids.map((id) => store.get(id) !== undefined)).toEqual([false, true, true]);
    expect(store.size()).toBe(800);
  });

  it('keeps no image larger than the whole budget', () => {
    const store = createImageStore({ maxBytes: 1000 });
    const small = store.put('image/png', image(10));
    const huge = store.put('image/png', image(1001));
    expect(store.get(huge)).toBeUndefined();
    expect(store.get(small)).toBeDefined();
    expect(store.size()).toBe(10);
  });

  it('is bounded in count', () => {
    const store = createImageStore({ maxImages: 2 });
    const ids = [1, 2, 3].map(() => store.put('image/png', image(1)));
    expect(ids.map((id) => store.get(id) !== undefined)).toEqual([false, true, true]);
  });

  it('forgets expired images, and their bytes', () => {
    let nowMs = 0;
    const store = createImageStore({ ttlMs: 1000, now: () => nowMs });
    const old = store.put('image/png', image(100));
    nowMs = 1000;
    const fresh = store.put('image/png', image(50));
    expect(store.size()).toBe(50);
    expect(store.get(old)).toBeUndefined();
    expect(store.get(fresh)).toBeDefined();
    nowMs = 2000;
    expect(store.get(fresh)).toBeUndefined();
    expect(store.size()).toBe(0);
  });
});
