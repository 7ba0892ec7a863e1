// The runtime's CLI verbs, driven in-process: new component, build, inspect.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/command.ts';
import { fixture, root } from './fixtures.ts';

function captureIO(cwd: string): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env: {}, cwd };
}

describe('aloft new component / build / inspect', () => {
  let dir: string;
  before(async () => {
    // Inside the repository, so the scaffold's relative SDK paths resolve as they would in a project.
    dir = await mkdtemp(path.join(root, '.cache/cli-test-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('scaffolds an AssemblyScript component that builds and fits the world', async () => {
    const io = captureIO(dir);
    assert.equal(await main(['new', 'component', 'stock', '--lang', 'as'], io), 0);
    assert.match(
      await readFile(path.join(dir, 'stock/index.ts'), 'utf8'),
      /"stock has no operation "/,
    );
    assert.match(
      await readFile(path.join(dir, 'stock/index.test.ts'), 'utf8'),
      /sdk\/typescript\/testing\.ts/,
    );
    assert.equal(
      await main(['new', 'component', 'stock'], captureIO(dir)),
      4,
      'refuses a non-empty directory',
    );

    const build = captureIO(dir);
    assert.equal(await main(['build', 'stock'], build), 0, build.stderr.join('\n'));
    assert.match(build.stdout[0] ?? '', /^stock\/stock\.wasm {2}as {2}\d+ KiB/);

    const inspect = captureIO(dir);
    assert.equal(await main(['inspect', 'stock/stock.wasm', '--json'], inspect), 0);
    const info = JSON.parse(inspect.stdout.join('\n')) as {
      kind: string;
      check: { handlers: string[] };
    };
    assert.equal(info.kind, 'component');
    assert.deepEqual(info.check.handlers, ['http-handler', 'operation']);
  });

  it('scaffolds a TypeScript component with typed imports', async () => {
    const io = captureIO(dir);
    assert.equal(await main(['new', 'component', 'orders'], io), 0);
    const tsconfig = JSON.parse(await readFile(path.join(dir, 'orders/tsconfig.json'), 'utf8')) as {
      files: string[];
    };
    for (const f of tsconfig.files.slice(1)) await readFile(path.resolve(dir, 'orders', f)); // SDK types exist
    assert.equal(await main(['new', 'component', 'Bad Name'], captureIO(dir)), 2);
  });

  it('exits 4 with the compiler message and file:line for a broken guest', async () => {
    await writeFile(
      path.join(dir, 'broken.ts'),
      'export function call(n: string, p: Uint8Array): Uint8Array {\n  return nope;\n}\n',
    );
    const io = captureIO(dir);
    assert.equal(await main(['build', 'broken.ts', '--lang', 'ts', '--no-cache'], io), 4);
    assert.match(io.stderr.join('\n'), /broken\.ts:2:10 - error TS2304: Cannot find name 'nope'/);
  });

  it('inspects: exit 0 for a fitting component, 4 for a core module', async () => {
    await writeFile(path.join(dir, 'probe.wasm'), await fixture('probe-as'));
    const ok = captureIO(dir);
    assert.equal(await main(['inspect', 'probe.wasm'], ok), 0);
    assert.ok(ok.stdout.some((l) => /^world: +aloft:platform@0\.1\.0 — fits$/.test(l)));
    assert.ok(ok.stdout.some((l) => /^sha256: +[0-9a-f]{64}$/.test(l)));
    await writeFile(path.join(dir, 'core.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    const core = captureIO(dir);
    assert.equal(await main(['inspect', 'core.wasm'], core), 4);
    assert.ok(core.stdout.some((l) => l.includes('a core module, not a component')));
    const missing = captureIO(dir);
    assert.equal(await main(['inspect', 'nothing.wasm'], missing), 5);
  });
});
