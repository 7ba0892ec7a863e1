import type { WorkerInit, WorkerReady } from '../protocol.ts';

/** A running instance worker, as the pool sees it (Node worker_threads or a browser Web Worker). */
export interface InstanceWorker {
  /** Stops the worker at once, even while the guest spins. */
  terminate(): Promise<void>;
  /** Called once when the worker exits or crashes for any reason. */
  onExit(listener: (error: Error | undefined) => void): void;
  /** Keep the process alive while the worker is busy (no-op where meaningless). */
  ref(): void;
  /** Let the process exit while the worker is idle. */
  unref(): void;
}

/**
 * Starts a worker, sends it `init`, and resolves once it has instantiated the component.
 * The seam between the portable pool and the platform's threads.
 */
export type SpawnWorker = (
  init: WorkerInit,
) => Promise<{ worker: InstanceWorker; ready: WorkerReady }>;
