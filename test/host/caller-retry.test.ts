// The caller's retry rules against real NATS responders standing in for two hosts: what a
// callee's answer allows the caller to do next.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import {
  connectLattice,
  createCaller,
  errorHeaders,
  subjectsFor,
} from '../../src/lattice/index.ts';
import { startNatsServer, type NatsServer } from '../../src/nats/index.ts';
import { AloftError, isAloftError } from '../../src/support/index.ts';
import { manualView } from '../support/manual-view.ts';
import { tempDir } from '../support/tmp.ts';
import { text, utf8 } from '../support/lattice.ts';

const lattice = 'callerretry';

describe('caller: retrying after a callee timed the invocation out', { timeout: 60_000 }, () => {
  const dir = tempDir('aloft-caller-retry-');
  let server: NatsServer;
  let nc: NatsConnection;
  const subs: Subscription[] = [];
  const seen: string[] = [];

  before(async () => {
    server = await startNatsServer({ name: 'retry', port: -1, httpPort: -1 }, { dir: dir.path });
    nc = await connectLattice({ servers: server.url });
    const s = subjectsFor(lattice);
    // Host A's pool gives up at the call's deadline; host B answers.
    subs.push(
      nc.subscribe(s.rpcOnHost('slow', 'HOSTA'), {
        callback: (_err, msg) => {
          seen.push('A');
          msg.respond(new Uint8Array(0), {
            headers: errorHeaders(
              new AloftError('COMPONENT_TIMEOUT', 'did not finish within 100 ms', {
                retryable: true,
              }),
            ),
          });
        },
      }),
      nc.subscribe(s.rpcOnHost('slow', 'HOSTB'), {
        callback: (_err, msg) => {
          seen.push('B');
          msg.respond(utf8(`B:${text(msg.data)}`));
        },
      }),
    );
    await nc.flush();
  });

  after(async () => {
    for (const sub of subs) sub.unsubscribe();
    await nc.close();
    await server.stop();
    dir.remove();
  });

  it('an idempotent call goes on to another host', async () => {
    seen.length = 0;
    const caller = createCaller(nc, { lattice, view: manualView(['HOSTA', 'HOSTB']) });
    const out = await caller.call('slow', 'get', utf8('x'), { idempotent: true, timeoutMs: 5000 });
    assert.equal(text(out), 'B:x');
    assert.deepEqual(seen, ['A', 'B']);
  });

  it('a call that may not run twice is not retried: the error says the invocation timed out', async () => {
    seen.length = 0;
    const caller = createCaller(nc, { lattice, view: manualView(['HOSTA', 'HOSTB']) });
    await assert.rejects(caller.call('slow', 'post', utf8('y'), { timeoutMs: 5000 }), (err) =>
      isAloftError(err, 'COMPONENT_TIMEOUT'),
    );
    assert.deepEqual(seen, ['A']);
  });
});
