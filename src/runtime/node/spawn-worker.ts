import { Worker } from 'node:worker_threads';
import type { InstanceWorker, SpawnWorker } from '../instance/spawner.ts';
import type { WorkerReady } from '../protocol.ts';

const fromSource = import.meta.url.endsWith('.ts');
const entry = new URL(fromSource ? './worker-entry.ts' : './worker-entry.js', import.meta.url);
const boot = new URL('./worker-boot.mjs', import.meta.url);

/** Spawns instance workers with `node:worker_threads`. */
export function nodeSpawnWorker(options: { stackSizeMb?: number } = {}): SpawnWorker {
  return async (init) => {
    const worker = new Worker(boot, {
      workerData: { entry: entry.href, tsx: fromSource },
      stdout: false,
      stderr: false,
      ...(options.stackSizeMb ? { resourceLimits: { stackSizeMb: options.stackSizeMb } } : {}),
    });
    const listeners: ((error: Error | undefined) => void)[] = [];
    let exited = false;
    let lastError: Error | undefined;
    worker.on('error', (err) => {
      lastError = err;
    });
    worker.once('exit', (code) => {
      exited = true;
      const err =
        lastError ?? (code === 0 ? undefined : new Error(`worker exited with code ${code}`));
      for (const l of listeners) l(err);
    });
    const ready = await new Promise<WorkerReady>((resolve) => {
      worker.once('message', (msg: WorkerReady) => resolve(msg));
      worker.once('exit', () =>
        resolve({ ready: false, error: lastError?.message ?? 'worker exited during start' }),
      );
      worker.postMessage(init);
    });
    const handle: InstanceWorker = {
      terminate: async () => {
        await worker.terminate();
      },
      onExit: (listener) => {
        if (exited) listener(lastError);
        else listeners.push(listener);
      },
      ref: () => worker.ref(),
      unref: () => worker.unref(),
    };
    return { worker: handle, ready };
  };
}
