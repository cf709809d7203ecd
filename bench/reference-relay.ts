import Fastify from 'fastify';
import { Pool } from 'undici';

// The yardstick for `npm run bench`: a bare Fastify + undici relay with no features at all (no
// auth, no key pool, no retries, no logs). The gateway measured beside it, in the same run, shows
// what its features cost; the ratio to direct alone mixes that with the machine's own limits.
const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:8001';
const pool = new Pool(upstream, { pipelining: 1 });
const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post<{ Params: { target: string } }>('/v1beta/models/:target', async (request, reply) => {
  const query = request.url.indexOf('?');
  const answer = await pool.request({
    method: 'POST',
    path: `/v1beta/models/${request.params.target}${query === -1 ? '' : request.url.slice(query)}`,
    headers: { 'content-type': 'application/json', 'x-goog-api-key': 'ok-reference' },
    body: request.body as Buffer,
  });
  reply.code(answer.statusCode).header('content-type', answer.headers['content-type']);
  return reply.send(answer.body);
});
await app.listen({ port: Number(process.env.PORT ?? 8002), host: '127.0.0.1' });
console.log('reference relay listening');
process.on('SIGTERM', () => process.exit(0));
