import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { recordPid, signalPid } from '../src/nats/index.ts';

/** Subjects the echo process answers. */
export const ECHO_SUBJECTS = {
  /** Echoes the payload. */
  plain: 'bench.ext',
  /** Reads the lattice's call headers first (as a host does), then echoes the payload. */
  headers: 'bench.ext.headers',
} as const;

/**
 * A raw nats.js echo responder in its own Node process: the like-for-like baseline for a call to
 * a host, which is always another process. Stop it with the returned function.
 */
export async function startEchoProcess(url: string): Promise<() => void> {
  const script = `import { connect } from '@nats-io/transport-node';
const nc = await connect({ servers: ${JSON.stringify(url)}, noAsyncTraces: true });
nc.subscribe(${JSON.stringify(ECHO_SUBJECTS.plain)}, { callback: (_e, m) => m.respond(m.data) });
nc.subscribe(${JSON.stringify(ECHO_SUBJECTS.headers)}, {
  callback: (_e, m) => {
    const op = m.headers?.get('Aloft-Operation');
    const timeout = Number(m.headers?.get('Aloft-Timeout-Ms'));
    if (!op || !(timeout > 0)) throw new Error('call headers missing');
    m.respond(m.data);
  },
});
await nc.flush();
console.log('ready');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: join(import.meta.dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = child.pid ?? 0;
  recordPid(pid, 'bench echo responder');
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`echo responder exited (${code})`)));
  });
  return () => signalPid(pid, 'SIGTERM');
}
