/**
 * `npm run bench -- threads [--count=20000]`: what one round trip between the host thread and an
 * instance worker costs, by itself: the floor under every invocation and every capability call
 * (docs/architecture.md). A worker blocked in `Atomics.wait` is woken, bumps a counter and wakes
 * the host thread, which waits with `Atomics.waitAsync` (as the channel does) or hears a
 * `postMessage`. Baseline: the same loop handing a promise to itself on one thread.
 */
import { Worker } from 'node:worker_threads';
import type { Bench, BenchRow } from './harness.ts';

const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const c = new Int32Array(workerData.sab);
let seen = 0;
for (;;) {
  while (Atomics.load(c, 0) === seen) Atomics.wait(c, 0, seen);
  seen = Atomics.load(c, 0);
  if (seen < 0) break;
  Atomics.add(c, 1, 1);
  if (workerData.post) parentPort.postMessage(0);
  else Atomics.notify(c, 1);
}
`;

interface Figures {
  wallUs: number;
  cpuUs: number;
}

async function measure(count: number, step: () => Promise<void>): Promise<Figures> {
  for (let i = 0; i < Math.min(2000, count); i++) await step(); // warm-up: let V8 optimize
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await step();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallUs: (wall * 1000) / count, cpuUs: (cpu.user + cpu.system) / count };
}

async function crossThread(count: number, post: boolean): Promise<Figures> {
  const sab = new SharedArrayBuffer(8);
  const c = new Int32Array(sab);
  const worker = new Worker(WORKER, { eval: true, workerData: { sab, post } });
  await new Promise((r) => setTimeout(r, 100));
  let resolve: () => void = () => undefined;
  worker.on('message', () => resolve());
  const step = async (): Promise<void> => {
    const before = Atomics.load(c, 1);
    if (post) {
      const heard = new Promise<void>((r) => (resolve = r));
      Atomics.add(c, 0, 1);
      Atomics.notify(c, 0);
      await heard;
      return;
    }
    Atomics.add(c, 0, 1);
    Atomics.notify(c, 0);
    while (Atomics.load(c, 1) === before) {
      const w = Atomics.waitAsync(c, 1, before);
      if (w.async) await w.value;
    }
  };
  try {
    return await measure(count, step);
  } finally {
    Atomics.store(c, 0, -1);
    Atomics.notify(c, 0);
    await worker.terminate();
  }
}

const bench: Bench = async ({ args, log }) => {
  const count = Number(args.find((a) => a.startsWith('--count='))?.split('=')[1] ?? 20_000);
  log(`${count} round trips per variant`);
  const base = await measure(count, () => new Promise<void>((r) => setImmediate(r)));
  const atomics = await crossThread(count, false);
  const posted = await crossThread(count, true);
  const rows: BenchRow[] = [];
  const add = (name: string, f: Figures): void => {
    rows.push(
      {
        name: `${name}: wall per round trip`,
        value: f.wallUs,
        unit: 'µs',
        ratio: f.wallUs / base.wallUs,
      },
      {
        name: `${name}: CPU per round trip (both threads)`,
        value: f.cpuUs,
        unit: 'µs',
        ratio: f.cpuUs / base.cpuUs,
      },
    );
  };
  add('same thread (setImmediate)', base);
  add('worker, Atomics.wait / waitAsync', atomics);
  add('worker, Atomics.wait / postMessage', posted);
  return {
    title: 'threads: one round trip between the host thread and a worker',
    baseline: 'a promise resolved through setImmediate on one thread, same run',
    rows,
    notes: [
      `${count} sequential round trips per variant after a warm-up; CPU is the process's user + system time (every thread).`,
      'An invocation is one round trip; each capability call it makes is one more.',
    ],
  };
};

export default bench;
