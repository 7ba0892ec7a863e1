import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectLattice, watchHosts, type HostsView } from '../../src/lattice/index.ts';
import {
  deploySample,
  originClouds,
  SAMPLE,
  journalFile,
  killCloud,
  lastJournalFile,
  readSimState,
  startLoad,
  startRecorder,
  startSim,
  stopSim,
  type Incident,
  type LoadGenerator,
  type Recorder,
  type SimState,
} from '../../src/sim/index.ts';
import { aloft } from '../support/cli.ts';
import { tempDir } from '../support/tmp.ts';

/**
 * `aloft sim report` on a real run: three clouds of one host each under load, one cloud killed;
 * the journal the run wrote must yield the detection and re-placement the lattice really showed.
 */
describe('sim report after a real outage', { timeout: 240_000 }, () => {
  const dir = tempDir('aloft-report-');
  let state: SimState;
  let nc: NatsConnection;
  let view: HostsView;
  let recorder: Recorder;
  let load: LoadGenerator;
  let stopped = false;
  const component = SAMPLE.component;
  const total = (): number =>
    view.entries().reduce((n, e) => n + (e.components[component] ?? 0), 0);

  before(async () => {
    state = await startSim({
      clouds: ['aws', 'gcp', 'azure'],
      hostsPerCloud: 1,
      topology: 'cluster',
      lattice: 'sim',
      dataDir: dir.path,
    });
    nc = await connectLattice({
      servers: Object.values(state.clouds).flatMap((c) => c.nats.map((n) => n.url)),
    });
    view = await watchHosts(nc, { lattice: state.lattice });
    await deploySample(state, nc, undefined, { cacheDir: '.cache/components' });
    recorder = await startRecorder({
      nc,
      lattice: state.lattice,
      file: journalFile(dir.path),
      component,
      desired: { aws: 1, gcp: 1, azure: 1 },
      ratePerCloud: 20,
    });
    load = await startLoad({
      ingress: () => originClouds(readSimState(dir.path)),
      requests: [{ method: 'GET', path: '/health' }],
      ratePerCloud: 20,
      maxSeconds: 120,
      onSecond: (s) => recorder.second(s),
    });
  });

  after(async () => {
    if (!stopped) {
      await load.stop();
      await recorder.stop();
      await view.stop();
      await nc.close();
      await stopSim(dir.path);
    }
    dir.remove();
  });

  it('reports the kill, its detection, the re-placement and the recovery, with a chart', async () => {
    await new Promise((r) => setTimeout(r, 4000)); // a baseline before the fault
    const killedAt = Date.now();
    killCloud(dir.path, 'gcp');
    let lostAt = 0;
    const off = view.onChange((c) => {
      if (c.type === 'lost' && c.entry.labels.cloud === 'gcp' && !lostAt) lostAt = Date.now();
    });
    await view.waitFor(
      (v) => v.entries().every((e) => e.labels.cloud !== 'gcp') && total() === 3,
      20_000,
    );
    off();
    const placedAt = Date.now();
    await new Promise((r) => setTimeout(r, 5000)); // long enough to see the load settle
    await load.stop();
    await recorder.stop();
    await view.stop();
    await nc.close();
    await stopSim(dir.path);
    stopped = true;
    assert.ok(!existsSync(journalFile(dir.path)), 'sim down removed the run');
    assert.ok(existsSync(lastJournalFile(dir.path)), 'but kept its journal');

    const png = join(dir.path, 'chart.png');
    const res = await aloft(['sim', 'report', '--json', '--data-dir', dir.path, '--png', png]);
    assert.equal(res.code, 0, res.stderr);
    const report = JSON.parse(res.stdout) as { incidents: Incident[]; totals: { ok: number } };
    assert.equal(report.incidents.length, 1);
    const inc = report.incidents[0];
    assert.ok(inc);
    assert.equal(inc.fault.kind, 'kill');
    assert.deepEqual(inc.fault.targets, ['gcp']);
    assert.ok(Math.abs(inc.fault.at - killedAt) < 500, 'the fault is stamped when it was injected');
    // What the report derives agrees with what this test saw live (its own view is one of many
    // that report host_lost, so the first report is at most as late as this view's loss).
    assert.ok(inc.detection, 'detected');
    assert.ok(lostAt > 0);
    assert.ok(inc.detection.firstMs <= lostAt - killedAt + 250, JSON.stringify(inc.detection));
    assert.ok(inc.detection.firstMs > 0 && inc.detection.firstMs < 10_000);
    assert.ok(inc.placement, 're-placed');
    assert.ok(
      Math.abs(inc.placement.afterMs - (placedAt - killedAt)) < 1500,
      JSON.stringify(inc.placement),
    );
    assert.equal(
      Object.values(inc.placement.instances).reduce((a, b) => a + b, 0),
      3,
    );
    assert.equal(inc.placement.instances.gcp ?? 0, 0);
    assert.ok(inc.recovery, `recovered: ${JSON.stringify(inc)}`);
    assert.ok(report.totals.ok > 0);
    const bytes = readFileSync(png);
    assert.equal(bytes.toString('latin1', 1, 4), 'PNG');
    assert.equal(bytes.readUInt32BE(16), 1140);

    const text = await aloft(['sim', 'report', '--data-dir', dir.path, '--png', png]);
    assert.equal(text.code, 0, text.stderr);
    console.log(text.stdout);
    assert.match(text.stdout, /kill gcp\n\s+\+\d+\.\d s\s+detected: host_lost/);
  });

  it('says clearly when there is no journal to report on', async () => {
    const empty = tempDir('aloft-report-none-');
    try {
      const res = await aloft(['sim', 'report', '--data-dir', empty.path]);
      assert.equal(res.code, 5);
      assert.match(
        res.stderr,
        /^aloft sim report: no simulation journal at .*sim-timeline\.jsonl \(run a scenario/,
      );
      assert.doesNotMatch(res.stderr, /at .*\.ts:\d+/, 'no stack trace');
    } finally {
      empty.remove();
    }
  });
});
