import type { Logger } from '../../support/index.ts';
import type { WorkerConstructor } from './globals.ts';

/**
 * A heartbeat timer that keeps time in a dedicated worker. Browsers throttle the timers of a
 * hidden page (Chrome: to once a second, and after five minutes hidden to once a minute), which
 * would make a background tab miss its heartbeats and be declared lost; a worker's timers are not
 * throttled that way, and its messages reach the page at once. Falls back to the page's own
 * timer when the worker cannot start.
 */
export function workerTicker(
  Worker: WorkerConstructor,
  logger: Logger,
): (ms: number, fn: () => void) => () => void {
  return (ms, fn) => {
    const period = Math.max(1, Math.floor(ms));
    const url = URL.createObjectURL(
      new Blob([`setInterval(() => postMessage(0), ${period});`], { type: 'text/javascript' }),
    );
    let fallback: ReturnType<typeof setInterval> | undefined;
    const worker = new Worker(url, { type: 'module', name: 'aloft-heartbeat' });
    worker.addEventListener('message', () => {
      URL.revokeObjectURL(url);
      fn();
    });
    worker.addEventListener('error', (event) => {
      logger.warn('heartbeat worker failed; using the page timer (throttled while hidden)', {
        error: event.message,
      });
      worker.terminate();
      fallback ??= setInterval(fn, period);
    });
    return () => {
      worker.terminate();
      URL.revokeObjectURL(url);
      if (fallback !== undefined) clearInterval(fallback);
    };
  };
}
