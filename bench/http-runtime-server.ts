/**
 * A diagnostic setup of `npm run bench -- http` (`--setups=…,runtime`): the sample app's
 * component in the Aloft runtime alone, behind a plain Node `http` server, with its capability
 * calls answered directly by the same key-value library (no host: no providers, links, routing,
 * admission, telemetry). Its distance to `plain` is what the runtime costs (instance worker,
 * thread hops, the TypeScript guest); its distance to `same host` is what the host's layers add.
 * Run as its own process:
 *
 *   node --import tsx bench/http-runtime-server.ts <nats-url> <lattice> <port> <component-file> <instances>
 *
 * Prints `ready` on stdout once it listens.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectLattice, subjectsFor } from '../src/lattice/index.ts';
import { natsKeyValue } from '../src/providers/index.ts';
import { createRuntime, type CapabilityHandler, type Value } from '../src/runtime/index.ts';
import { counterLogLine } from './http-work.ts';

const [url = '', lattice = 'bench', port = '8080', file = '', instances = '4'] =
  process.argv.slice(2);
const nc = await connectLattice({ servers: url, name: 'bench runtime-only http server' });
const kv = natsKeyValue({ nc, lattice });
const logSubject = subjectsFor(lattice).logs('counter');

const capabilities: CapabilityHandler = async (call): Promise<Value> => {
  const [a, b, c] = call.args;
  switch (`${call.interface}.${call.function}`) {
    case 'keyvalue.get':
      return kv.get(a as string, b as string);
    case 'keyvalue.increment':
      return kv.increment(a as string, b as string, c as bigint);
    case 'messaging.publish': {
      const msg = a as { subject: string; body: Uint8Array };
      nc.publish(msg.subject, msg.body);
      return undefined;
    }
    case 'logging.log':
      nc.publish(logSubject, counterLogLine(lattice, a as string, c as string));
      return undefined;
    default:
      throw Object.assign(new Error(`${call.interface}.${call.function}`), {
        code: 'CAPABILITY_UNAVAILABLE',
      });
  }
};

const runtime = createRuntime({ cacheDir: join(tmpdir(), 'aloft-bench-runtime'), capabilities });
const counter = await runtime.load(readFileSync(file), {
  name: 'counter',
  // As the host loads a component started with `count: instances`.
  limits: { maxInstances: Number(instances), minInstances: Math.min(Number(instances), 4) },
});

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    counter
      .handleHttp({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: Object.entries(req.headers).map(([k, v]) => [k, String(v)] as [string, string]),
        body: Buffer.concat(chunks),
      })
      .then(
        (out) => {
          res.writeHead(out.status, out.headers);
          res.end(out.body);
        },
        (err: unknown) => {
          res.writeHead(503);
          res.end(String(err));
        },
      );
  });
});
server.keepAliveTimeout = 5000;
server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void runtime
    .close()
    .then(() => kv.close())
    .then(() => nc.close());
});
