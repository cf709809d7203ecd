const schemes: Readonly<Record<string, 'postgres' | 'mysql'>> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
};

/** The parts of a DATABASE_URL, or a problem described without the URL (it holds a password). */
function partsOf(text: string) {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('expected postgres://user:password@host:5432/database (or mysql://…)');
  }
  const type = schemes[url.protocol];
  if (!type) throw new Error('expected a postgres://, postgresql://, mysql:// or mariadb:// address');
  if (url.hostname === '') throw new Error('the address names no host');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) throw new Error('the address names no database (…/name)');
  return {
    type,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
  };
}

/** DATABASE_URL: empty, or one address for the database server, as many hosting platforms give it. */
export function parseDatabaseUrl(text: string): string {
  const value = text.trim();
  if (value !== '') partsOf(value);
  return value;
}

/**
 * The settings' text with DATABASE_URL spelled out as DATABASE_TYPE and the POSTGRES_* or MYSQL_*
 * settings, which it overrides; a URL that does not parse is left for DATABASE_URL's own check to
 * report. Pure: the text in, the text out.
 */
export function expandDatabaseUrl(
  environment: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  const text = environment.DATABASE_URL?.trim() ?? '';
  if (text === '') return { ...environment };
  let parts: ReturnType<typeof partsOf>;
  try {
    parts = partsOf(text);
  } catch {
    return { ...environment };
  }
  const prefix = parts.type === 'postgres' ? 'POSTGRES' : 'MYSQL';
  return {
    ...environment,
    DATABASE_TYPE: parts.type,
    [`${prefix}_HOST`]: parts.host,
    [`${prefix}_DATABASE`]: parts.database,
    [`${prefix}_PASSWORD`]: parts.password,
    ...(parts.port === '' ? {} : { [`${prefix}_PORT`]: parts.port }),
    ...(parts.user === '' ? {} : { [`${prefix}_USER`]: parts.user }),
    ...(parts.type === 'mysql' ? { MYSQL_SOCKET: '' } : {}),
  };
}
