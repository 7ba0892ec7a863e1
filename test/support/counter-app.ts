// The sample application (examples/counter) wired on running hosts the way its manifest wires it:
// key-value, messaging and http-server providers, the component, and the links between them.
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import { encodeJson, subjectsFor, type ControlVerb } from '../../src/lattice/index.ts';
import { freePort } from '../../src/nats/index.ts';
import { recordEvents, startComponent } from './lattice.ts';

/** Sends a control request and fails the test when the host answers with an error. */
export async function control(
  nc: NatsConnection,
  lattice: string,
  verb: ControlVerb,
  body: unknown,
  hostId?: string,
): Promise<void> {
  const reply = await nc.request(subjectsFor(lattice).control(verb, hostId), encodeJson(body), {
    timeout: 10_000,
  });
  assert.equal(reply.headers?.get('Aloft-Error') ?? '', '', `${verb} failed`);
}

export interface HttpAnswer {
  status: number;
  body: string;
  retryAfter: string | null;
}

/** One HTTP request with fetch, read to the end. */
export async function httpCall(base: string, method: string, path: string): Promise<HttpAnswer> {
  const res = await fetch(`${base}${path}`, { method });
  return { status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') };
}

/**
 * Starts the providers (`kv` of the given kind, `messaging`, `http` on a free port) on
 * `providerHost`, the counter component on `componentHost`, links them, and resolves with the
 * HTTP base URL once the route answers.
 */
export async function deployCounterApp(
  nc: NatsConnection,
  lattice: string,
  opts: {
    providerHost: string;
    componentHost: string;
    ref: string;
    kv?: { kind: string; config?: Record<string, string> };
  },
): Promise<string> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const events = recordEvents(nc, lattice, [
    'provider_started',
    'provider_start_failed',
    'component_started',
  ]);
  const kv = opts.kv ?? { kind: 'keyvalue-nats' };
  const ctl = (verb: ControlVerb, body: unknown, hostId?: string): Promise<void> =>
    control(nc, lattice, verb, body, hostId);
  await ctl('provider.start', { name: 'kv', ...kv }, opts.providerHost);
  await ctl('provider.start', { name: 'messaging', kind: 'messaging-nats' }, opts.providerHost);
  await ctl(
    'provider.start',
    { name: 'http', kind: 'http-server', config: { address: `127.0.0.1:${port}` } },
    opts.providerHost,
  );
  for (const name of ['kv', 'messaging', 'http']) {
    const ev = await Promise.race([
      events.waitFor('provider_started', (d) => d.name === name),
      events.waitFor('provider_start_failed', (d) => d.name === name),
    ]);
    assert.equal(ev.type, 'provider_started', JSON.stringify(ev.event.data));
  }
  await startComponent(nc, lattice, opts.componentHost, { name: 'counter', ref: opts.ref });
  await events.waitFor('component_started', (d) => d.name === 'counter', 120_000);
  events.stop();
  await ctl('link.put', { source: 'counter', target: 'kv', interface: 'wasi:keyvalue/store' });
  await ctl('link.put', {
    source: 'counter',
    target: 'messaging',
    interface: 'wasmcloud:messaging/consumer',
  });
  await ctl('link.put', {
    source: 'http',
    target: 'counter',
    interface: 'wasi:http/incoming-handler',
  });
  // The HTTP listener follows link changes: poll until the route serves (no event tells).
  for (let i = 0; ; i++) {
    const r = await fetch(`${base}/health`).catch(() => undefined);
    if (r?.status === 200) return base;
    if (i > 200) throw new Error('the HTTP route never came up');
    await new Promise((res) => setTimeout(res, 50));
  }
}
