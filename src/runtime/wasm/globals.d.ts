// The slice of the WebAssembly JS API and Atomics.waitAsync the runtime uses. Node 20 and
// browsers provide them, but lib ES2023 declares neither (they live in lib.dom / ES2024).
declare namespace WebAssembly {
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class RuntimeError extends Error {}
  class Memory {
    readonly buffer: ArrayBuffer;
  }
  /** A global; the metered modules' fuel is a mutable i64 (a bigint on the JS side). */
  class Global {
    value: unknown;
  }
  function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>;
  function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
}

interface Atomics {
  waitAsync(
    typedArray: Int32Array,
    index: number,
    value: number,
    timeout?: number,
  ):
    | { async: false; value: 'not-equal' | 'timed-out' }
    | { async: true; value: Promise<'ok' | 'timed-out'> };
}
