import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capMemory, capMemoryInPlace, MemoryCapTooSmall, prepareMemoryCap } from './memory-cap.ts';
import { renameExports, coreExportNames } from './exports.ts';
import { customSections, wasmKind } from './binary.ts';

/** (module (memory (export "memory") min max?)) */
function moduleWithMemory(min: number, max?: number): Uint8Array {
  const limits = max === undefined ? [0x00, min] : [0x01, min, max];
  const memory = [0x05, 1 + limits.length, 0x01, ...limits];
  const exports = [0x07, 0x0a, 0x01, 0x06, ...new TextEncoder().encode('memory'), 0x02, 0x00];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...memory, ...exports]);
}

function grows(bytes: Uint8Array, pages: number): boolean {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const memory = instance.exports.memory as { grow(n: number): number };
  try {
    memory.grow(pages);
    return true;
  } catch {
    return false;
  }
}

describe('capMemory', () => {
  it('caps an unbounded memory so growth past the cap fails', () => {
    const module = moduleWithMemory(1);
    assert.equal(grows(module, 10), true);
    const capped = capMemory(module, 4);
    assert.equal(grows(capped, 3), true);
    assert.equal(grows(capped, 4), false);
  });

  it('keeps a lower existing maximum', () => {
    const capped = capMemory(moduleWithMemory(1, 2), 100);
    assert.equal(grows(capped, 1), true);
    assert.equal(grows(capped, 2), false);
  });

  it('refuses a cap below the initial size', () => {
    assert.throws(() => capMemory(moduleWithMemory(8), 4), MemoryCapTooSmall);
  });

  it('leaves a module without memory unchanged', () => {
    const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    assert.equal(capMemory(empty, 4), empty);
  });
});

describe('wasm binary helpers', () => {
  it('renames exports', () => {
    const renamed = renameExports(moduleWithMemory(1), (n) => `ns:pkg/iface@1.0.0#${n}`);
    assert.deepEqual(coreExportNames(renamed), ['ns:pkg/iface@1.0.0#memory']);
    assert.doesNotThrow(() => new WebAssembly.Module(renamed));
  });

  it('classifies bytes and reads custom sections', () => {
    const name = new TextEncoder().encode('aloft-claims');
    const payload = new TextEncoder().encode('{"iss":"me"}');
    const custom = [0x00, 1 + name.length + payload.length, name.length, ...name, ...payload];
    const bytes = new Uint8Array([...moduleWithMemory(1), ...custom]);
    assert.equal(wasmKind(bytes), 'core-module');
    assert.equal(
      wasmKind(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00])),
      'component',
    );
    assert.equal(wasmKind(new Uint8Array([1, 2, 3])), 'not-wasm');
    assert.equal(
      new TextDecoder().decode(customSections(bytes).get('aloft-claims')),
      '{"iss":"me"}',
    );
  });
});

describe('capMemoryInPlace', () => {
  it('caps a prepared module without copying it, again and again with different caps', () => {
    const prepared = prepareMemoryCap(moduleWithMemory(1));
    const originals = new WeakMap<Uint8Array, number[]>();
    assert.equal(capMemoryInPlace(prepared, 4, originals), true);
    assert.equal(grows(prepared, 3), true);
    assert.equal(grows(prepared, 4), false);
    assert.equal(capMemoryInPlace(prepared, 8, originals), true, 'a larger cap later is honoured');
    assert.equal(grows(prepared, 7), true);
    assert.equal(grows(prepared, 8), false);
  });

  it('keeps a lower declared maximum and refuses a cap below the initial size', () => {
    const prepared = prepareMemoryCap(moduleWithMemory(2, 3));
    const originals = new WeakMap<Uint8Array, number[]>();
    assert.equal(capMemoryInPlace(prepared, 100, originals), true);
    assert.equal(grows(prepared, 1), true);
    assert.equal(grows(prepared, 2), false);
    assert.throws(() => capMemoryInPlace(prepared, 1, originals), MemoryCapTooSmall);
  });

  it('reports an unprepared module and leaves it alone', () => {
    const plain = moduleWithMemory(1);
    const copy = plain.slice();
    assert.equal(capMemoryInPlace(plain, 4, new WeakMap()), false);
    assert.deepEqual(plain, copy);
  });
});
