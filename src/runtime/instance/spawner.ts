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
  /**
   * Lowers the thread's scheduling priority for good (where the platform allows), so a guest
   * that burns CPU yields to the host and to other components. Returns false when it cannot.
   */
  deprioritize?(): boolean;
  /** CPU time the thread has used, in ms, where the platform can tell. */
  cpuTimeMs?(): number | undefined;
  /**
   * Time the thread has been runnable (running, or ready and waiting for a CPU), in ms: unlike
   * CPU time, it shows a thread that wants to run all the time even on a crowded machine.
   */
  runnableMs?(): number | undefined;
}

/**
 * Starts instance workers: the seam between the portable pool and the platform's threads.
 * Implementations may keep started-but-uninitialised workers in reserve so that a load or a
 * replacement does not pay a thread's start-up.
 */
export interface WorkerSpawner {
  /** Starts (or takes a spare) worker, sends it `init`, resolves once it has instantiated. */
  spawn(init: WorkerInit): Promise<{ worker: InstanceWorker; ready: WorkerReady }>;
  /** Stops the spares. Workers already handed out are their pool's to stop. */
  close(): Promise<void>;
}
