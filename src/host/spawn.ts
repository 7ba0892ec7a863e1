import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, recordPid } from '../nats/index.ts';
import { AloftError, pollUntil } from '../support/index.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'aloft.js');

/**
 * Starts `aloft <args>` as a detached background process (it outlives this command), its stdout
 * and stderr in `<logDir>/<name>.out|.log`, and resolves with its pid and the first line it
 * printed (a JSON announcement such as a host's id).
 */
export async function spawnAloft(
  name: string,
  args: string[],
  logDir: string,
  timeoutMs = 30_000,
  /** A command prefix that keeps the PID, e.g. `['ip', 'netns', 'exec', 'ns1']`. */
  exec: readonly string[] = [],
): Promise<{ pid: number; announcement: string }> {
  mkdirSync(logDir, { recursive: true });
  const outFile = join(logDir, `${name}.out`);
  const out = openSync(outFile, 'w');
  const err = openSync(join(logDir, `${name}.log`), 'w');
  const [cmd = process.execPath, ...argv] = [...exec, process.execPath, bin, ...args];
  const child = spawn(cmd, argv, {
    stdio: ['ignore', out, err],
    detached: true,
  });
  closeSync(out);
  closeSync(err);
  const pid = child.pid;
  if (!pid) throw new AloftError('SPAWN_FAILED', `could not start aloft ${args[0] ?? ''}`);
  recordPid(pid, `aloft ${name}`);
  child.unref();
  const tail = (): string => {
    try {
      return readFileSync(join(logDir, `${name}.log`), 'utf8')
        .trim()
        .split('\n')
        .slice(-3)
        .join(' | ');
    } catch {
      return '';
    }
  };
  const line = await pollUntil(
    () => {
      const first = readFileSync(outFile, 'utf8').split('\n')[0];
      if (first) return first;
      if (!isAlive(pid)) return 'exited';
      return undefined;
    },
    { timeoutMs, intervalMs: 50, what: `${name} to start` },
  ).catch((err: unknown) => {
    // Still starting after the timeout: say what it was doing (its last log lines).
    const last = tail();
    throw new AloftError(
      'SPAWN_TIMEOUT',
      `${err instanceof Error ? err.message : String(err)}${last ? `; its log ends: ${last}` : ' (nothing logged)'}`,
    );
  });
  if (line === 'exited') {
    throw new AloftError('SPAWN_FAILED', `${name} exited during start-up: ${tail()}`);
  }
  return { pid, announcement: line };
}
