import { describe, expect, it } from 'vitest';
import { parseSettings, SettingsError } from './load-settings.js';

describe('upstream timeout settings', () => {
  it('default to seconds, not minutes, for everything but the whole call', () => {
    expect(parseSettings({})).toMatchObject({
      TIME_OUT: 300,
      CONNECT_TIMEOUT_SECONDS: 5,
      FIRST_BYTE_TIMEOUT_SECONDS: 60,
      STREAM_IDLE_TIMEOUT_SECONDS: 30,
    });
  });

  it('take fractions of a second', () => {
    expect(
      parseSettings({
        CONNECT_TIMEOUT_SECONDS: '2.5',
        FIRST_BYTE_TIMEOUT_SECONDS: '0.5',
        STREAM_IDLE_TIMEOUT_SECONDS: '45',
      }),
    ).toMatchObject({
      CONNECT_TIMEOUT_SECONDS: 2.5,
      FIRST_BYTE_TIMEOUT_SECONDS: 0.5,
      STREAM_IDLE_TIMEOUT_SECONDS: 45,
    });
  });

  it.each([
    ['CONNECT_TIMEOUT_SECONDS', '0.05'],
    ['FIRST_BYTE_TIMEOUT_SECONDS', '-3'],
    ['STREAM_IDLE_TIMEOUT_SECONDS', 'soon'],
  ])('names %s when its value %j is bad, without repeating the value', (name, value) => {
    let thrown: unknown;
    try {
      parseSettings({ [name]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SettingsError);
    expect((thrown as Error).message).toContain(name);
    expect((thrown as Error).message).not.toContain(value);
  });
});
