import { describe, expect, it } from 'vitest';
import { createLeasedVersions } from './leased-versions.js';

describe('createLeasedVersions', () => {
  it('retires a replaced version once its last holder lets go', () => {
    const retired: string[] = [];
    const versions = createLeasedVersions('v1', (value) => retired.push(value));
    const first = versions.acquire();
    const second = versions.acquire();
    versions.replace('v2');
    expect(versions.current()).toBe('v2');
    expect(first.value).toBe('v1');
    first.release();
    expect(retired).toEqual([]);
    second.release();
    expect(retired).toEqual(['v1']);
  });

  it('retires a version nobody holds as soon as it is replaced, and never the current one', () => {
    const retired: string[] = [];
    const versions = createLeasedVersions('v1', (value) => retired.push(value));
    versions.acquire().release();
    expect(retired).toEqual([]);
    versions.replace('v2');
    versions.replace('v3');
    expect(retired).toEqual(['v1', 'v2']);
  });
});
