/**
 * A NATS client over WebSocket with given credentials, as a browser tab connects, run in its own
 * process (`node --experimental-websocket --import tsx test/support/ws-client.ts PLAN`): Node 20
 * has a WebSocket only behind that flag, and nats.js's transport choice is process-wide.
 *
 * PLAN (JSON): { url, credsFile, tries: [{ kind: 'request' | 'subscribe', subject }] }.
 * Prints one JSON line: { connected, error?, results: [{ subject, kind, ok, code?, message? }] }.
 */
import { readFileSync } from 'node:fs';
import { credsAuthenticator, wsconnect, type NatsConnection } from '@nats-io/nats-core';
import {
  describeCredentials,
  inboxPrefixFor,
  parseCredentials,
  toLatticeError,
} from '../../src/lattice/index.ts';
import { permissionProbe } from './permissions.ts';

interface Plan {
  url: string;
  credsFile: string;
  tries: { kind: 'request' | 'subscribe'; subject: string }[];
}
interface Result {
  subject: string;
  kind: string;
  ok: boolean;
  code?: string;
  message?: string;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as Plan;
const text = readFileSync(plan.credsFile, 'utf8');
const info = parseCredentials(text, plan.credsFile);
let nc: NatsConnection;
try {
  nc = await wsconnect({
    servers: plan.url,
    authenticator: credsAuthenticator(new TextEncoder().encode(text)),
    inboxPrefix: inboxPrefixFor(info.user),
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
  } else {
    results.push({ subject: t.subject, kind: t.kind, ok: await probe.canSubscribe(t.subject) });
  }
}
await nc.close();
process.stdout.write(JSON.stringify({ connected: true, results }) + '\n');
process.exit(0);
