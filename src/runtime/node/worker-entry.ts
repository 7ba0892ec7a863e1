// Entry of a Node instance worker: the Node-specific shell around the portable worker loop.
import { parentPort } from 'node:worker_threads';
import { runInstanceWorker, type GlueModule } from '../instance/worker-loop.ts';
import type { WorkerInit } from '../protocol.ts';

const port = parentPort;
if (port) {
  port.once('message', (init: WorkerInit) => {
    void runInstanceWorker(
      init,
      (msg) => port.postMessage(msg),
      async (source) =>
        (await import(
          `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`
        )) as GlueModule,
    );
  });
}
