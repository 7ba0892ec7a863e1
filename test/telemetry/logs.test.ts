import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { headers, type NatsConnection } from '@nats-io/nats-core';
import {
  CALL_HEADERS,
  connectLattice,
  request,
  schemas,
  subjectsFor,
} from '../../src/lattice/index.ts';
import { recordPid, signalPid, startTopology, type Topology } from '../../src/nats/index.ts';
import { signedFixture } from '../runtime/fixtures.ts';
import { aloft } from '../support/cli.ts';
import { spawnHost, type HostProcess } from '../support/hosts.ts';
import { recordEvents, startComponent, utf8, writeComponent } from '../support/lattice.ts';
import { tempDir } from '../support/tmp.ts';

const lattice = 'logs';
const bin = join(import.meta.dirname, '..', '..', 'bin', 'aloft.js');

/** `aloft logs … --follow` as a real process, its stdout lines collected as they come. */
function follow(args: string[]): {
  child: ChildProcess;
  lines: string[];
  waitForLines(n: number, timeoutMs?: number): Promise<string[]>;
  following: Promise<void>;
  stop(): Promise<void>;
} {
  const child = spawn(process.execPath, [bin, 'logs', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  recordPid(child.pid ?? 0, 'aloft logs --follow');
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout }).on('line', (l) => {
    lines.push(l);
    for (const w of waiters) w();
  });
  let stderr = '';
  const following = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('following')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`aloft logs exited (${code}): ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    lines,
    following,
    waitForLines: (n, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (lines.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(lines.slice());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`only ${lines.length} of ${n} lines: ${lines.join(' | ')} ${stderr}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalPid(child.pid ?? 0, 'SIGINT');
      await exited;
    },
  };
}

