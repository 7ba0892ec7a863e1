// Child of bench/runtime.ts: cold start in a fresh process. Prints {loadMs, firstMs}.
import { readFile } from 'node:fs/promises';
import { createRuntime, memoryCapabilities } from '../src/runtime/index.ts';

const t0 = performance.now();
const [wasm, cacheDir] = process.argv.slice(2);
const runtime = createRuntime({
  cacheDir,
  capabilities: memoryCapabilities().handler,
  spareWorkers: 0,
});
const component = await runtime.load(await readFile(wasm ?? ''), { name: 'cold' });
const t1 = performance.now();
await component.handleHttp({ method: 'GET', path: '/', headers: [], body: new Uint8Array() });
const t2 = performance.now();
await runtime.close();
console.log(JSON.stringify({ loadMs: t1 - t0, firstMs: t2 - t1 }));
