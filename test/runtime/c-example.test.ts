// The C example (examples/hello-c) builds with Debian's clang-19 and runs; skipped, visibly,
// where that toolchain is not installed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { createRuntime, isGuestError, memoryCapabilities } from '../../src/runtime/index.ts';
import { buildHelloC } from '../../examples/hello-c/build.ts';

function hasClang(): boolean {
  try {
    execFileSync('clang-19', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip = hasClang()
  ? false
  : 'clang-19 not installed (apt-get install clang-19 lld-19 libclang-rt-19-dev-wasm32 wasi-libc)';

it('builds the C example and serves HTTP and operations', { skip }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'aloft-c-'));
  const caps = memoryCapabilities();
  const runtime = createRuntime({ capabilities: caps.handler });
  try {
    const c = await runtime.load(await buildHelloC(dir), { name: 'hello-c' });
    const res = await c.handleHttp({
      method: 'GET',
      path: '/c',
      headers: [['a', 'b']],
      body: new Uint8Array(),
    });
    assert.equal(res.status, 200);
    assert.equal(new TextDecoder().decode(res.body), 'hello from C /c');
    assert.equal(caps.logs.at(-1)?.message, 'hello from C /c');
    assert.deepEqual(await c.call('echo', new Uint8Array([1, 2])), new Uint8Array([1, 2]));
    await assert.rejects(
      c.call('nope', new Uint8Array()),
      (err) => isGuestError(err) && err.guestCode === 'NO_SUCH_OPERATION',
    );
  } finally {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  }
});
