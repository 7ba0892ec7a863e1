/**
 * Runs `wrk` (Debian's package; `npm run bench` installs it through scripts/bootstrap.mjs) and
 * reads its summary: requests per second, latency percentiles, failed responses.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordPid } from '../src/nats/index.ts';

export interface WrkResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Non-2xx/3xx responses plus socket errors (connect, read, write, timeout). */
  failed: number;
}

/** Milliseconds from a wrk duration (`812.00us`, `1.20ms`, `2.01s`). */
export function wrkMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`unreadable wrk duration: ${text}`);
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(m[1]) * scale;
}

/** The figures of wrk's `--latency` report. */
export function parseWrk(out: string): WrkResult {
  const pct = (p: string): number => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(out);
    if (!m?.[1]) throw new Error(`wrk printed no ${p}% latency:\n${out}`);
    return wrkMs(m[1]);
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
  const total = /(\d+) requests in/.exec(out)?.[1];
  if (!rps || !total) throw new Error(`unreadable wrk output:\n${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0;
  return {
    requestsPerSec: Number(rps),
    p50Ms: pct('50'),
    p99Ms: pct('99'),
    requests: Number(total),
    failed: non2xx + socketErrors,
  };
}

/** One wrk run against `url` with `method` over 16 counter names (`/counters/c0…c15`). */
export async function runWrk(opts: {
  url: string;
  method: 'GET' | 'POST';
  durationS: number;
  connections: number;
  /** Where to write the request script. */
  dir: string;
}): Promise<WrkResult> {
  const script = join(opts.dir, `wrk-${opts.method}.lua`);
  writeFileSync(
    script,
    `local i = 0
wrk.method = "${opts.method}"
request = function()
  i = (i + 1) % 16
  return wrk.format(nil, "/counters/c" .. i)
end
`,
  );
  const child = spawn(
    'wrk',
    ['-t1', `-c${opts.connections}`, `-d${opts.durationS}s`, '--latency', '-s', script, opts.url],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  recordPid(child.pid ?? 0, 'wrk');
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (err) =>
      reject(
        new Error(
          `cannot run wrk (${err.message}); install it: node scripts/bootstrap.mjs --bench`,
        ),
      ),
    );
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`wrk exited with ${code}:\n${out}`);
  return parseWrk(out);
}
