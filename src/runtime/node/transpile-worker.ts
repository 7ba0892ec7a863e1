import { Worker } from 'node:worker_threads';
import { BINDGEN_OPTIONS, artifactFrom, type Artifact, type BindgenOutput } from '../transpile.ts';

// Plain JS run in a worker: imports jco's bindgen by absolute URL and transpiles one component.
const code = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.bindgen)
  .then(({ generate }) => generate(workerData.component, workerData.options))
  .then(
    (out) => parentPort.postMessage({ out }, out.files.map(([, b]) => b.buffer)),
    (err) => parentPort.postMessage({ error: String(err && err.message || err) }),
  );
`;

/**
 * Transpiles in a short-lived worker thread, so that the ~1 s a 12 MB component takes does not
 * stall the invocations the main thread is serving meanwhile.
 */
export function transpileInWorker(component: Uint8Array): Promise<Artifact> {
  const bindgen = import.meta.resolve('jco-runtime/component');
  return new Promise<Artifact>((resolve, reject) => {
    const worker = new Worker(code, {
      eval: true,
      execArgv: [],
      workerData: { bindgen, component, options: BINDGEN_OPTIONS },
    });
    worker.once('message', (msg: { out?: BindgenOutput; error?: string }) => {
      void worker.terminate();
      if (msg.out) resolve(artifactFrom(msg.out));
      else reject(new Error(msg.error ?? 'transpile failed'));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`transpile worker exited with code ${code}`)));
  });
}
