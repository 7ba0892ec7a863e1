import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildError } from '../errors.ts';
import { GUEST_EXPORT_NAMES, type HandlerInterface } from '../world.ts';
import { detectHandlers, guestWit, type GuestBuild } from './common.ts';

const sdkTypes = ['types/component.d.ts', 'globals.d.ts'].map((f) =>
  fileURLToPath(new URL(`../../../sdk/typescript/${f}`, import.meta.url)),
);

/** Object names componentize-js expects for each exported interface, and the parameters. */
const jsInterfaceNames: Record<HandlerInterface, [objectName: string, fn: string, params: string]> =
  {
    'http-handler': ['httpHandler', 'handle', 'request'],
    'message-handler': ['messageHandler', 'handleMessage', 'message'],
    operation: ['operation', 'call', 'name, payload'],
  };

/**
 * The generated entry module: adapts `export function handleHttp` & co. to the WIT exports.
 * Plain parameters, not `...args`: a spread call costs ~2 µs per call in StarlingMonkey's
 * interpreter.
 */
export function typeScriptEntry(userModule: string, handlers: readonly HandlerInterface[]): string {
  const lines = [`import * as user from './${userModule}.js';`];
  for (const h of handlers) {
    const [obj, fn, params] = jsInterfaceNames[h];
    lines.push(
      `export const ${obj} = { ${fn}: (${params}) => user.${GUEST_EXPORT_NAMES[h]}(${params}) };`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Type-checks the guest sources against the SDK types; throws with `file:line:col` messages. */
async function typeCheck(files: string[]): Promise<void> {
  const { default: ts } = await import('typescript');
  const program = ts.createProgram([...files, ...sdkTypes], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    lib: ['lib.es2022.d.ts'],
    types: [],
    skipLibCheck: true,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length === 0) return;
  let first: string | undefined;
  const lines = diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return `error TS${d.code}: ${text}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    const where = `${d.file.fileName}:${line + 1}:${character + 1}`;
    first ??= where;
    return `${where} - error TS${d.code}: ${text}`;
  });
  throw new BuildError(`TypeScript build failed:\n${lines.join('\n')}`, first);
}

/**
 * Builds a TypeScript guest into a component: type-check against the SDK types, strip types
 * per file (`ts.transpileModule`), generate the entry, then componentize-js 0.23 with every
 * WASI feature off. Calls `_setPreopens({'/':'/'})` (build processes only; FIELD-NOTES §1).
 */
export async function buildTypeScript(entry: string): Promise<GuestBuild> {
  const dir = path.dirname(entry);
  const sources = (await readdir(dir))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .map((f) => path.join(dir, f));
  const source = await readFile(entry, 'utf8');
  const handlers = detectHandlers(source, entry);
  await typeCheck(sources);

  const { default: ts } = await import('typescript');
  const work = await mkdtemp(path.join(tmpdir(), 'aloft-build-'));
  try {
    for (const file of sources) {
      const out = ts.transpileModule(await readFile(file, 'utf8'), {
        fileName: file,
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          rewriteRelativeImportExtensions: true,
          verbatimModuleSyntax: false,
        },
      });
      await writeFile(path.join(work, path.basename(file).replace(/\.ts$/, '.js')), out.outputText);
    }
    const userModule = path.basename(entry).replace(/\.ts$/, '');
    const entryJs = path.join(work, '__aloft_entry.js');
    await writeFile(entryJs, typeScriptEntry(userModule, handlers));
    const wit = await guestWit(handlers);
    await writeFile(path.join(work, 'world.wit'), wit.source);

    const shim = await import('@bytecodealliance/preview2-shim/filesystem');
    // The shim grants no preopens by default; the toolchain reads the engine and WIT from disk.
    (shim._setPreopens as unknown as (preopens: Record<string, string>) => void)({ '/': '/' });
    const { componentize } = await import('@bytecodealliance/componentize-js');
    try {
      const { component } = await componentize({
        sourcePath: entryJs,
        witPath: path.join(work, 'world.wit'),
        worldName: wit.world,
        disableFeatures: ['stdio', 'random', 'clocks', 'http', 'fetch-event'],
      });
      return { component, handlers };
    } catch (err) {
      throw new BuildError(`componentize-js failed for ${entry}: ${String(err)}`, entry, err);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
