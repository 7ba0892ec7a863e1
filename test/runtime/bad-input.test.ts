// Acceptance: bad input is rejected with a typed error that says what is wrong and where.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { componentEmbed, componentNew } from '@bytecodealliance/jco';
import { isAloftError } from '../../src/support/index.ts';
import {
  buildComponent,
  createRuntime,
  inspectComponent,
  memoryCapabilities,
  validateComponent,
  type Runtime,
} from '../../src/runtime/index.ts';
import { enc, fixture, root } from './fixtures.ts';

/** A component with the given world, built in-process from a dummy core module. */
async function dummyComponent(wit: string, world: string): Promise<Uint8Array> {
  return componentNew(await componentEmbed({ witSource: wit, world, dummy: true }), []);
}

describe('bad components', () => {
  let runtime: Runtime;
  before(() => {
    runtime = createRuntime({ capabilities: memoryCapabilities().handler });
  });
  after(() => runtime.close());

  it('rejects bytes that are not WebAssembly', async () => {
    const check = (err: unknown): boolean =>
      isAloftError(err, 'COMPONENT_NOT_WASM') &&
      /magic bytes 00 61 73 6d, found 68 65 6c 6c/.test(err.message);
    assert.throws(() => validateComponent(enc.encode('hello, world')), check);
    await assert.rejects(runtime.load(enc.encode('hello, world'), { name: 'x' }), check);
    await assert.rejects(runtime.load(new Uint8Array(), { name: 'x' }), (err) =>
      isAloftError(err, 'COMPONENT_NOT_WASM'),
    );
  });

  it('rejects a core module with a hint', async () => {
    const core = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    await assert.rejects(
      runtime.load(core, { name: 'x' }),
      (err) => isAloftError(err, 'COMPONENT_CORE_MODULE') && err.hint !== undefined,
    );
  });

  it('names unexpected imports, unexpected exports and the missing handler', async () => {
    const bytes = await dummyComponent(
      `package test:bad@0.1.0;
       interface clock { now: func() -> u64; }
       interface job { run: func(); }
       world bad { import clock; export job; }`,
      'bad',
    );
    await assert.rejects(runtime.load(bytes, { name: 'bad' }), (err) => {
      assert.ok(isAloftError(err, 'COMPONENT_WORLD_MISMATCH'), String(err));
      assert.match(err.message, /unexpected import\(s\): test:bad\/clock@0\.1\.0/);
      assert.match(err.message, /unexpected export\(s\): test:bad\/job@0\.1\.0/);
      assert.match(err.message, /missing export: one of aloft:platform\/http-handler@0\.1\.0/);
      return true;
    });
  });

  it('rejects a component built against another version of the platform', async () => {
    const wit = (await readFile(path.join(root, 'wit/platform.wit'), 'utf8')).replace(
      '@0.1.0;',
      '@0.2.0;',
    );
    const bytes = await dummyComponent(
      `${wit}\nworld old { import keyvalue; export operation; }`,
      'old',
    );
    assert.throws(
      () => validateComponent(bytes),
      (err) =>
        isAloftError(err, 'COMPONENT_WORLD_MISMATCH') &&
        err.message.includes(
          'unexpected import(s): aloft:platform/types@0.2.0, aloft:platform/keyvalue@0.2.0',
        ) &&
        err.message.includes('unexpected export(s): aloft:platform/operation@0.2.0'),
    );
  });

  it('inspects a component: world, imports, exports, size, sha256, claims', async () => {
    const bytes = await fixture('probe-as');
    const info = await inspectComponent(bytes);
    assert.equal(info.kind, 'component');
    assert.equal(info.size, bytes.length);
    assert.match(info.sha256, /^[0-9a-f]{64}$/);
    assert.equal(info.world, 'aloft:platform@0.1.0');
    assert.ok(info.check.ok);
    assert.deepEqual(info.check.handlers.sort(), ['http-handler', 'message-handler', 'operation']);
    assert.ok(
      info.imports.some((i) => i.name === 'aloft:platform/keyvalue@0.1.0' && i.kind === 'instance'),
    );
    assert.equal(info.claims, undefined);
  });
});

describe('guest build errors', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'aloft-build-err-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reports a TypeScript type error with file:line:column', async () => {
    const entry = path.join(dir, 'ts', 'index.ts');
    await writeFile_(entry, [
      "import type { HttpRequest, HttpResponse } from 'aloft:platform/types@0.1.0';",
      'export function handleHttp(req: HttpRequest): HttpResponse {',
      "  return { status: '200', headers: [], body: req.body };",
      '}',
    ]);
    await assert.rejects(buildComponent({ entry, lang: 'ts' }), (err) => {
      assert.ok(isAloftError(err, 'BUILD_FAILED'), String(err));
      assert.match(
        err.message,
        /index\.ts:3:\d+ - error TS2322: Type 'string' is not assignable to type 'number'/,
      );
      return true;
    });
  });

  it('reports an AssemblyScript error with file:line:column', async () => {
    const entry = path.join(dir, 'as', 'index.ts');
    await writeFile_(entry, [
      'import { Outcome } from "aloft";',
      'export function call(name: string, payload: Uint8Array): Outcome<Uint8Array> {',
      '  return Outcome.success<Uint8Array>(undefinedThing);',
      '}',
    ]);
    await assert.rejects(buildComponent({ entry, lang: 'as' }), (err) => {
      assert.ok(isAloftError(err, 'BUILD_FAILED'), String(err));
      assert.match(err.message, /at index\.ts:3:\d+/);
      assert.match(err.message, /Cannot find name 'undefinedThing'/);
      return true;
    });
  });

  it('refuses a guest that exports no handler', async () => {
    const entry = path.join(dir, 'none', 'index.ts');
    await writeFile_(entry, ['export function hello(): string { return "hi"; }']);
    await assert.rejects(
      buildComponent({ entry, lang: 'ts' }),
      (err) =>
        isAloftError(err, 'BUILD_FAILED') &&
        /exports none of handleHttp, handleMessage, call/.test(err.message),
    );
  });
});

async function writeFile_(file: string, lines: string[]): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, lines.join('\n') + '\n');
}
