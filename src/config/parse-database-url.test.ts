import { describe, expect, it } from 'vitest';
import { parseSettings } from './load-settings.js';
import { expandDatabaseUrl, parseDatabaseUrl } from './parse-database-url.js';

describe('DATABASE_URL', () => {
  it('spells out a PostgreSQL address as the POSTGRES_* settings, over those given', () => {
    const settings = parseSettings({
      DATABASE_URL: 'postgresql://gate%40way:p%3Ass@db.internal:6543/gem_gate',
      POSTGRES_HOST: 'ignored-host',
    });
    expect(settings).toMatchObject({
      DATABASE_TYPE: 'postgres',
      POSTGRES_HOST: 'db.internal',
      POSTGRES_PORT: 6543,
      POSTGRES_USER: 'gate@way',
      POSTGRES_PASSWORD: 'p:ss',
      POSTGRES_DATABASE: 'gem_gate',
    });
  });

  it('spells out a MySQL or MariaDB address, keeping the default port and user when it names none', () => {
    expect(
      parseSettings({ DATABASE_URL: 'mariadb://[::1]/gemgate', MYSQL_SOCKET: '/run/mysqld.sock' }),
    ).toMatchObject({
      DATABASE_TYPE: 'mysql',
      MYSQL_HOST: '::1',
      MYSQL_PORT: 3306,
      MYSQL_USER: 'root',
      MYSQL_DATABASE: 'gemgate',
      MYSQL_SOCKET: '',
    });
  });

  it('leaves the settings alone when empty', () => {
    expect(expandDatabaseUrl({ DATABASE_URL: ' ', DATABASE_TYPE: 'sqlite' })).toEqual({
      DATABASE_URL: ' ',
      DATABASE_TYPE: 'sqlite',
    });
  });

  it.each([
    'sqlite:///data/gemgate.db',
    'postgres://user:pw@host:5432/',
    'postgres:///gemgate',
    'not a url',
    'http://user:pw@host/db',
  ])('refuses %j, naming the setting and never the password', (text) => {
    expect(() => parseDatabaseUrl(text)).toThrow();
    let message = '';
    try {
      parseSettings({ DATABASE_URL: text });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/DATABASE_URL/);
    expect(message).not.toContain('pw');
  });
});
