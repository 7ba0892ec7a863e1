// Boots an instance worker. When the runtime runs from TypeScript sources (tests, the CLI via
// tsx), loader hooks registered in the parent do not reach workers: register tsx here first.
import { workerData } from 'node:worker_threads';

if (workerData.tsx) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
