import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSettings } from '../src/config/load-settings.js';
import { createDatabase } from '../src/storage/create-database.js';
import { createKeyRepository } from '../src/storage/key-repository.js';
import { createSavedSettingValues } from '../src/storage/setting-repository.js';
import { useStacks } from './helpers/start-stack.js';

// Issue 9, deliverable 7: `npm run import:gemini-balance -- <source>` as an operator runs it, a
// process reading gemgate's database settings from its environment, against gemini-balance's
// settings table as its own code leaves it (every setting written back at each start).

const root = resolve(import.meta.dirname, '..');
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const cli = join(root, 'src/cli/import-gemini-balance.ts');
const mysqlHost = process.env.TEST_MYSQL_HOST ?? '127.0.0.1';

const key = (label: string) => `AIza${`SeedImport_${label}_`.padEnd(35, 'q')}`;
const seedKeys = [key('alpha'), key('bravo'), key('charlie')];
const seedTokens = ['sk-seed-client-token-one', 'sk-seed-client-token-two'];
const seedAdminToken = 'sk-seed-admin-token-never-shown';
const secrets = [...seedKeys, ...seedTokens, seedAdminToken, 'AIzaTruncatedKey', 'hunter2-seed-db-password'];

/** Rows as gemini-balance writes them: lists as JSON, booleans lower-case, floats with a point. */
const seedRows: [string, string | null][] = [
  ['DATABASE_TYPE', 'sqlite'],
  ['SQLITE_DATABASE', 'default_db'],
  ['MYSQL_PASSWORD', 'hunter2-seed-db-password'],
  // Keys added in its console: one added twice, one cut short by a bad paste.
  ['API_KEYS', JSON.stringify([seedKeys[0], seedKeys[1], seedKeys[0], 'AIzaTruncatedKey', seedKeys[2]])],
  ['ALLOWED_TOKENS', JSON.stringify(seedTokens)],
  ['AUTH_TOKEN', seedAdminToken],
  ['MAX_FAILURES', '3'],
  ['MAX_RETRIES', 'three'],
  ['SHOW_THINKING_PROCESS', 'false'],
  ['THINKING_BUDGET_MAP', '{"gemini-2.5-flash": 1024.0, "gemini-2.5-pro": 2048.0}'],
  ['IMAGE_MODELS', '["gemini-2.0-flash-exp", "gemini-2.5-flash-image-preview"]'],
  ['PROXIES', '[]'],
  ['VERTEX_API_KEYS', JSON.stringify([key('vertex')])],
  ['TIMEZONE', 'Asia/Shanghai'],
  ['SOME_OLD_PLUGIN_OPTION', 'on'],
  ['LOG_LEVEL', 'INFO'],
  ['PAID_KEY', null],
];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The import as its own process, in an empty folder (no .env), pointed at `target` by its environment. */
function runImport(cwd: string, args: string[], env: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, ['--import', tsxLoader, cli, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
}

function expectNoSecret(run: Run) {
  for (const secret of secrets) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}

function writeSeedSqlite(path: string, rows: readonly [string | Buffer, string | Buffer | null][]) {
  const database = new SqliteDatabase(path);
  database.exec(`CREATE TABLE t_settings (
    id INTEGER PRIMARY KEY AUTOINCREMENT, key VARCHAR(100) NOT NULL UNIQUE, value TEXT,
    description VARCHAR(255), created_at DATETIME, updated_at DATETIME)`);
  const insert = database.prepare(
    `INSERT INTO t_settings (key, value, description, created_at, updated_at)
     VALUES (?, ?, ?, datetime('now'), datetime('now'))`,
  );
  for (const [name, value] of rows) insert.run(name, value, `${String(name)} configuration setting`);
  database.close();
}

/** gemgate's saved settings and added keys, as its next start reads them. */
async function readTarget(path: string) {
  const database = createDatabase(parseSettings({ SQLITE_DATABASE: path }));
  try {
    return {
      saved: await createSavedSettingValues(database.db, Date.now).load(),
      // Keys added in one run share their time, so the table orders them by id: compared as a set.
      keys: (await createKeyRepository(database.db, database.dialect).loadRuntimeKeys()).sort(),
    };
  } finally {
    await database.db.destroy();
  }
}

const expectedSettings = {
  ALLOWED_TOKENS: JSON.stringify(seedTokens),
  SHOW_THINKING_PROCESS: 'false',
  THINKING_BUDGET_MAP: '{"gemini-2.5-flash": 1024.0, "gemini-2.5-pro": 2048.0}',
  VERTEX_API_KEYS: JSON.stringify([key('vertex')]),
};

describe('import:gemini-balance from an SQLite file', () => {
  let directory: string;
  let seedPath: string;
  let targetPath: string;
  const startStack = useStacks();
  const env = () => ({ DATABASE_TYPE: 'sqlite', SQLITE_DATABASE: targetPath });

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'gemgate-import-'));
    seedPath = join(directory, 'default_db');
    targetPath = join(directory, 'gemgate', 'gemgate.db');
    writeSeedSqlite(seedPath, seedRows);
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('prints the plan on a dry run and writes nothing, not even the database file', async () => {
    const run = await runImport(directory, ['--dry-run', seedPath], env());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Without --dry-run, 4 settings and 3 keys would be imported.');
    expect(existsSync(targetPath)).toBe(false);
    expectNoSecret(run);
  });

  it('takes the settings and keys, says what it skipped and why, and masks every secret', async () => {
    const run = await runImport(directory, [seedPath], env());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    const has = (text: string) => expect(lines).toContainEqual(text);
    has(`gemini-balance settings: ${seedPath} (SQLite), 17 rows`);
    has(`gemgate database: ${targetPath} (SQLite)`);
    has('Taken as gemgate settings (4):');
    has('  ALLOWED_TOKENS = ["sk-s…-one","sk-s…-two"]  (was: gemgate\'s default)');
    has("  SHOW_THINKING_PROCESS = false  (was: gemgate's default)");
    has(`  THINKING_BUDGET_MAP = ${expectedSettings.THINKING_BUDGET_MAP}  (was: gemgate's default)`);
    has(`  VERTEX_API_KEYS = ["AIza…qqqq"]  (was: gemgate's default)`);
    has(`  new (3): ${seedKeys.map((secret) => `${secret.slice(0, 4)}…${secret.slice(-4)}`).join(', ')}`);
    has("  repeated in the seed's list (taken once): 1");
    has('    entry 4 starts like a Google API key but has 16 characters, not 39');
    has('  MAX_RETRIES: not a valid value for gemgate: expected a whole number from 1 to 100');
    has('  SOME_OLD_PLUGIN_OPTION: unknown to gemgate');
    has('  TIMEZONE: gemgate does not support this setting yet: it is left behind');
    has("  PROXIES: already gemgate's value (from gemgate's default)");
    expect(run.stdout).toMatch(/ {2}MYSQL_PASSWORD: the seed's database connection/);
    expect(run.stdout).toMatch(/ {2}AUTH_TOKEN: restart needed/);
    expect(run.stdout).toMatch(/ {2}IMAGE_MODELS: the seed's own default/);
    expect(run.stdout).toMatch(/ {2}LOG_LEVEL: already gemgate's value/);
    expect(run.stdout).toContain('t_request_log, t_error_logs, t_file_records');
    has('Imported 4 settings and 3 keys. A gemgate already running reads them at its next start.');
    expectNoSecret(run);
    expect(await readTarget(targetPath)).toEqual({ saved: expectedSettings, keys: [...seedKeys].sort() });
  });

  it('imports nothing new the second time, and says so', async () => {
    const run = await runImport(directory, [seedPath], env());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Taken as gemgate settings (0):');
    expect(run.stdout).toContain('  already in gemgate: 3');
    expect(run.stdout).toContain(
      'Nothing new to import: gemgate already has everything it can take from this database.',
    );
    expect(await readTarget(targetPath)).toEqual({ saved: expectedSettings, keys: [...seedKeys].sort() });
  });

  it("is what the gateway starts with: the seed's tokens let clients in, its keys are the console's", async () => {
    const stack = await startStack({ SQLITE_DATABASE: targetPath });
    const admin = (path: string, init: RequestInit = {}) =>
      fetch(`${stack.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      });
    const config = (await (await admin('/api/config')).json()) as {
      settings: { name: string; value: unknown; source: string }[];
    };
    const setting = (name: string) => config.settings.find((entry) => entry.name === name);
    expect(setting('ALLOWED_TOKENS')).toMatchObject({ source: 'saved', value: ['sk-s…-one', 'sk-s…-two'] });
    expect(setting('SHOW_THINKING_PROCESS')).toMatchObject({ source: 'saved', value: false });
    expect(setting('THINKING_BUDGET_MAP')).toMatchObject({
      source: 'saved',
      value: { 'gemini-2.5-flash': 1024, 'gemini-2.5-pro': 2048 },
    });
    const models = await fetch(`${stack.url}/v1beta/models`, {
      headers: { 'x-goog-api-key': seedTokens[1] ?? '' },
    });
    expect(models.status).toBe(200);

    const { items: imported } = (await (await admin('/api/keys?source=runtime&limit=500')).json()) as {
      items: { id: string; masked: string; source: string }[];
    };
    expect(imported.map((entry) => entry.masked).sort()).toEqual(
      seedKeys.map((secret) => `${secret.slice(0, 4)}…${secret.slice(-4)}`).sort(),
    );
    // A key removed in the console stays removed: the reason the keys are not put in API_KEYS.
    const removal = (await (await admin(`/api/keys/${imported[0]?.id}`, { method: 'DELETE' })).json()) as {
      returnsOnRestart: string[];
    };
    expect(removal.returnsOnRestart).toEqual([]);
  });
});

describe('import:gemini-balance with hostile or missing sources', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'gemgate-import-hostile-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const env = () => ({ SQLITE_DATABASE: join(directory, 'gemgate.db') });

  it('survives a huge value, bytes that are not UTF-8 and JSON nested 10 000 deep', async () => {
    const seedPath = join(directory, 'hostile.db');
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    writeSeedSqlite(seedPath, [
      ['TEST_MODEL', 'm'.repeat(8 * 1024 * 1024)],
      ['CUSTOM_HEADERS', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
      [Buffer.from([0xc3, 0x28, 0x41]), 'a name that is not UTF-8'],
      [
        'API_KEYS',
        Buffer.concat([
          Buffer.from(`["${key('hostile')}", "AIza`),
          Buffer.from([0xff, 0xfe]),
          Buffer.from('"]'),
        ]),
      ],
      ['THINKING_BUDGET_MAP', deep],
      ['SAFETY_SETTINGS', deep],
      ['THINKING_MODELS', `["${'x'.repeat(100)}", ${'"y", '.repeat(100_000)}"z"]`],
    ]);
    const run = await runImport(directory, [seedPath], env());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('  TEST_MODEL: larger than 1 MiB: not a value of this setting');
    expect(run.stdout).toContain('  CUSTOM_HEADERS: not a valid value for gemgate');
    expect(run.stdout).toContain('  ?: a name that is not a setting');
    expect(run.stdout).toContain('    entry 2 has a character outside printable ASCII at position 5');
    expect(run.stdout).toContain('  THINKING_BUDGET_MAP: not a valid value for gemgate');
    expect(run.stdout).toContain('  SAFETY_SETTINGS: not a valid value for gemgate');
    expect(run.stdout).toContain('Imported 1 setting and 1 key.');
    expect(run.stdout.length).toBeLessThan(10_000);
  }, 60_000);

  it.each([
    ['a missing file', () => [join(directory, 'nowhere.db')], 'nowhere.db: no such file'],
    ['a database that is not the seed', () => [makeOtherDatabase(directory)], 'no t_settings table'],
    ['a URL of another database', () => ['postgres://u:hunter2-seed-db-password@h/db'], 'only mysql:// URLs'],
    ['an unreachable MySQL', () => ['mysql://root:hunter2-seed-db-password@127.0.0.1:1/x'], 'ECONNREFUSED'],
    ['no source', () => [], 'usage: npm run import:gemini-balance'],
  ])('refuses %s with one line and status 1, no stack, no password', async (_case, args, message) => {
    const run = await runImport(directory, args(), env());
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expectNoSecret(run);
  });
});

