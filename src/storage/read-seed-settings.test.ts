import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  describeSeedSource,
  parseSeedSource,
  readSeedSettings,
  SeedSourceError,
} from './read-seed-settings.js';

describe('parseSeedSource', () => {
  it.each([
    ['a relative path', 'data/default_db', { kind: 'sqlite', path: 'data/default_db' }],
    ['a path with a colon', 'C:/seed.db', { kind: 'sqlite', path: 'C:/seed.db' }],
    [
      'a full MySQL URL',
      'mysql://gb:p%40ss@db.example:3307/gemini',
      { kind: 'mysql', host: 'db.example', port: 3307, user: 'gb', password: 'p@ss', database: 'gemini' },
    ],
    [
      'a MariaDB URL without port or password',
      'mariadb://root@127.0.0.1/test',
      { kind: 'mysql', host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' },
    ],
  ])('reads %s', (_case, argument, source) => {
    expect(parseSeedSource(argument)).toEqual(source);
  });

  it.each([
    ['another scheme', 'postgres://u:pw@h/db', 'only mysql:// URLs'],
    ['no database', 'mysql://u:pw@h', 'with a host and a database'],
    ['a broken escape', 'mysql://u:%zz@h/db', 'a %-escape in it is broken'],
    ['no URL at all', 'mysql://u:pw@[bad/db', 'not a valid URL'],
  ])('refuses %s in one line that does not repeat it', (_case, argument, message) => {
    let error: unknown;
    try {
      parseSeedSource(argument);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SeedSourceError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('pw');
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('describeSeedSource', () => {
  it('names a MySQL source without its password', () => {
    expect(describeSeedSource(parseSeedSource('mysql://gb:hunter2@db:3306/gemini'))).toBe(
      'mysql://gb@db:3306/gemini',
    );
  });
});

describe('readSeedSettings from an SQLite file', () => {
  const directory = mkdtempSync(join(tmpdir(), 'gemgate-seed-read-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('reads every row in order, whatever type a damaged file stored in its cells', async () => {
    const path = join(directory, 'damaged.db');
    const database = new SqliteDatabase(path);
    database.exec(`CREATE TABLE t_settings (id INTEGER PRIMARY KEY, key TEXT, value TEXT);
      INSERT INTO t_settings (key, value) VALUES
        ('TEXT_NOT_UTF8', CAST(X'41FF42' AS TEXT)), ('BYTES', X'41FF42'), ('NUMBER', 12),
        (X'FF', 'bytes as a name'), ('NULL_VALUE', NULL);`);
    database.close();
    expect(await readSeedSettings({ kind: 'sqlite', path })).toEqual([
      { name: 'TEXT_NOT_UTF8', value: 'A\uFFFDB' },
      { name: 'BYTES', value: 'A\uFFFDB' },
      { name: 'NUMBER', value: '12' },
      { name: '\uFFFD', value: 'bytes as a name' },
      { name: 'NULL_VALUE', value: null },
    ]);
  });

  it.each([
    ['a missing file', () => join(directory, 'missing.db'), 'no such file'],
    ['a directory', () => directory, 'a directory, not an SQLite file'],
    [
      'a file that is no database',
      () => {
        writeFileSync(join(directory, 'text.db'), 'not a database at all, just text');
        return join(directory, 'text.db');
      },
      'not an SQLite database',
    ],
    [
      'a database without t_settings',
      () => {
        new SqliteDatabase(join(directory, 'other.db')).exec('CREATE TABLE other (id INTEGER)');
        return join(directory, 'other.db');
      },
      "no t_settings table; is it gemini-balance's database?",
    ],
  ])('refuses %s with one line', async (_case, path, message) => {
    await expect(readSeedSettings({ kind: 'sqlite', path: path() })).rejects.toThrow(
      expect.objectContaining({ name: 'SeedSourceError', message: expect.stringContaining(message) }),
    );
  });
});
