// Test helpers for component authors: build a guest with the real toolchain (cached by content
// hash) and run it in a runtime with in-memory capabilities.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildComponent,
  createRuntime,
  memoryCapabilities,
  type CapabilityHandler,
  type LoadedComponent,
  type MemoryCapabilities,
  type Runtime,
} from '../../src/runtime/index.ts';

export interface TestComponent {
  component: LoadedComponent;
  capabilities: MemoryCapabilities;
  runtime: Runtime;
  close(): Promise<void>;
}

/**
 * Builds the component at `entry` (cached in `<repo>/.cache/components`) and loads it.
 * Key-value, config and logging are in memory; `forward` answers messaging, HTTP and lattice calls.
 */
export async function testComponent(
  entry: URL | string,
  options: {
    config?: Record<string, string>;
    forward?: CapabilityHandler;
    lang?: 'ts' | 'as';
  } = {},
): Promise<TestComponent> {
  const file = entry instanceof URL ? fileURLToPath(entry) : entry;
  const cacheDir = fileURLToPath(new URL('../../.cache/components', import.meta.url));
  const { component: bytes } = await buildComponent({
    entry: file,
    cacheDir,
    ...(options.lang ? { lang: options.lang } : {}),
  });
  const capabilities = memoryCapabilities({
    ...(options.config ? { config: options.config } : {}),
    ...(options.forward ? { forward: options.forward } : {}),
  });
  const runtime = createRuntime({ capabilities: capabilities.handler });
  const component = await runtime.load(bytes, { name: path.basename(path.dirname(file)) });
  return { component, capabilities, runtime, close: () => runtime.close() };
}