function makeOtherDatabase(directory: string): string {
  const path = join(directory, 'other.db');
  new SqliteDatabase(path).exec('CREATE TABLE IF NOT EXISTS other (id INTEGER)');
  return path;
}

describe('import:gemini-balance from MariaDB', () => {
  const name = `gemgate_seed_${randomBytes(4).toString('hex')}`;
  let directory: string;
  let admin: Awaited<ReturnType<typeof createConnection>>;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'gemgate-import-mysql-'));
    admin = await createConnection({ host: mysqlHost, user: 'root' });
    await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
    // The seed's table as its SQLAlchemy model creates it on MySQL.
    await admin.query(`CREATE TABLE ${name}.t_settings (
      id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, \`key\` VARCHAR(100) NOT NULL UNIQUE, value TEXT NULL,
      description VARCHAR(255) NULL, created_at DATETIME NULL, updated_at DATETIME NULL)`);
    for (const [settingName, value] of seedRows)
      await admin.query(`INSERT INTO ${name}.t_settings (\`key\`, value, created_at) VALUES (?, ?, NOW())`, [
        settingName,
        value,
      ]);
  });
  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin?.end();
    rmSync(directory, { recursive: true, force: true });
  });

  it('reads the same rows through a mysql:// URL', async () => {
    const targetPath = join(directory, 'gemgate.db');
    const url = `mysql://root@${mysqlHost}:3306/${name}`;
    const run = await runImport(directory, [url], { SQLITE_DATABASE: targetPath });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`gemini-balance settings: mysql://root@${mysqlHost}:3306/${name}, 17 rows`);
    expect(run.stdout).toContain('Imported 4 settings and 3 keys.');
    expectNoSecret(run);
    expect(await readTarget(targetPath)).toEqual({ saved: expectedSettings, keys: [...seedKeys].sort() });
    const again = await runImport(directory, [url], { SQLITE_DATABASE: targetPath });
    expect(again.stdout).toContain('Nothing new to import');
  });
});
