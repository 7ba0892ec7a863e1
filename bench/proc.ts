/** CPU time of processes and their main threads, from /proc (Linux). */
import { readFileSync } from 'node:fs';

/** USER_HZ is 100 on Linux: one tick is 10 ms. */
const TICK_MS = 10;

/** user + system ticks of a `stat` file (`/proc/<pid>/stat` or a thread's). */
function ticks(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** User + system CPU milliseconds of processes so far, every thread. */
export function cpuMs(pids: number[]): number {
  return pids.reduce((ms, pid) => ms + ticks(`/proc/${pid}/stat`) * TICK_MS, 0);
}

/** User + system CPU milliseconds of the processes' main threads so far. */
export function mainThreadCpuMs(pids: number[]): number {
  return pids.reduce((ms, pid) => ms + ticks(`/proc/${pid}/task/${pid}/stat`) * TICK_MS, 0);
}
