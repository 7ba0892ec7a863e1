/**
 * The baseline of `npm run bench -- http`: a plain Node `http` server doing the sample app's
 * work itself (bench/http-work.ts). Run as its own process:
 *
 *   node --import tsx bench/http-plain-server.ts <nats-url> <lattice> <port>
 *
 * Prints `ready` on stdout once it listens.
 */
import { createServer } from 'node:http';
import { connectLattice } from '../src/lattice/index.ts';
import { counterName, counterWork, sendJson as json } from './http-work.ts';

const [url = 'nats://127.0.0.1:4222', lattice = 'bench', port = '8080'] = process.argv.slice(2);
const nc = await connectLattice({ servers: url, name: 'bench plain http server' });
const work = counterWork(nc, lattice);

const server = createServer((req, res) => {
  const name = counterName(req.url);
  req.resume();
  if (!name) return json(res, 404, { error: 'NOT_FOUND' });
  (req.method === 'POST' ? work.increment(name) : work.get(name)).then(
    (value) => json(res, 200, { name, value }),
    (err: unknown) => json(res, 503, { error: String(err) }),
  );
});
server.keepAliveTimeout = 5000;
server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void work.close().then(() => nc.close());
});
