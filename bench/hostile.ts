/**
 * `npm run bench -- hostile [attack…]`: a well-behaved component's latency and throughput on a
 * host while hostile components next to it attack (infinite loop, memory bomb, oversized
 * response, unlinked and unclaimed capability calls, a call flood, a log flood, and all at
 * once), each against the same component on the same host with no attack, measured just before
 * and just after the attack in the same run (the machine is shared: its load drifts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ATTACKS, startHostileBed, type Attack, type Figures } from '../test/support/hostile.ts';
import type { Bench, BenchRow } from './harness.ts';

const all = [...Object.keys(ATTACKS).filter((a) => a !== 'none'), 'all'] as Attack[];

const bench: Bench = async ({ args, log }) => {
  const wanted = args.filter((a) => (all as string[]).includes(a)) as Attack[];
  const attacks = wanted.length ? wanted : all;
  const dir = mkdtempSync(join(tmpdir(), 'aloft-bench-hostile-'));
  const bed = await startHostileBed(dir);
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const window = { sequential: 400, windowMs: 3000 };
  const show = (f: Figures): string =>
    `p50 ${f.p50Ms.toFixed(2)} ms, p99 ${f.p99Ms.toFixed(2)} ms, ${f.rps.toFixed(0)} calls/s, ${f.errors} errors ${f.errors ? JSON.stringify(f.errorCodes) : ''}`;
  try {
    log('warming up');
    await bed.measure('none', { sequential: 300, windowMs: 1000 });
    for (const attack of attacks) {
      const before = await bed.measure('none', window);
      log(`${attack}: before ${show(before)}`);
      const f = await bed.measure(attack, window);
      log(`${attack}: during ${show(f)}; hostile calls ended ${JSON.stringify(f.hostile)}`);
      const after = await bed.measure('none', window);
      log(`${attack}: after  ${show(after)}`);
      const base = {
        p50: (before.p50Ms + after.p50Ms) / 2,
        p99: (before.p99Ms + after.p99Ms) / 2,
        rps: (before.rps + after.rps) / 2,
      };
      rows.push(
        {
          name: `${attack}: p50 (no attack ${base.p50.toFixed(2)})`,
          value: f.p50Ms,
          unit: 'ms',
          ratio: f.p50Ms / base.p50,
        },
        {
          name: `${attack}: p99 (no attack ${base.p99.toFixed(2)})`,
          value: f.p99Ms,
          unit: 'ms',
          ratio: f.p99Ms / base.p99,
        },
        {
          name: `${attack}: throughput (no attack ${base.rps.toFixed(0)})`,
          value: f.rps,
          unit: 'calls/s',
          ratio: f.rps / base.rps,
        },
        {
          name: `${attack}: failed good calls`,
          value: f.errors + before.errors + after.errors,
          unit: 'calls',
        },
      );
      notes.push(`${attack}: the hostile calls ended ${JSON.stringify(f.hostile)}`);
    }
  } finally {
    await bed.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    title: 'Hostile components: a good component next to attackers on one host',
    baseline:
      'the same good component on the same host with no attack, measured just before and after each attack (mean)',
    rows,
    notes,
  };
};
export default bench;
