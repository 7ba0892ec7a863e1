import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { InstanceWorker, WorkerSpawner } from '../instance/spawner.ts';
import type { WorkerInit, WorkerReady } from '../protocol.ts';
import { workerScript } from './worker-script.ts';

/**
 * The parent's Node flags without module loaders: workers run a plain JS bundle, and an
 * inherited `--import tsx` would cost each worker ~400 ms of start-up.
 */
export function workerExecArgv(parent: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const arg = parent[i] ?? '';
    if (/^--(import|require|loader|experimental-loader)$/.test(arg) || arg === '-r') i++;
    else if (!/^--(import|require|loader|experimental-loader)=/.test(arg)) out.push(arg);
  }
  return out;
}

/**
 * Terminates a thread, waiting at most 2 s: terminate() of a thread still booting can take long
 * on a loaded machine. The thread is unref'd first, so it never holds the process open.
 */
async function stopThread(worker: Worker): Promise<void> {
  worker.unref();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 2_000);
    timer.unref();
  });
  await Promise.race([worker.terminate(), bound]);
  clearTimeout(timer);
}

interface Started {
  worker: Worker;
  /** Set when the thread died before it was handed out. */
  failed: Error | undefined;
}

/**
 * Spawns instance workers with `node:worker_threads`, keeping `spares` started threads in
 * reserve (a thread starts in 30–60 ms; handing over a spare costs only the instantiation).
 */
export function nodeWorkerSpawner(options: { spares?: number } = {}): WorkerSpawner {
  const execArgv = workerExecArgv();
  const wanted = options.spares ?? 1;
  const spares: Promise<Started>[] = [];
  let closed = false;

  const start = async (): Promise<Started> => {
    const worker = new Worker(await workerScript(), { execArgv, stdout: false, stderr: false });
    const started: Started = { worker, failed: undefined };
    worker.on('error', (err) => {
      started.failed = err;
    });
    worker.unref();
    return started;
  };
  const refill = (): void => {
    while (!closed && spares.length < wanted) spares.push(start());
  };
  refill();

  const handOver = (
    started: Started,
    init: WorkerInit,
  ): Promise<{ worker: InstanceWorker; ready: WorkerReady }> => {
    const { worker } = started;
    const listeners: ((error: Error | undefined) => void)[] = [];
    let exited = false;
    let lastError = started.failed;
    worker.on('error', (err) => {
      lastError = err;
    });
    worker.once('exit', (code) => {
      exited = true;
      const err =
        lastError ?? (code === 0 ? undefined : new Error(`worker exited with code ${code}`));
      for (const l of listeners) l(err);
    });
    const handle: InstanceWorker = {
      terminate: async () => {
        await stopThread(worker);
      },
      onExit: (listener) => {
        if (exited) listener(lastError);
        else listeners.push(listener);
      },
      ref: () => worker.ref(),
      unref: () => worker.unref(),
    };
    return new Promise((resolve) => {
      worker.once('message', (ready: WorkerReady) => {
        const tid = ready.ready ? ready.tid : undefined;
        if (tid !== undefined) {
          handle.deprioritize = () => {
            if (exited) return false;
            try {
              setPriority(tid, 19);
              return true;
            } catch {
              return false;
            }
          };
          handle.cpuTimeMs = () => (exited ? undefined : threadSched(tid)?.cpuMs);
          handle.runnableMs = () => (exited ? undefined : threadSched(tid)?.runnableMs);
        }
        resolve({ worker: handle, ready });
      });
      worker.once('exit', () =>
        resolve({
          worker: handle,
          ready: { ready: false, error: lastError?.message ?? 'worker exited during start' },
        }),
      );
      worker.ref();
      worker.postMessage(init);
    });
  };

  return {
    async spawn(init) {
      let started = await (spares.shift() ?? start());
      if (started.failed) started = await start();
      refill();
      return handOver(started, init);
    },
    async close() {
      closed = true;
      const pending = spares.splice(0);
      await Promise.all(
        pending.map(async (p) => {
          await stopThread((await p).worker);
        }),
      );
    },
  };
}

/**
 * Thread `tid`'s time on a CPU and time runnable (on a CPU or waiting in the run queue), in ms,
 * from /proc/self/task/<tid>/schedstat (Linux, nanoseconds).
 */
function threadSched(tid: number): { cpuMs: number; runnableMs: number } | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8')
      .split(' ')
      .map(Number);
    if (run === undefined || wait === undefined || Number.isNaN(run + wait)) return undefined;
    return { cpuMs: run / 1e6, runnableMs: (run + wait) / 1e6 };
  } catch {
    return undefined;
  }
}
