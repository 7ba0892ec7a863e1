// Builds __NAME__ (AssemblyScript) with the real toolchain and runs it with in-memory capabilities.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { testComponent, type TestComponent } from '__SDK__/testing.ts';

let c: TestComponent;
before(async () => {
  c = await testComponent(new URL('./index.ts', import.meta.url), { config: { greeting: 'hi' } });
});
after(() => c.close());

it('greets over HTTP with the configured greeting', async () => {
  const res = await c.component.handleHttp({ method: 'GET', path: '/', headers: [], body: new Uint8Array() });
  assert.equal(res.status, 200);
  assert.equal(new TextDecoder().decode(res.body), 'hi from __NAME__');
  assert.equal(c.capabilities.logs.at(-1)?.message, 'GET /');
});

it('remembers through key-value', async () => {
  await c.component.call('remember', new TextEncoder().encode('42'));
  assert.equal(new TextDecoder().decode(await c.component.call('recall', new Uint8Array())), '42');
});
