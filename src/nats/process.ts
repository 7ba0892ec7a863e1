import { appendFileSync } from 'node:fs';

/** True while a process with this PID exists (and is not a zombie we can signal). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Records a PID that Aloft spawned in the file named by `$ALOFT_PID_LOG`, when set. The test runner
 * sets it and, after the suite, checks that every recorded process is gone.
 */
export function recordPid(pid: number, what: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = env.ALOFT_PID_LOG;
  if (file) appendFileSync(file, `${pid} ${what}\n`);
}

/** Sends `signal` to `pid`, ignoring a process that is already gone. */
export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * Stops a process we do not own as a child (e.g. one started by an earlier `aloft up`): SIGTERM,
 * then SIGKILL after `graceMs`; resolves once it is gone.
 */
export async function stopPid(pid: number, graceMs = 3000): Promise<void> {
  signalPid(pid, 'SIGTERM');
  const deadline = performance.now() + graceMs;
  while (isAlive(pid)) {
    if (performance.now() > deadline) {
      signalPid(pid, 'SIGKILL');
      signalPid(pid, 'SIGCONT');
    }
    await new Promise((r) => setTimeout(r, 20));
    if (performance.now() > deadline + 5000) break;
  }
}
