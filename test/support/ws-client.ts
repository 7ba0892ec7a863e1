/**
 * A NATS client over WebSocket with given credentials, as a browser tab connects, run in its own
 * process (`node --experimental-websocket --import tsx test/support/ws-client.ts PLAN`): Node 20
 * has a WebSocket only behind that flag, and nats.js's transport choice is process-wide.
 *
 * PLAN (JSON): { url, credsFile | { jwt, seed, inboxPrefix }, tries: [{ kind: 'request' | 'subscribe' | 'publish', subject }] }
 * (`jwt`/`seed`: a browser tab's user JWT and its host seed, as the tab connects).
 * Prints one JSON line: { connected, error?, results: [{ subject, kind, ok, code?, message? }] }.
 */
import { readFileSync } from 'node:fs';
import {
  credsAuthenticator,
  jwtAuthenticator,
  wsconnect,
  type NatsConnection,
} from '@nats-io/nats-core';
import {
  describeCredentials,
  inboxPrefixFor,
  parseCredentials,
  toLatticeError,
} from '../../src/lattice/index.ts';
import { permissionProbe } from './permissions.ts';

interface Plan {
  url: string;
  credsFile?: string;
  jwt?: string;
  seed?: string;
  inboxPrefix?: string;
  tries: { kind: 'request' | 'subscribe' | 'publish'; subject: string }[];
}
interface Result {
  subject: string;
  kind: string;
  ok: boolean;
  code?: string;
  message?: string;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as Plan;
const text = plan.credsFile ? readFileSync(plan.credsFile, 'utf8') : undefined;
const info = text && plan.credsFile ? parseCredentials(text, plan.credsFile) : undefined;
let nc: NatsConnection;
try {
  nc = await wsconnect({
    servers: plan.url,
    authenticator: text
      ? credsAuthenticator(new TextEncoder().encode(text))
      : jwtAuthenticator(plan.jwt ?? '', new TextEncoder().encode(plan.seed ?? '')),
    inboxPrefix: info ? inboxPrefixFor(info.user) : (plan.inboxPrefix ?? '_INBOX'),
    maxReconnectAttempts: 0,
    timeout: 3000,
  });
} catch (err) {
  process.stdout.write(
    JSON.stringify({ connected: false, error: String(err), results: [] }) + '\n',
  );
  process.exit(0);
}
const results: Result[] = [];
const probe = permissionProbe(nc);
for (const t of plan.tries) {
  if (t.kind === 'request') {
    try {
      await nc.request(t.subject, '{}', { timeout: 2000 });
      results.push({ subject: t.subject, kind: t.kind, ok: true });
    } catch (err) {
      const e = toLatticeError(err, t.subject, 2000, describeCredentials(info));
      results.push({
        subject: t.subject,
        kind: t.kind,
        ok: false,
        code: e.code,
        message: e.message,
      });
    }
  } else if (t.kind === 'publish') {
    results.push({ subject: t.subject, kind: t.kind, ok: await probe.canPublish(t.subject) });
  } else {
    results.push({ subject: t.subject, kind: t.kind, ok: await probe.canSubscribe(t.subject) });
  }
}
await nc.close();
process.stdout.write(JSON.stringify({ connected: true, results }) + '\n');
process.exit(0);
