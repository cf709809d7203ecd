import { Agent, createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';

// The load balancer of `npm run bench:scale`: a plain node:http reverse proxy that sends each
// request to the next target in turn. It does what a real balancer must and no more: keep-alive
// connections to every target (a new TCP connection per request would be measured instead of the
// gateways) and bodies and streams piped through as they come, never buffered.

// Headers that describe one connection, not the message: each hop sets its own (RFC 9110 7.6.1).
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!hopByHop.has(name)) kept[name] = value;
  return kept;
}

export function createRoundRobinProxy(targets: readonly string[]): Server {
  if (targets.length === 0) throw new Error('the proxy needs at least one target');
  const upstreams = targets.map((target) => {
    const url = new URL(target);
    return { hostname: url.hostname, port: Number(url.port), agent: new Agent({ keepAlive: true }) };
  });
  let next = 0;
  const server = createServer((incoming, outgoing) => {
    const upstream = upstreams[next] as (typeof upstreams)[number];
    next = (next + 1) % upstreams.length;
    const forwarded = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        agent: upstream.agent,
        method: incoming.method,
        path: incoming.url,
        headers: endToEnd(incoming.headers),
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => {
      // Before the answer's head: the client gets a 502, as from any balancer. After it: the
      // client's connection is cut, so a broken stream is never mistaken for a complete one.
      if (outgoing.headersSent) outgoing.destroy();
      else outgoing.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
    });
    // A client that goes away mid-answer frees the upstream request too.
    outgoing.on('close', () => {
      if (!outgoing.writableFinished) forwarded.destroy();
    });
    incoming.pipe(forwarded);
  });
  // Longer than autocannon or any benchmark client leaves a connection idle between requests.
  server.keepAliveTimeout = 60_000;
  return server;
}

// Run on its own (spawn-service's startRoundRobinProxyProcess), so the proxy has an event loop of
// its own, as a balancer in front of gateways would: PORT and TARGETS (comma-separated URLs).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const targets = (process.env.TARGETS ?? '').split(',').filter(Boolean);
  const server = createRoundRobinProxy(targets);
  server.listen(Number(process.env.PORT ?? 8003), '127.0.0.1', () => {
    console.log(`round-robin proxy listening, ${targets.length} target(s)`);
  });
  process.on('SIGTERM', () => process.exit(0));
}
