import type {
  InstanceWorker,
  WorkerInit,
  WorkerReady,
  WorkerSpawner,
} from '../../runtime/index.ts';
import type { WebWorker, WorkerConstructor } from './globals.ts';

interface Started {
  worker: WebWorker;
  /** Set when the worker failed before it was handed out (script error, refused by the page). */
  failed: string | undefined;
  onError: (event: { message?: string }) => void;
}

/**
 * Starts component instances in dedicated Web Workers running the instance worker script
 * (`page/worker.ts`), the browser's counterpart of Node's `worker_threads` spawner: the pool, the
 * channel (SharedArrayBuffer + Atomics) and the deadlines are the runtime core's. One started
 * worker is kept in reserve so that a load or a replacement does not wait for a script start.
 *
 * A runaway guest is stopped with `terminate()`, which in browsers ends the worker at once.
 */
export function webWorkerSpawner(
  Worker: WorkerConstructor,
  scriptUrl: string,
  options: { spares?: number } = {},
): WorkerSpawner {
  const wanted = options.spares ?? 1;
  const spares: Started[] = [];
  let closed = false;
  let count = 0;

  const start = (): Started => {
    const worker = new Worker(scriptUrl, { type: 'module', name: `aloft-instance-${++count}` });
    const started: Started = { worker, failed: undefined, onError: () => undefined };
    started.onError = (event) => {
      started.failed = event.message || 'the instance worker script failed';
    };
    worker.addEventListener('error', started.onError);
    return started;
  };
  const refill = (): void => {
    while (!closed && spares.length < wanted) spares.push(start());
  };

  const handOver = (
    started: Started,
    init: WorkerInit,
  ): Promise<{ worker: InstanceWorker; ready: WorkerReady }> => {
    const { worker } = started;
    worker.removeEventListener('error', started.onError);
    const listeners: ((error: Error | undefined) => void)[] = [];
    let exited: { error: Error | undefined } | undefined;
    const exit = (error: Error | undefined): void => {
      if (exited) return;
      exited = { error };
      for (const l of listeners.splice(0)) l(error);
    };
    const handle: InstanceWorker = {
      terminate: () => {
        worker.terminate();
        exit(undefined);
        return Promise.resolve();
      },
      onExit: (listener) => {
        if (exited) listener(exited.error);
        else listeners.push(listener);
      },
      ref: () => undefined,
      unref: () => undefined,
    };
    return new Promise((resolve) => {
      let ready = false;
      worker.addEventListener('message', (event) => {
        if (ready) return;
        ready = true;
        resolve({ worker: handle, ready: event.data as WorkerReady });
      });
      // An uncaught error in a worker (the guest cannot cause one: traps are caught by the
      // worker loop) means the worker is unusable: stop it and tell the pool.
      worker.addEventListener('error', (event) => {
        const error = new Error(event.message || 'instance worker failed');
        worker.terminate();
        exit(error);
        if (!ready) {
          ready = true;
          resolve({ worker: handle, ready: { ready: false, error: error.message } });
        }
      });
      worker.postMessage(init);
    });
  };
  refill();
  return {
    spawn(init) {
      let started = spares.shift() ?? start();
      if (started.failed !== undefined) {
        // A spare that failed while waiting (e.g. its script did not load): try a fresh one.
        started.worker.terminate();
        started = start();
      }
      refill();
      return handOver(started, init);
    },
    close() {
      closed = true;
      for (const s of spares.splice(0)) s.worker.terminate();
      return Promise.resolve();
    },
  };
}