/** Two hosts labelled as two clouds run a real component that logs; `aloft logs` follows them. */
describe('component logs across the lattice: aloft logs', { timeout: 180_000 }, () => {
  const dir = tempDir('aloft-logs-');
  let topo: Topology;
  let nc: NatsConnection;
  let aws: HostProcess;
  let gcp: HostProcess;
  let cli: string[];
  const trace = { id: randomBytes(16).toString('hex'), span: randomBytes(8).toString('hex') };

  /** Calls `probe`'s `log` operation on one host, optionally inside a trace. */
  const logOn = async (host: HostProcess, text: string, traceparent?: string): Promise<void> => {
    const h = headers();
    h.set(CALL_HEADERS.operation, 'log');
    if (traceparent) h.set('traceparent', traceparent);
    await request(nc, subjectsFor(lattice).rpcOnHost('probe', host.id), utf8(text), {
      timeoutMs: 5000,
      headers: h,
    });
  };

  before(async () => {
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    cli = ['--nats-url', topo.urls().join(','), '--lattice', lattice];
    const common = { natsUrls: topo.urls(), lattice };
    [aws, gcp] = await Promise.all([
      spawnHost({ ...common, name: 'log-aws', labels: { cloud: 'aws' }, dataDir: `${dir.path}/a` }),
      spawnHost({ ...common, name: 'log-gcp', labels: { cloud: 'gcp' }, dataDir: `${dir.path}/g` }),
    ]);
    const ref = writeComponent(dir.path, 'probe', await signedFixture('probe-as'));
    const events = recordEvents(nc, lattice, ['component_started']);
    await startComponent(nc, lattice, aws.id, { name: 'probe', ref });
    await startComponent(nc, lattice, gcp.id, { name: 'probe', ref });
    await events.waitFor('component_started', (d) => d.hostId === aws.id, 60_000);
    await events.waitFor('component_started', (d) => d.hostId === gcp.id, 60_000);
    events.stop();
  });

  after(async () => {
    await Promise.all([aws?.stop(), gcp?.stop()]);
    await nc?.close();
    await topo?.destroy();
    dir.remove();
  });

  it('--follow --cloud shows only that cloud, tagged with component, host, cloud, lattice and trace', async () => {
    const follower = follow(['probe', '--follow', '--cloud', 'gcp', '--json', ...cli]);
    try {
      await follower.following;
      await logOn(aws, 'hello from aws', `00-${randomBytes(16).toString('hex')}-${trace.span}-01`);
      await logOn(gcp, 'hello from gcp 1', `00-${trace.id}-${trace.span}-01`);
      await logOn(gcp, 'hello from gcp 2');
      const [first, second, ...more] = (await follower.waitForLines(2)).map((l) =>
        schemas.ComponentLogLine.parse(JSON.parse(l)),
      );
      assert.deepEqual(more, []);
      // The aws line was published first: had the filter let it through, it would lead.
      assert.deepEqual(
        { ...first, time: typeof first?.time },
        {
          time: 'string',
          level: 'info',
          msg: 'hello from gcp 1',
          component: 'probe',
          context: 'probe',
          hostId: gcp.id,
          host: 'log-gcp',
          cloud: 'gcp',
          lattice,
          // Tracing is off on these hosts: the caller's context is passed on unchanged.
          traceId: trace.id,
          spanId: trace.span,
        },
      );
      assert.equal(second?.msg, 'hello from gcp 2');
      assert.equal(second?.traceId, undefined);
    } finally {
      await follower.stop();
    }
  });

  it('without --follow: the recent lines of every host, filtered by host, limited by --tail', async () => {
    const all = await aloft(['logs', 'probe', '--json', ...cli]);
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout
      .trim()
      .split('\n')
      .map((l) => schemas.ComponentLogLine.parse(JSON.parse(l)));
    assert.deepEqual(
      lines.map((l) => [l.host, l.cloud, l.msg]),
      [
        ['log-aws', 'aws', 'hello from aws'],
        ['log-gcp', 'gcp', 'hello from gcp 1'],
        ['log-gcp', 'gcp', 'hello from gcp 2'],
      ],
    );
    const byHost = await aloft(['logs', 'probe', '--host', 'log-aws', ...cli]);
    assert.equal(byHost.code, 0, byHost.stderr);
    assert.match(
      byHost.stdout,
      /^\S+Z INFO {2}log-aws \[aws\] probe: hello from aws {2}trace=[0-9a-f]{32}\n$/,
    );
    const byId = await aloft([
      'logs',
      'probe',
      '--host',
      gcp.id.slice(0, 10),
      '--tail',
      '1',
      ...cli,
    ]);
    assert.equal(byId.stdout.trim().split('\n').length, 1);
    assert.match(byId.stdout, /log-gcp \[gcp\] probe: hello from gcp 2\n$/);
    const none = await aloft(['logs', 'nobody', ...cli]);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, '');
  });

  it('bad invocations are refused with what was wrong', async () => {
    const missing = await aloft(['logs', ...cli]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /aloft logs: name one component/);
    const since = await aloft(['logs', 'probe', '--since', 'yesterday', ...cli]);
    assert.equal(since.code, 2);
    assert.match(since.stderr, /--since "yesterday" is not a duration/);
    const badName = await aloft(['logs', 'a.b', ...cli]);
    assert.equal(badName.code, 4);
    assert.match(badName.stderr, /invalid component name "a\.b"/);
  });

  it("every line a host writes is a JSON object; the component's lines carry its tags", () => {
    for (const host of [aws, gcp]) {
      const lines = host.logs().trim().split('\n');
      assert.ok(lines.length >= 2, host.logs());
      for (const line of lines) {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        assert.equal(typeof parsed.time, 'string', line);
        assert.match(String(parsed.level), /^(debug|info|warn|error)$/, line);
        assert.equal(typeof parsed.msg, 'string', line);
      }
    }
    const own = gcp
      .logs()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'hello from gcp 1');
    assert.ok(own, 'the host logged the component line too');
    assert.equal(own.component, 'probe');
    assert.equal(own.cloud, 'gcp');
    assert.equal(own.lattice, lattice);
    assert.equal(own.traceId, trace.id);
    assert.equal(own.host, 'log-gcp');
  });
});
