/**
 * The baseline of `npm run bench -- http`: a plain Node `http` server doing the sample app's
 * key-value work itself, with the same key-value library and the same JetStream KV bucket the
 * `keyvalue-nats` provider uses, and the same change notification. Run as its own process:
 *
 *   node --import tsx bench/http-plain-server.ts <nats-url> <lattice> <port>
 *
 * Prints `ready` on stdout once it listens.
 */
import { createServer, type ServerResponse } from 'node:http';
import { connectLattice } from '../src/lattice/index.ts';
import { natsKeyValue } from '../src/providers/index.ts';

const [url = 'nats://127.0.0.1:4222', lattice = 'bench', port = '8080'] = process.argv.slice(2);
const nc = await connectLattice({ servers: url, name: 'bench plain http server' });
const kv = natsKeyValue({ nc, lattice });
const enc = new TextEncoder();
const dec = new TextDecoder();

const json = (res: ServerResponse, status: number, value: unknown): void => {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
};

const server = createServer((req, res) => {
  const name = /^\/counters\/([A-Za-z0-9_-]{1,64})$/.exec(req.url ?? '')?.[1];
  req.resume();
  if (!name) return json(res, 404, { error: 'NOT_FOUND' });
  const work =
    req.method === 'POST'
      ? kv.increment('counters', name, 1n).then((value) => {
          nc.publish('counters.changed', enc.encode(`${name}=${value}`));
          return { name, value: Number(value) };
        })
      : kv.get('counters', name).then((raw) => ({
          name,
          value: raw === undefined ? 0 : Number(dec.decode(raw)),
        }));
  work.then(
    (value) => json(res, 200, value),
    (err: unknown) => json(res, 503, { error: String(err) }),
  );
});
server.keepAliveTimeout = 5000;
server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void kv.close().then(() => nc.close());
});
