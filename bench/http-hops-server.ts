/**
 * A diagnostic setup of `npm run bench -- http` (`--setups=…,hops`): the plain server's work
 * (bench/http-work.ts) with the thread hops of an instance worker and nothing else: each request goes to one of
 * `instances` worker threads over the runtime's own channel (src/runtime/channel.ts), the worker
 * asks the main thread for the key-value result (one capability call, as the sample app's GET
 * makes) and answers with it. No guest runs. Its distance to `plain` is what the hops alone
 * cost: the floor under any design that runs a synchronous guest in a worker and does its I/O
 * on the main thread. Run as its own process:
 *
 *   node --import tsx bench/http-hops-server.ts <nats-url> <lattice> <port> <instances>
 *
 * Prints `ready` on stdout once it listens.
 */
import { createServer } from 'node:http';
import { Worker } from 'node:worker_threads';
import { connectLattice } from '../src/lattice/index.ts';
import { HostEnd, createChannelBuffers, type ChannelBuffers } from '../src/runtime/channel.ts';
import { counterName, counterWork, sendJson as json } from './http-work.ts';

const [url = '', lattice = 'bench', port = '8080', instances = '4'] = process.argv.slice(2);
const nc = await connectLattice({ servers: url, name: 'bench hops http server' });
const work = counterWork(nc, lattice);
const enc = new TextEncoder();
const dec = new TextDecoder();
const DEPTH = 4;

/** Worker threads do not take the `--import tsx` hook: the worker registers it, then loads. */
const BOOT = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};
register();
await import(${JSON.stringify(new URL('./http-hops-worker.ts', import.meta.url).href)});`;

interface Lane {
  end: HostEnd;
  waiting: Map<number, (bytes: Uint8Array) => void>;
}

const lanes: Lane[] = [];
const workers: Worker[] = [];
for (let i = 0; i < Number(instances); i++) {
  const buffers: ChannelBuffers = createChannelBuffers(DEPTH, 1024 * 1024);
  const waiting = new Map<number, (bytes: Uint8Array) => void>();
  const end = new HostEnd(buffers, {
    // The capability call: `get <name>` or `inc <name>`, answered with the value's text.
    onHostCall: async (_seq, call) => {
      const [op = '', name = ''] = dec.decode(call).split(' ');
      return enc.encode(String(await (op === 'inc' ? work.increment(name) : work.get(name))));
    },
    onResponse: (seq, bytes) => {
      waiting.get(seq)?.(bytes);
      waiting.delete(seq);
    },
  });
  workers.push(
    new Worker(new URL(`data:text/javascript,${encodeURIComponent(BOOT)}`), {
      workerData: buffers,
    }),
  );
  lanes.push({ end, waiting });
}

/** Requests waiting for a free ring slot, oldest first. */
const queued: { call: Uint8Array; done: (bytes: Uint8Array) => void }[] = [];
let next = 0;

function dispatch(call: Uint8Array, done: (bytes: Uint8Array) => void): void {
  for (let k = 0; k < lanes.length; k++) {
    const lane = lanes[(next + k) % lanes.length] as Lane;
    if (lane.end.outstanding < lane.end.depth) {
      next = (next + k + 1) % lanes.length;
      lane.waiting.set(lane.end.post(call), (bytes) => {
        done(bytes);
        const more = queued.shift();
        if (more) dispatch(more.call, more.done);
      });
      return;
    }
  }
  queued.push({ call, done });
}

const server = createServer((req, res) => {
  const name = counterName(req.url);
  req.resume();
  if (!name) return json(res, 404, { error: 'NOT_FOUND' });
  const op = req.method === 'POST' ? 'inc' : 'get';
  dispatch(enc.encode(`${op} ${name}`), (bytes) =>
    json(res, 200, { name, value: Number(dec.decode(bytes)) }),
  );
});
server.keepAliveTimeout = 5000;
server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void Promise.all(workers.map((w) => w.terminate()))
    .then(() => work.close())
    .then(() => nc.close());
});
