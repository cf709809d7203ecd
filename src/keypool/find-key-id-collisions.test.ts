import { describe, expect, it } from 'vitest';
import {
  describeKeyIdCollisions,
  findKeyIdCollisions,
  KeyIdCollisionError,
  namingKeyPlaces,
} from './find-key-id-collisions.js';

const nothingHeld = () => undefined;

describe('findKeyIdCollisions', () => {
  it('finds two different keys with one id in a list, naming both places', () => {
    const keys = [
      { id: 'aa', secret: 'first-key' },
      { id: 'bb', secret: 'second-key' },
      { id: 'aa', secret: 'third-key' },
    ];
    expect(findKeyIdCollisions(keys, nothingHeld)).toEqual([{ id: 'aa', index: 2, earlierIndex: 0 }]);
  });

  it('finds a key whose id names a different key already held', () => {
    const held = new Map([['aa', 'held-key']]);
    expect(findKeyIdCollisions([{ id: 'aa', secret: 'other-key' }], (id) => held.get(id))).toEqual([
      { id: 'aa', index: 0 },
    ]);
  });

  it('takes the same key twice, or a key held already, for no collision', () => {
    const held = new Map([['aa', 'held-key']]);
    const keys = [
      { id: 'aa', secret: 'held-key' },
      { id: 'bb', secret: 'twice-key' },
      { id: 'bb', secret: 'twice-key' },
    ];
    expect(findKeyIdCollisions(keys, (id) => held.get(id))).toEqual([]);
  });
});

describe('KeyIdCollisionError', () => {
  const collisions = [
    { id: 'aa', index: 4, earlierIndex: 1 },
    { id: 'cc', index: 6 },
  ];

  it('names ids and places, never keys', () => {
    expect(describeKeyIdCollisions(collisions, (index) => `API_KEYS entry ${index + 1}`)).toBe(
      'API_KEYS entry 2 and API_KEYS entry 5 are different keys with the same id aa; ' +
        'API_KEYS entry 7 is a different key with the id cc of a key already in the pool',
    );
  });

  it('is thrown again with the places its caller knows', () => {
    const refused = () =>
      namingKeyPlaces(
        () => {
          throw new KeyIdCollisionError(collisions);
        },
        (index) => `keys[${index}]`,
      );
    expect(refused).toThrow(/^keys\[1\] and keys\[4\] are different keys with the same id aa; keys\[6\]/);
    expect(namingKeyPlaces(() => 'added', String)).toBe('added');
  });
});
