import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { recordPid, signalPid } from '../../src/nats/index.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'aloft.js');

/** A reconciler running as its own process (`aloft reconciler`), so that it can be killed. */
export async function spawnReconciler(opts: {
  natsUrls: string[];
  lattice: string;
  id: string;
  /** More `aloft reconciler` arguments (e.g. `--metrics-port 127.0.0.1:0`). */
  args?: string[];
}): Promise<{
  id: string;
  pid: number;
  /** The reconciler's `/metrics` URL when it was started with `--metrics-port`. */
  metricsUrl: string | undefined;
  child: ChildProcess;
  exited: Promise<number | null>;
  signal(sig: NodeJS.Signals): void;
  stop(): Promise<void>;
}> {
  const child = spawn(
    process.execPath,
    [
      bin,
      'reconciler',
      '--nats-url',
      opts.natsUrls.join(','),
      '--lattice',
      opts.lattice,
      '--id',
      opts.id,
      ...(opts.args ?? []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ALOFT_LOG_LEVEL: 'info' },
    },
  );
  const pid = child.pid ?? 0;
  recordPid(pid, `aloft reconciler ${opts.id}`);
  child.stderr?.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    void exited.then((code) => reject(new Error(`reconciler ${opts.id} exited (${code})`)));
  });
  const { metricsUrl } = JSON.parse(first) as { metricsUrl?: string };
  return {
    id: opts.id,
    pid,
    metricsUrl,
    child,
    exited,
    signal: (sig) => signalPid(pid, sig),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalPid(pid, 'SIGTERM');
      const t = setTimeout(() => signalPid(pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
