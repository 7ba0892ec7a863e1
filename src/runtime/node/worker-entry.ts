// Entry of a Node instance worker: the Node-specific shell around the portable worker loop.
import { readlinkSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { runInstanceWorker, type GlueModule } from '../instance/worker-loop.ts';
import type { WorkerInit } from '../protocol.ts';

const port = parentPort;
if (port) {
  port.once('message', (init: WorkerInit) => {
    void runInstanceWorker(
      init,
      (msg) => port.postMessage(msg.ready ? { ...msg, ...threadId() } : msg),
      async (source) =>
        (await import(
          `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`
        )) as GlueModule,
    );
  });
}

/** This thread's OS id (Linux: `/proc/thread-self` → `<pid>/task/<tid>`), so the host can lower its priority. */
function threadId(): { tid?: number } {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? { tid } : {};
  } catch {
    return {};
  }
}
