import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { CompiledQuery } from 'kysely';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSettings } from '../src/config/load-settings.js';
import { createDatabase } from '../src/storage/create-database.js';
import { backends, type ScratchDatabase } from './helpers/database-backends.js';
import { clientToken, generateBody, post, type Stack, startStack } from './helpers/start-stack.js';

// The gateway under load while its database misbehaves: connections killed by the server, then the
// server unreachable for seconds. The machine's real servers are shared with other test files, so
// the gateway reaches them through a loopback proxy this test can take down and bring back.

const mysqlHost = process.env.TEST_MYSQL_HOST ?? '127.0.0.1';
const postgresHost = process.env.TEST_POSTGRES_HOST ?? '127.0.0.1';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Proxy {
  readonly port: number;
  /** Cuts every connection and stops listening: new connections are refused. */
  down(): Promise<void>;
  up(): Promise<void>;
}

async function listen(server: Server, port: number): Promise<void> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
}

async function startProxy(host: string, targetPort: number): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await listen(server, 0);
  const { port } = server.address() as AddressInfo;
  return {
    port,
    async down() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    up: () => listen(server, port),
  };
}

interface Backend {
  readonly scratch: () => Promise<ScratchDatabase>;
  readonly port: number;
  readonly host: string;
  /** Settings that point the gateway at the scratch database through the proxy. */
  settings(scratch: ScratchDatabase, proxyPort: number): Record<string, string>;
  /** Ends, from the server's side, every connection to the scratch database; how many it ended. */
  terminate(scratch: ScratchDatabase): Promise<number>;
}

const databases: Record<'postgres' | 'mysql', Backend> = {
  postgres: {
    scratch: backends.postgres,
    port: 5432,
    host: postgresHost,
    settings: (scratch, proxyPort) => ({
      DATABASE_TYPE: 'postgres',
      POSTGRES_HOST: '127.0.0.1',
      POSTGRES_PORT: String(proxyPort),
      POSTGRES_USER: 'postgres',
      POSTGRES_DATABASE: scratch.settings.POSTGRES_DATABASE,
    }),
    async terminate(scratch) {
      const admin = new pg.Client({ host: postgresHost, user: 'postgres', database: 'postgres' });
      await admin.connect();
      try {
        const result = await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [scratch.settings.POSTGRES_DATABASE],
        );
        return result.rowCount ?? 0;
      } finally {
        await admin.end();
      }
    },
  },
  mysql: {
    scratch: backends.mysql,
    port: 3306,
    host: mysqlHost,
    settings: (scratch, proxyPort) => ({
      DATABASE_TYPE: 'mysql',
      MYSQL_HOST: '127.0.0.1',
      MYSQL_PORT: String(proxyPort),
      MYSQL_USER: 'root',
      MYSQL_DATABASE: scratch.settings.MYSQL_DATABASE,
    }),
    async terminate(scratch) {
      const admin = await createConnection({ host: mysqlHost, user: 'root' });
      try {
        const [rows] = await admin.query('select id from information_schema.processlist where db = ?', [
          scratch.settings.MYSQL_DATABASE,
        ]);
        let ended = 0;
        for (const { id } of rows as { id: number }[]) {
          // A connection may have gone by itself meanwhile.
          await admin.query(`KILL CONNECTION ${Number(id)}`).then(
            () => (ended += 1),
            () => {},
          );
        }
        return ended;
      } finally {
        await admin.end();
      }
    },
  },
};

/** Clients that keep sending requests, half streamed, until stopped; what each saw. */
function startLoad(stack: Stack, workers: number) {
  const outcomes = { sent: 0, failed: [] as string[] };
  let running = true;
  async function worker(index: number): Promise<void> {
    const streamed = index % 2 === 1;
    const path = streamed ? 'streamGenerateContent?alt=sse' : 'generateContent';
    while (running) {
      outcomes.sent += 1;
      try {
        const response = await post(
          `${stack.url}/v1beta/models/gemini-2.5-flash:${path}`,
          generateBody(`load ${index}`),
          { 'x-goog-api-key': clientToken },
        );
        const body = await response.text();
        if (response.status !== 200 || body.includes('"error"')) {
          outcomes.failed.push(`${response.status} ${body.slice(0, 200)}`);
        }
      } catch (error) {
        outcomes.failed.push(String(error));
      }
    }
  }
  const done = Promise.all(Array.from({ length: workers }, (_, index) => worker(index)));
  return {
    outcomes,
    async stop() {
      running = false;
      await done;
    },
  };
}

