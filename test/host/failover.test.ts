import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { headers, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import {
  CALL_HEADERS,
  connectLattice,
  createCaller,
  watchHosts,
  type HostsView,
} from '../../src/lattice/index.ts';
import { startTopology, isAlive, signalPid, type Topology } from '../../src/nats/index.ts';
import { signedFixture } from '../runtime/fixtures.ts';
import { spawnHost, type HostProcess } from '../support/hosts.ts';
import { recordEvents, startComponent, text, utf8, writeComponent } from '../support/lattice.ts';
import { tempDir } from '../support/tmp.ts';

const lattice = 'failover';

function callHeaders(operation: string): MsgHdrs {
  const h = headers();
  h.set(CALL_HEADERS.operation, operation);
  return h;
}

describe('hosts: failover without failed calls', { timeout: 240_000 }, () => {
  const dir = tempDir('aloft-failover-');
  let topo: Topology;
  let nc: NatsConnection;
  let view: HostsView;
  let ref: string;
  const hosts: HostProcess[] = [];

  before(async () => {
    topo = await startTopology({ kind: 'cluster', dataDir: `${dir.path}/nats` });
    // Not through azure's server: the last test hangs it.
    nc = await connectLattice({ servers: [...topo.urls('aws'), ...topo.urls('gcp')] });
    view = await watchHosts(nc, { lattice });
    ref = writeComponent(dir.path, 'probe-as', await signedFixture('probe-as'));
  });

  after(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    await view.stop();
    await nc.close();
    await topo.destroy();
    dir.remove();
    assert.deepEqual(
      hosts.filter((h) => isAlive(h.pid)).map((h) => h.name),
      [],
    );
  });

  /** Starts `n` host processes, one per cloud's server, and waits until the view sees them. */
  async function startHosts(prefix: string, n: number): Promise<HostProcess[]> {
    const started = await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const cloud = topo.clouds[i % topo.clouds.length] ?? 'aws';
        return spawnHost({
          natsUrls: topo.urls(cloud),
          lattice,
          name: `${prefix}-${i}`,
          labels: { cloud },
          dataDir: `${dir.path}/${prefix}-${i}`,
        });
      }),
    );
    hosts.push(...started);
    await view.waitFor((v) => started.every((h) => v.get(h.id)), 15_000);
    return started;
  }

  async function place(component: string, on: HostProcess[]): Promise<void> {
    const events = recordEvents(nc, lattice, ['component_started', 'component_start_failed']);
    for (const h of on) await startComponent(nc, lattice, h.id, { name: component, ref });
    for (const h of on) {
      const ev = await events.waitFor(
        'component_started',
        (d) => d.hostId === h.id && d.name === component,
      );
      assert.equal(ev.type, 'component_started');
    }
    events.stop();
    await view.waitFor((v) => on.every((h) => (v.get(h.id)?.components[component] ?? 0) > 0), 5000);
  }

  it('1,000 sequential calls while one of two serving hosts is SIGKILLed: zero failures, host_lost within 3.5 s', async () => {
    const [a, b, c] = await startHosts('kill', 3);
    assert.ok(a && b && c);
    await place('echo-kill', [a, b]);
    // Without a routing table the call goes to the queue group; the reply names who served it.
    let servedVia: string | undefined;
    await createCaller(nc, { lattice }).call('echo-kill', 'echo', utf8('via any'), {
      onServed: (hostId) => (servedVia = hostId),
    });
    assert.ok(servedVia === a.id || servedVia === b.id, `served by ${String(servedVia)}`);
    const events = recordEvents(nc, lattice, ['host_lost']);
    const caller = createCaller(nc, { lattice, view });
    const servedBy = new Set<string>();
    let failures = 0;
    let killedAt = 0;
    for (let i = 0; i < 1000; i++) {
      if (i === 300) {
        killedAt = performance.now();
        a.signal('SIGKILL');
      }
      try {
        const out = await caller.call('echo-kill', 'echo', utf8(`n${i}`), {
          idempotent: true,
          timeoutMs: 10_000,
        });
        assert.equal(text(out), `n${i}`);
        servedBy.add('ok');
      } catch (err) {
        failures++;
        console.error(`call ${i} failed: ${String(err)}`);
      }
    }
    assert.equal(failures, 0);
    const lost = await events.waitFor('host_lost', (d) => d.hostId === a.id, 5000);
    const detectMs = lost.atMs - killedAt;
    console.log(`host_lost after SIGKILL: ${Math.round(detectMs)} ms`);
    assert.ok(detectMs <= 3500, `host_lost after ${Math.round(detectMs)} ms`);
    await view.waitFor((v) => v.get(a.id) === undefined, 2000);
    events.stop();
  });

  it('a host SIGKILLed while nobody calls it: its late heartbeat is probed, no responders, lost within 2.5 s', async () => {
    const [a] = await startHosts('idle', 1);
    assert.ok(a);
    const events = recordEvents(nc, lattice, ['host_lost']);
    // Kill right after a beat, the worst case for detection by heartbeats.
    await view.waitFor((v) => (v.get(a.id)?.lastSeenMs ?? 0) > performance.now() - 50, 5000);
    const killedAt = performance.now();
    a.signal('SIGKILL');
    const lost = await events.waitFor('host_lost', (d) => d.hostId === a.id, 5000);
    const detectMs = lost.atMs - killedAt;
    console.log(
      `idle host lost ${Math.round(detectMs)} ms after SIGKILL: ${String(lost.event.data.reason)}`,
    );
    assert.equal(lost.event.data.reason, 'its connection closed (no responders)');
    // 1.25–1.5 beats late, then three probes 150 ms apart (1.5–1.9 s, more on a loaded machine);
    // missed heartbeats alone would take over 3 s.
    assert.ok(detectMs <= 2500, `lost after ${Math.round(detectMs)} ms`);
    events.stop();
  });

  it('SIGSTOP of a serving host: calls keep succeeding, it is declared lost; SIGCONT: it rejoins and serves', async () => {
    const [a, b] = await startHosts('hang', 2);
    assert.ok(a && b);
    await place('echo-hang', [a, b]);
    const events = recordEvents(nc, lattice, ['host_lost']);
    const caller = createCaller(nc, { lattice, view });
    let failures = 0;
    let stoppedAt = 0;
    const call = async (i: number): Promise<void> => {
      try {
        const out = await caller.call('echo-hang', 'echo', utf8(`h${i}`), {
          idempotent: true,
          attemptTimeoutMs: 500,
        });
        assert.equal(text(out), `h${i}`);
      } catch (err) {
        failures++;
        console.error(`call ${i} failed: ${String(err)}`);
      }
    };
    for (let i = 0; i < 100; i++) await call(i);
    stoppedAt = performance.now();
    a.signal('SIGSTOP');
    let i = 100;
    while (!events.seen.some((e) => e.event.data.hostId === a.id)) {
      await call(i++);
      if (performance.now() - stoppedAt > 10_000) break;
    }
    const lost = await events.waitFor('host_lost', (d) => d.hostId === a.id, 1000);
    const detectMs = lost.atMs - stoppedAt;
    console.log(`host_lost after SIGSTOP: ${Math.round(detectMs)} ms; ${i - 100} calls meanwhile`);
    assert.ok(detectMs <= 3500, `host_lost after ${Math.round(detectMs)} ms`);
    for (let j = 0; j < 100; j++) await call(i++);
    assert.equal(failures, 0);

    a.signal('SIGCONT');
    await view.waitFor((v) => v.get(a.id) !== undefined, 10_000);
    // It serves again: calls addressed to it directly succeed.
    const direct = await nc.request(`aloft.${lattice}.rpc.echo-hang.${a.id}`, utf8('back'), {
      timeout: 5000,
      headers: callHeaders('echo'),
    });
    assert.equal(direct.headers?.get('Aloft-Error') ?? '', '', 'no error');
    assert.equal(text(direct.data), 'back');
    assert.ok(isAlive(a.pid));
    events.stop();
  });

  it('drain hands the work off without a failed call', async () => {
    const [a, b] = await startHosts('drain', 2);
    assert.ok(a && b);
    await place('echo-drain', [a, b]);
    const caller = createCaller(nc, { lattice, view });
    let failures = 0;
    let done = false;
    let calls = 0;
    const load = (async () => {
      while (!done) {
        try {
          // echo is idempotent, and declared so: see the closing note on the draining race.
          await caller.call('echo-drain', 'echo', utf8('d'), { idempotent: true });
          calls++;
        } catch (err) {
          failures++;
          console.error(
            `drain call failed: ${String(err)} (draining host ${a.id.slice(0, 8)}, other ${b.id.slice(0, 8)})`,
          );
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const events = recordEvents(nc, lattice, ['component_stopped']);
    const callsBeforeDrain = calls;
    await nc.request(`aloft.${lattice}.ctl.v1.host.drain.${a.id}`, utf8('{"graceMs":5000}'), {
      timeout: 5000,
    });
    await events.waitFor('component_stopped', (d) => d.hostId === a.id && d.name === 'echo-drain');
    await new Promise((r) => setTimeout(r, 300));
    done = true;
    await load;
    assert.equal(failures, 0);
    // The load really ran through the hand-off (the test could have failed).
    assert.ok(
      calls - callsBeforeDrain >= 5,
      `only ${calls - callsBeforeDrain} calls during the drain`,
    );
    await view.waitFor((v) => (v.get(a.id)?.components['echo-drain'] ?? 0) === 0, 3000);
    events.stop();
  });

  it('SIGTERM: the host drains, publishes host_stopped and exits 0, with no failed call', async () => {
    const [a, b] = await startHosts('term', 2);
    assert.ok(a && b);
    await place('echo-term', [a, b]);
    const caller = createCaller(nc, { lattice, view });
    const events = recordEvents(nc, lattice, ['host_stopped', 'host_lost']);
    let failures = 0;
    let calls = 0;
    let done = false;
    const load = (async () => {
      while (!done) {
        try {
          await caller.call('echo-term', 'echo', utf8('t'), { idempotent: true });
          calls++;
        } catch (err) {
          failures++;
          console.error(`call during SIGTERM failed: ${String(err)}`);
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const callsBeforeTerm = calls;
    a.signal('SIGTERM');
    const code = await a.exited;
    // The load goes on through the stop and past the exit (calls then all go to b), so that the
    // test could fail: at least 20 calls from the signal on, none failed.
    const enough = performance.now() + 10_000;
    while (calls - callsBeforeTerm < 20 && performance.now() < enough && failures === 0) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const callsSinceTerm = calls - callsBeforeTerm;
    done = true;
    await load;
    assert.equal(code, 0);
    assert.equal(failures, 0);
    assert.ok(callsSinceTerm >= 20, `only ${callsSinceTerm} calls since SIGTERM`);
    await events.waitFor('host_stopped', (d) => d.hostId === a.id, 2000);
    assert.equal(
      events.seen.filter((e) => e.type === 'host_lost' && e.event.data.hostId === a.id).length,
      0,
      'a graceful stop is not a loss',
    );
    events.stop();
  });

  it('an observer whose NATS server hangs declares nobody lost (it is the one cut off)', async () => {
    const live = await startHosts('deaf', 2); // on aws and gcp
    const azure = topo.servers('azure')[0];
    assert.ok(azure);
    const conn = await connectLattice({ servers: [azure.url], name: 'deaf observer' });
    const deaf = await watchHosts(conn, { lattice, reportLossAs: 'aloft://failover/test/deaf' });
    await deaf.waitFor((v) => live.every((h) => v.get(h.id)), 5000);
    const declared: string[] = [];
    const off = deaf.onChange((c) => {
      if (c.type === 'lost' && live.some((h) => h.id === c.hostId)) declared.push(c.reason);
    });
    signalPid(azure.pid, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 4000)); // the fault's length: 4 missed beats
    signalPid(azure.pid, 'SIGCONT');
    // It hears heartbeats again.
    await deaf.waitFor(
      (v) => live.every((h) => (v.get(h.id)?.lastSeenMs ?? 0) > performance.now() - 900),
      10_000,
    );
    off();
    // Declaring them lost would also have published host_lost, queued until its server woke up.
    assert.deepEqual(declared, [], 'live hosts declared lost by the cut-off observer');
    assert.ok(
      live.every((h) => view.get(h.id)),
      'and nobody else dropped them',
    );
    await deaf.stop();
    await conn.close();
  });
});
