/**
 * `npm run bench -- runtime`: invocation latency and throughput of the TypeScript and
 * AssemblyScript hello components against a plain JS function doing the same work, cold start
 * from the transpile cache, and memory per instance.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildComponent,
  createRuntime,
  memoryCapabilities,
  type HttpRequest,
  type HttpResponse,
  type LoadedComponent,
} from '../src/runtime/index.ts';
import { delay } from '../src/support/index.ts';
import { percentile, throughput, timeSequential, type Bench, type BenchRow } from './harness.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const MiB = 1024 * 1024;
const enc = new TextEncoder();

/** What the hello components do, as a plain function: the baseline. */
function helloBaseline(req: HttpRequest): HttpResponse {
  return {
    status: 200,
    headers: [['content-type', 'text/plain; charset=utf-8']],
    body: enc.encode(`hello ${req.path}`),
  };
}

const req: HttpRequest = {
  method: 'GET',
  path: '/bench',
  headers: [['accept', '*/*']],
  body: new Uint8Array(),
};

async function build(name: string): Promise<Uint8Array> {
  const entry = path.join(root, 'examples', name, 'index.ts');
  return (await buildComponent({ entry, cacheDir: path.join(root, '.cache/components') }))
    .component;
}

/** Cold start in a fresh Node process: load from a warm transpile cache, then one request. */
function coldProcess(wasm: string, cacheDir: string): Promise<{ loadMs: number; firstMs: number }> {
  const script = path.join(root, 'bench/runtime-cold.ts');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', script, wasm, cacheDir], (err, stdout) => {
      if (err) reject(new Error(`cold-start child failed: ${err.message}`));
      else
        resolve(
          JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
            loadMs: number;
            firstMs: number;
          },
        );
    });
  });
}

