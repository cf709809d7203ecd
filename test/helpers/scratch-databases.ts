import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { parseSettings } from '../../src/config/load-settings.js';
import type { Settings } from '../../src/config/settings.js';

/** A scratch database on one backend: settings that point at it, and a way to drop it. */
export interface ScratchDatabase {
  readonly settings: Settings;
  drop(): Promise<void>;
}

// The machine's services (see .ci/run): MariaDB as root without a password, PostgreSQL with trust auth.
const mysqlHost = process.env.TEST_MYSQL_HOST ?? '127.0.0.1';
const postgresHost = process.env.TEST_POSTGRES_HOST ?? '127.0.0.1';

export const backends = {
  async sqlite(): Promise<ScratchDatabase> {
    const directory = mkdtempSync(join(tmpdir(), 'gemgate-sqlite-'));
    return {
      settings: parseSettings({ DATABASE_TYPE: 'sqlite', SQLITE_DATABASE: join(directory, 'test.db') }),
      drop: async () => rmSync(directory, { recursive: true, force: true }),
    };
  },
  async mysql(): Promise<ScratchDatabase> {
    const name = `gemgate_${randomBytes(4).toString('hex')}`;
    const admin = await createConnection({ host: mysqlHost, user: 'root' });
    await admin.query(`CREATE DATABASE ${name}`);
    return {
      settings: parseSettings({
        DATABASE_TYPE: 'mysql',
        MYSQL_HOST: mysqlHost,
        MYSQL_USER: 'root',
        MYSQL_DATABASE: name,
      }),
      async drop() {
        await admin.query(`DROP DATABASE ${name}`);
        await admin.end();
      },
    };
  },
  async postgres(): Promise<ScratchDatabase> {
    const name = `gemgate_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ host: postgresHost, user: 'postgres', database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    return {
      settings: parseSettings({
        DATABASE_TYPE: 'postgres',
        POSTGRES_HOST: postgresHost,
        POSTGRES_USER: 'postgres',
        POSTGRES_DATABASE: name,
      }),
      async drop() {
        await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  },
};

export type BackendName = keyof typeof backends;
export const backendNames = Object.keys(backends) as BackendName[];
