import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { recordPid, signalPid } from '../../src/nats/index.ts';
import { TEST_TRUST_FLAGS } from './signing.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'aloft.js');

/** A host running as its own process (`aloft host`), so that it can be killed or paused. */
export interface HostProcess {
  id: string;
  name: string;
  pid: number;
  /** The host's `/metrics` URL when it was started with `--metrics-port`. */
  metricsUrl: string | undefined;
  child: ChildProcess;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM (graceful stop) and wait; SIGKILL if it takes longer than `ms`. */
  stop(ms?: number): Promise<void>;
  /** stderr so far (JSON log lines), for failure messages. */
  logs(): string;
}

export async function spawnHost(opts: {
  natsUrls: string[];
  lattice: string;
  labels?: Record<string, string>;
  name: string;
  dataDir: string;
  heartbeatMs?: number;
  /** Trust flags; default: the test issuer only (signed components, as in production). */
  trust?: string[];
  /** Node flags for the host process (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** ALOFT_LOG_LEVEL of the process (default `info`). */
  logLevel?: string;
  /** More `aloft host` arguments (e.g. `--metrics-port 127.0.0.1:0`). */
  args?: string[];
  /** More environment (e.g. OTEL_* variables). */
  env?: NodeJS.ProcessEnv;
}): Promise<HostProcess> {
  const args = [
    ...(opts.nodeArgs ?? []),
    bin,
    'host',
    '--nats-url',
    opts.natsUrls.join(','),
    '--lattice',
    opts.lattice,
    '--name',
    opts.name,
    '--data-dir',
    opts.dataDir,
    '--heartbeat-ms',
    String(opts.heartbeatMs ?? 1000),
    ...Object.entries(opts.labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    ...(opts.trust ?? TEST_TRUST_FLAGS),
    ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ALOFT_LOG_LEVEL: opts.logLevel ?? 'info', ...opts.env },
  });
  const pid = child.pid ?? 0;
  recordPid(pid, `aloft host ${opts.name}`);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const first = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', resolve);
    void exited.then((code) =>
      reject(new Error(`host ${opts.name} exited (${code}) before starting:\n${stderr}`)),
    );
  });
  const { hostId, name, metricsUrl } = JSON.parse(first) as {
    hostId: string;
    name: string;
    metricsUrl?: string;
  };
  return {
    id: hostId,
    name,
    pid,
    metricsUrl,
    child,
    exited,
    signal: (sig) => signalPid(pid, sig),
    logs: () => stderr,
    stop: async (ms = 5000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalPid(pid, 'SIGCONT');
      signalPid(pid, 'SIGTERM');
      const t = setTimeout(() => signalPid(pid, 'SIGKILL'), ms);
      await exited;
      clearTimeout(t);
    },
  };
}
