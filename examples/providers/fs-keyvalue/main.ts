/**
 * An external capability provider: a separate process that serves `aloft:platform/keyvalue` to
 * components anywhere in the lattice, storing each bucket as a directory and each key as a file.
 * It speaks the documented protocol (docs/providers.md) through the TypeScript provider SDK
 * (`serveCapability` from Aloft's lattice module); a provider in another language subscribes to
 * the same subject and answers the same JSON.
 *
 *   node --import tsx examples/providers/fs-keyvalue/main.ts \
 *     --nats-url nats://127.0.0.1:4222 --lattice default --name fs-kv --dir ./kv-data \
 *     [--creds provider.creds] [--tls-ca ca.pem --tls-cert cert.pem --tls-key key.pem]
 *
 * With NATS accounts (`aloft up`, `aloft nats config`) it connects with the lattice's `provider`
 * credentials (`--creds` or NATS_CREDS), which let it serve capability calls and nothing else.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectLattice, serveCapability, type CapabilityCall } from '../../../src/lattice/index.ts';
import { AloftError } from '../../../src/support/index.ts';

const { values } = parseArgs({
  options: {
    'nats-url': { type: 'string', default: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' },
    lattice: { type: 'string', default: 'default' },
    name: { type: 'string', default: 'fs-kv' },
    dir: { type: 'string', default: './fs-kv-data' },
    creds: { type: 'string', default: process.env.NATS_CREDS },
    'tls-ca': { type: 'string', default: process.env.NATS_TLS_CA },
    'tls-cert': { type: 'string', default: process.env.NATS_TLS_CERT },
    'tls-key': { type: 'string', default: process.env.NATS_TLS_KEY },
  },
});

const root = values.dir;
const safe = (s: string): string => encodeURIComponent(s);
const fileOf = (bucket: string, key: string): string => join(root, safe(bucket), safe(key));

function handle(call: CapabilityCall): Promise<unknown> {
  if (call.interface !== 'keyvalue') {
    return Promise.reject(new AloftError('UNSUPPORTED', `fs-keyvalue serves keyvalue, not ${call.interface}`));
  }
  const [bucket, key] = call.args as [string, string];
  const file = fileOf(bucket, key ?? '');
  switch (call.function) {
    case 'get':
      return Promise.resolve(existsSync(file) ? new Uint8Array(readFileSync(file)) : undefined);
    case 'set':
      mkdirSync(join(root, safe(bucket)), { recursive: true });
      writeFileSync(file, call.args[2] as Uint8Array);
      return Promise.resolve(undefined);
    case 'delete':
      rmSync(file, { force: true });
      return Promise.resolve(undefined);
    case 'exists':
      return Promise.resolve(existsSync(file));
    case 'list-keys': {
      const dir = join(root, safe(bucket));
      const keys = existsSync(dir) ? readdirSync(dir).map(decodeURIComponent).sort() : [];
      return Promise.resolve({ keys, cursor: undefined });
    }
    case 'increment': {
      const current = existsSync(file) ? BigInt(readFileSync(file, 'utf8') || '0') : 0n;
      const next = current + (call.args[2] as bigint);
      mkdirSync(join(root, safe(bucket)), { recursive: true });
      writeFileSync(file, next.toString());
      return Promise.resolve(next);
    }
    default:
      return Promise.reject(new AloftError('UNSUPPORTED', `fs-keyvalue has no ${call.function}`));
  }
}

const tls = {
  ...(values['tls-ca'] ? { caFile: values['tls-ca'] } : {}),
  ...(values['tls-cert'] ? { certFile: values['tls-cert'] } : {}),
  ...(values['tls-key'] ? { keyFile: values['tls-key'] } : {}),
};
const nc = await connectLattice({
  servers: values['nats-url'].split(','),
  name: `provider ${values.name}`,
  ...(values.creds ? { credsFile: values.creds } : {}),
  ...(Object.keys(tls).length > 0 ? { tls } : {}),
});
serveCapability(nc, values.lattice, values.name, handle);
await nc.flush();
process.stdout.write(JSON.stringify({ provider: values.name, lattice: values.lattice }) + '\n');
const stop = (): void => {
  void nc.drain().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