const bench: Bench = async (ctx) => {
  const loadAtStart = loadavg();
  const seqCount = Number(ctx.args.find((a) => a.startsWith('--calls='))?.slice(8) ?? 20_000);
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'aloft-bench-rt-'));
  const caps = memoryCapabilities();
  const runtime = createRuntime({
    cacheDir,
    capabilities: caps.handler,
    limits: { maxInstances: 2, maxQueue: 256 },
  });
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  try {
    ctx.log('building hello components (cached by content hash)...');
    const bytes = { as: await build('hello-as'), ts: await build('hello-ts') };
    const wasmFiles = {
      as: path.join(cacheDir, 'hello-as.wasm'),
      ts: path.join(cacheDir, 'hello-ts.wasm'),
    };
    const { writeFile } = await import('node:fs/promises');
    await writeFile(wasmFiles.as, bytes.as);
    await writeFile(wasmFiles.ts, bytes.ts);

    // Baseline: the same work as a plain async function call in this thread.
    const baseFn = (): Promise<HttpResponse> => Promise.resolve(helloBaseline(req));
    await timeSequential(5_000, baseFn);
    const baseLat = await timeSequential(seqCount, baseFn);
    const baseRate = await throughput(seqCount * 5, 16, baseFn);
    const baseP50 = percentile(baseLat, 50);
    rows.push({ name: 'baseline (plain JS) p50', value: baseP50 * 1000, unit: 'µs', ratio: 1 });
    rows.push({ name: 'baseline (plain JS) invocations/s', value: baseRate, unit: '/s', ratio: 1 });

    const components: Record<'as' | 'ts', LoadedComponent> = {
      as: await runtime.load(bytes.as, { name: 'hello-as' }),
      ts: await runtime.load(bytes.ts, { name: 'hello-ts' }),
    };
    const goals = { as: { rate: 20_000, cold: 10 }, ts: { rate: 8_000, cold: 100 } };
    for (const lang of ['as', 'ts'] as const) {
      const c = components[lang];
      const fn = (): Promise<HttpResponse> => c.handleHttp(req);
      const res = await fn();
      if (new TextDecoder().decode(res.body) !== 'hello /bench')
        throw new Error(`${lang} hello answered wrongly`);
      await timeSequential(3_000, fn);
      const lat = await timeSequential(seqCount, fn);
      const p50 = percentile(lat, 50);
      const p99 = percentile(lat, 99);
      rows.push({
        name: `${lang.toUpperCase()} hello p50 (sequential)`,
        value: p50 * 1000,
        unit: 'µs',
        ratio: p50 / baseP50,
      });
      rows.push({
        name: `${lang.toUpperCase()} hello p99 (sequential)`,
        value: p99 * 1000,
        unit: 'µs',
        goal: '≤ 1,000 µs',
      });
      const rate = await throughput(seqCount * 2, 16, fn);
      rows.push({
        name: `${lang.toUpperCase()} hello invocations/s (2 instances, 16 in flight)`,
        value: rate,
        unit: '/s',
        ratio: rate / baseRate,
        goal: `≥ ${goals[lang].rate.toLocaleString('en-US')}`,
      });
      for (const inFlight of [4, 16]) {
        const lat: number[] = [];
        const timed = async (): Promise<void> => {
          const s = performance.now();
          await fn();
          lat.push(performance.now() - s);
        };
        const r = await throughput(seqCount, inFlight, timed);
        rows.push({
          name: `${lang.toUpperCase()} hello p99 with ${inFlight} in flight (${Math.round(r).toLocaleString('en-US')}/s)`,
          value: percentile(lat, 99) * 1000,
          unit: 'µs',
          ...(inFlight === 4 ? { goal: '≤ 1,000 µs' } : {}),
        });
      }
    }

    // A request that uses capabilities: key-value increment + config get + a log line.
    for (const lang of ['as', 'ts'] as const) {
      const echo = await runtime.load(await build(`echo-${lang}`), { name: `echo-${lang}` });
      const fn = (): Promise<HttpResponse> => echo.handleHttp(req);
      await timeSequential(2_000, fn);
      const lat = await timeSequential(seqCount / 2, fn);
      rows.push({
        name: `${lang.toUpperCase()} echo p50 (kv increment + config get + log per request)`,
        value: percentile(lat, 50) * 1000,
        unit: 'µs',
      });
      rows.push({
        name: `${lang.toUpperCase()} echo p99`,
        value: percentile(lat, 99) * 1000,
        unit: 'µs',
      });
      await echo.unload();
    }

    // Cold start from the transpile cache, on a running host: a fresh runtime (its spare thread
    // started), the artifact on disk, nothing compiled. Each sample uses another memory cap so
    // that neither Aloft's nor V8's per-process code cache can serve it.
    for (const lang of ['as', 'ts'] as const) {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        const host = createRuntime({ cacheDir, capabilities: caps.handler });
        await delay(1_000); // its spare thread boots meanwhile, as on a host that has been up a while
        const t0 = performance.now();
        const c = await host.load(bytes[lang], {
          name: `cold-${lang}-${i}`,
          limits: { memoryLimitBytes: 128 * MiB + (i + 1) * 65536 },
        });
        await c.handleHttp(req);
        samples.push(performance.now() - t0);
        await host.close();
      }
      rows.push({
        name: `${lang.toUpperCase()} cold start from cache, running host (load + first call, median of 5)`,
        value: percentile(samples, 50),
        unit: 'ms',
        goal: `≤ ${goals[lang].cold} ms`,
      });
      const fresh = await coldProcess(wasmFiles[lang], cacheDir);
      rows.push({
        name: `${lang.toUpperCase()} cold start from cache, fresh process (load + first call)`,
        value: fresh.loadMs + fresh.firstMs,
        unit: 'ms',
      });
    }

    // Memory per instance: marginal RSS of five more warm instances of a loaded component.
    for (const lang of ['as', 'ts'] as const) {
      const before = process.memoryUsage().rss;
      const five = await runtime.load(bytes[lang], {
        name: `rss-${lang}`,
        limits: { minInstances: 5, maxInstances: 5 },
      });
      await Promise.all(Array.from({ length: 10 }, () => five.handleHttp(req)));
      const after = process.memoryUsage().rss;
      rows.push({
        name: `${lang.toUpperCase()} RSS per instance (worker + instance)`,
        value: (after - before) / 5 / MiB,
        unit: 'MiB',
      });
      await five.unload();
    }
    notes.push(
      `Load average when the run started: ${loadAtStart.map((l) => l.toFixed(2)).join(' / ')} (1/5/15 min) on ${cpus().length} cores; figures on a shared machine vary ±30 % or more.`,
      'Each instance is one worker thread; a capability call blocks it on Atomics.wait while the main thread does the I/O. The AS components are small, so they are fuel-metered and their invocations without capability calls (hello) run on the host thread, up to a quarter of its time (docs/components.md, "On the host thread"); before 2026-12-01T23:00Z every invocation went to a worker.',
      'Cold start "running host": transpiled artifact on disk, compile + instantiate on a spare thread + first call.',
      'Cold start "fresh process": measured inside a new Node process from its first line (tsx start-up excluded).',
    );
  } finally {
    await runtime.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
  return {
    title: 'Component runtime: invocation cost, cold start, memory',
    baseline: 'a plain JS function building the same HTTP response, awaited in the main thread',
    rows,
    notes,
  };
};

export default bench;
