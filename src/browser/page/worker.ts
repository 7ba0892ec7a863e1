// Entry of a browser instance worker (`/join/worker.js`): the Web Worker shell around the
// portable worker loop, as `runtime/node/worker-entry.ts` is for Node's worker threads.
import { runInstanceWorker, type GlueModule, type WorkerInit } from '../../runtime/index.ts';
import { workerScope } from './globals.ts';

const scope = workerScope();
let started = false;
scope.addEventListener('message', (event) => {
  if (started) return;
  started = true;
  void runInstanceWorker(
    event.data as WorkerInit,
    (msg) => scope.postMessage(msg),
    // The jco glue is a self-contained ES module; a blob URL is same-origin, so the page's
    // cross-origin isolation allows it.
    async (source) => {
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      try {
        return (await import(url)) as GlueModule;
      } finally {
        URL.revokeObjectURL(url);
      }
    },
  );
});
