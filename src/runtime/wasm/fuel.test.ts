import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes } from '../../support/index.ts';
import { encodeSection } from './binary.ts';
import { writeU32 } from './leb.ts';
import { FUEL_EXPORT, meterFuel, UNMETERED } from './fuel.ts';

/**
 * A module with one memory page and one exported function `run: (i32) -> i32` whose body is
 * `code` (instructions, without the final `end`), and `extraLocals` i32 locals.
 */
function moduleWith(code: number[], extraLocals = 0): Uint8Array {
  const type = encodeSection(1, [1, 0x60, 1, 0x7f, 1, 0x7f]);
  const func = encodeSection(3, [1, 0]);
  const memory = encodeSection(5, [1, 0x00, 1]);
  const name = [...new TextEncoder().encode('run')];
  const exports = encodeSection(7, [1, name.length, ...name, 0x00, 0]);
  const locals = extraLocals > 0 ? [1, ...writeU32(extraLocals), 0x7f] : [0];
  const body = [...locals, ...code, 0x0b];
  const codeSection = encodeSection(10, [1, ...writeU32(body.length), ...body]);
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  return concatBytes([header, type, func, memory, exports, codeSection]);
}

interface Metered {
  run: (n: number) => number;
  fuel: { value: bigint };
}

function instantiate(bytes: Uint8Array): Metered {
  const metered = meterFuel(bytes);
  assert.ok(metered, 'the module is metered');
  const instance = new WebAssembly.Instance(new WebAssembly.Module(metered));
  const exports = instance.exports;
  return { run: exports.run as Metered['run'], fuel: exports[FUEL_EXPORT] as Metered['fuel'] };
}

// for (i = n; i != 0; i--) {}; return n   — the loop header runs n times (n ≥ 1)
// prettier-ignore
const countdown = [
  0x20, 0, 0x21, 1, //                  local.set 1 (local.get 0)
  0x03, 0x40, //                        loop
  0x20, 1, 0x41, 1, 0x6b, 0x22, 1, //   local.tee 1 (i - 1)
  0x0d, 0, //                           br_if 0
  0x0b, //                              end
  0x20, 0, //                           local.get 0
];

describe('fuel metering', () => {
  it('starts a module with fuel it cannot burn, so instantiation and workers run unmetered', () => {
    const m = instantiate(moduleWith(countdown, 1));
    assert.equal(m.fuel.value, UNMETERED);
    assert.equal(m.run(1000), 1000);
  });

  it('charges one unit per function entry and per loop iteration, exactly', () => {
    const m = instantiate(moduleWith(countdown, 1));
    for (const n of [1, 7, 1000]) {
      m.fuel.value = 1_000_000n;
      assert.equal(m.run(n), n);
      assert.equal(1_000_000n - m.fuel.value, BigInt(n + 1), `${n} iterations`);
    }
  });

  it('traps with unreachable once the fuel is gone, and the fuel says so', () => {
    const spin = instantiate(moduleWith([0x03, 0x40, 0x0c, 0x00, 0x0b, 0x41, 0x00]));
    spin.fuel.value = 10_000n;
    assert.throws(
      () => spin.run(0),
      (err) => err instanceof WebAssembly.RuntimeError,
    );
    assert.ok(spin.fuel.value < 0n);
  });

  it('charges memory.fill by size: 1 + 1 per KiB', () => {
    // memory.fill(0, 7, 65536); return 0
    const fill = [0x41, 0, 0x41, 7, 0x41, 0x80, 0x80, 0x04, 0xfc, 0x0b, 0x00, 0x41, 0];
    const m = instantiate(moduleWith(fill));
    m.fuel.value = 1000n;
    assert.equal(m.run(0), 0);
    assert.equal(1000n - m.fuel.value, 1n + 1n + 64n);
  });

  it('stops a loop of large fills before it runs long', () => {
    // loop { memory.fill(0, 1, 65536); br 0 }
    const fills = [
      0x03, 0x40, 0x41, 0, 0x41, 1, 0x41, 0x80, 0x80, 0x04, 0xfc, 0x0b, 0x00, 0x0c, 0, 0x0b, 0x41,
      0,
    ];
    const m = instantiate(moduleWith(fills));
    m.fuel.value = 66n * 100n;
    assert.throws(
      () => m.run(0),
      (err) => err instanceof WebAssembly.RuntimeError,
    );
    assert.ok(m.fuel.value < 0n);
  });

  it('leaves alone what it cannot meter: an unknown instruction, or a metered module', () => {
    assert.equal(meterFuel(moduleWith([0xfb, 0x00, 0x41, 0])), undefined);
    const once = meterFuel(moduleWith(countdown, 1));
    assert.ok(once);
    assert.equal(meterFuel(once), undefined);
    assert.equal(meterFuel(new Uint8Array([1, 2, 3])), undefined);
  });
});
