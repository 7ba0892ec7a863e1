/** Deploys the sample app for `npm run bench -- http`, and starts its plain baseline server. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { encodeJson, subjectsFor, type ControlVerb } from '../src/lattice/index.ts';
import { recordPid } from '../src/nats/index.ts';
import { recordEvents, startComponent } from '../test/support/lattice.ts';

async function control(
  nc: NatsConnection,
  inLattice: string,
  verb: ControlVerb,
  body: unknown,
  hostId?: string,
): Promise<void> {
  const reply = await nc.request(subjectsFor(inLattice).control(verb, hostId), encodeJson(body), {
    timeout: 10_000,
  });
  const error = reply.headers?.get('Aloft-Error');
  if (error) throw new Error(`${verb}: ${error}`);
}

/**
 * The providers on `on.providers`, the component on `on.component`, linked as the sample app's
 * manifest links them; resolves once the route answers.
 */
export async function deployCounter(
  nc: NatsConnection,
  inLattice: string,
  on: { providers: string; component: string },
  ref: string,
  port: number,
  instances: number,
): Promise<void> {
  const events = recordEvents(nc, inLattice, ['provider_started', 'component_started']);
  const ctl = (verb: ControlVerb, body: unknown, hostId?: string): Promise<void> =>
    control(nc, inLattice, verb, body, hostId);
  await ctl('provider.start', { name: 'kv', kind: 'keyvalue-nats' }, on.providers);
  await ctl('provider.start', { name: 'messaging', kind: 'messaging-nats' }, on.providers);
  const address = `127.0.0.1:${port}`;
  await ctl(
    'provider.start',
    { name: 'http', kind: 'http-server', config: { address } },
    on.providers,
  );
  await startComponent(nc, inLattice, on.component, { name: 'counter', ref, count: instances });
  for (const name of ['kv', 'messaging', 'http']) {
    await events.waitFor('provider_started', (d) => d.name === name);
  }
  await events.waitFor('component_started', (d) => d.name === 'counter', 120_000);
  events.stop();
  await ctl('link.put', { source: 'counter', target: 'kv', interface: 'keyvalue' });
  await ctl('link.put', { source: 'counter', target: 'messaging', interface: 'messaging' });
  await ctl('link.put', {
    source: 'http',
    target: 'counter',
    interface: 'wasi:http/incoming-handler',
  });
  for (let i = 0; ; i++) {
    const r = await fetch(`http://${address}/health`).catch(() => undefined);
    if (r?.status === 200) return;
    if (i > 400) throw new Error('the HTTP route never came up');
    await new Promise((res) => setTimeout(res, 25));
  }
}

/**
 * A baseline server (bench/http-plain-server.ts, or bench/http-runtime-server.ts with its
 * component file and instance count as `extra`) as its own process; resolves with its PID once
 * it listens.
 */
export async function startPlainServer(
  url: string,
  lattice: string,
  port: number,
  script = 'http-plain-server.ts',
  extra: string[] = [],
  nodeArgs: string[] = [],
): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      '--import',
      'tsx',
      join(import.meta.dirname, script),
      url,
      lattice,
      String(port),
      ...extra,
    ],
    { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const pid = child.pid ?? 0;
  recordPid(pid, 'bench plain http server');
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
  });
  return pid;
}