async function countRequestRows(stack: Stack): Promise<number> {
  const db = stack.gateway.database.db;
  const row = await db
    .selectFrom('request_log')
    .select(db.fn.countAll().as('rows'))
    .executeTakeFirstOrThrow();
  return Number(row.rows);
}

describe.each(['postgres', 'mysql'] as const)('storage faults on %s', (name) => {
  const backend = databases[name];
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  let scratch: ScratchDatabase;
  let stack: Stack | undefined;

  beforeEach(async () => {
    crashes.length = 0;
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    scratch = await backend.scratch();
  });
  afterEach(async () => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await stack?.close();
    await scratch.drop();
  });

  it.each(['killed by the server', 'cut by the network'] as const)(
    'lives through a connection %s in the middle of a query',
    async (fault) => {
      const proxy = await startProxy(backend.host, backend.port);
      const lost: Error[] = [];
      const database = createDatabase(parseSettings(backend.settings(scratch, proxy.port)), {
        onConnectionLost: (error) => lost.push(error),
      });
      try {
        const outcome = database.db
          .executeQuery(CompiledQuery.raw(name === 'postgres' ? 'select pg_sleep(5)' : 'select sleep(5)'))
          .then(
            () => 'answered',
            () => 'failed',
          );
        await sleep(500);
        if (fault === 'killed by the server') expect(await backend.terminate(scratch)).toBeGreaterThan(0);
        else await proxy.down();
        expect(await outcome).toBe('failed');
        await sleep(200);
        expect(crashes).toEqual([]);
        // node-postgres announces the dead connection; mysql2 fails the query and announces nothing.
        if (name === 'postgres') expect(lost.length).toBeGreaterThan(0);
        // The pool serves again, with a new connection.
        if (fault === 'cut by the network') await proxy.up();
        await expect(database.db.executeQuery(CompiledQuery.raw('select 1'))).resolves.toBeDefined();
      } finally {
        await database.db.destroy();
        await proxy.down();
      }
    },
  );

  it('loses no request and no log row when connections are killed and the server is away for seconds', async () => {
    const proxy = await startProxy(backend.host, backend.port);
    stack = await startStack({ ...backend.settings(scratch, proxy.port), LOG_LEVEL: 'info' });
    const load = startLoad(stack, 6);

    await sleep(1500);
    const killedFirst = await backend.terminate(scratch);
    await sleep(1500);
    await proxy.down();
    await sleep(3000);
    await proxy.up();
    await sleep(1500);
    const killedSecond = await backend.terminate(scratch);
    await sleep(1500);
    await load.stop();

    expect(killedFirst + killedSecond).toBeGreaterThan(0);
    expect(load.outcomes.failed).toEqual([]);
    expect(load.outcomes.sent).toBeGreaterThan(100);
    const gateway = stack.gateway;
    await expect
      .poll(
        async () => {
          await gateway.logWriter.flush();
          return countRequestRows(stack as Stack);
        },
        { timeout: 10_000, interval: 250 },
      )
      .toBe(load.outcomes.sent);
    expect(crashes).toEqual([]);

    // One warning per outage and one line when it ended, not one per retry: three faults make at
    // most three outages, while the seconds without a server alone make several failed tries.
    const lines = stack.logLines.join('');
    const warnings = lines.match(/could not write log entries to the database/g)?.length ?? 0;
    const recoveries = lines.match(/log writes to the database recovered; no entry was lost/g)?.length ?? 0;
    expect(warnings).toBeGreaterThanOrEqual(1);
    expect(warnings).toBeLessThanOrEqual(3);
    expect(recoveries).toBe(warnings);
  }, 30_000);
});
