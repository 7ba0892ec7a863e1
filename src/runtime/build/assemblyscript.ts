import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { BuildError } from '../errors.ts';
import { renameExports } from '../wasm/exports.ts';
import {
  GUEST_EXPORT_NAMES,
  HANDLER_FUNCTIONS,
  qualified,
  type HandlerInterface,
} from '../world.ts';
import { detectHandlers, embedAndCreate, type GuestBuild } from './common.ts';

const ENTRY = '__aloft_entry.ts';

/** Core export name → canonical ABI name, per handler. */
const abiNames: Record<HandlerInterface, string> = {
  'http-handler': '__aloft_http',
  'message-handler': '__aloft_message',
  operation: '__aloft_call',
};

/** The generated entry: lifts arguments, calls the user's function, lowers the result. */
export function assemblyScriptEntry(
  userModule: string,
  handlers: readonly HandlerInterface[],
): string {
  const names = handlers.map((h) => GUEST_EXPORT_NAMES[h]);
  const out = [
    `import { ${names.join(', ')} } from "./${userModule}";`,
    'import { liftString, liftBytes, liftPairs, allocResult, lowerResultPairs, lowerResultBytes, lowerResultString, freePending } from "abi";',
    'import { HttpRequest, Message, Failure } from "aloft";',
    'export { cabi_realloc } from "abi";',
    'function lowerFailure(out: usize, f: Failure): void { store<u8>(out, 1); lowerResultString(out + 4, f.code); lowerResultString(out + 12, f.message); }',
  ];
  if (handlers.includes('http-handler')) {
    out.push(
      'export function __aloft_http(mp: usize, ml: usize, pp: usize, pl: usize, hp: usize, hl: usize, bp: usize, bl: usize): usize {',
      '  const res = handleHttp(new HttpRequest(liftString(mp, ml), liftString(pp, pl), liftPairs(hp, hl), liftBytes(bp, bl)));',
      '  const out = allocResult(20);',
      '  store<u16>(out, res.status);',
      '  lowerResultPairs(out + 4, res.headers);',
      '  lowerResultBytes(out + 12, res.body);',
      '  return out;',
      '}',
      'export function __aloft_post_http(_p: usize): void { freePending(); }',
    );
  }
  if (handlers.includes('message-handler')) {
    out.push(
      'export function __aloft_message(sp: usize, sl: usize, rt: i32, rp: usize, rl: usize, bp: usize, bl: usize): usize {',
      '  const r = handleMessage(new Message(liftString(sp, sl), rt != 0 ? liftString(rp, rl) : null, liftBytes(bp, bl)));',
      '  const out = allocResult(20);',
      '  const f = r.error;',
      '  if (f === null) store<u8>(out, 0); else lowerFailure(out, f);',
      '  return out;',
      '}',
      'export function __aloft_post_message(_p: usize): void { freePending(); }',
    );
  }
  if (handlers.includes('operation')) {
    out.push(
      'export function __aloft_call(np: usize, nl: usize, pp: usize, pl: usize): usize {',
      '  const r = call(liftString(np, nl), liftBytes(pp, pl));',
      '  const out = allocResult(20);',
      '  const f = r.error;',
      '  if (f === null) { store<u8>(out, 0); lowerResultBytes(out + 4, r.value); } else lowerFailure(out, f);',
      '  return out;',
      '}',
      'export function __aloft_post_call(_p: usize): void { freePending(); }',
    );
  }
  return out.join('\n') + '\n';
}

/** Maps the generated core export names to canonical ABI names. */
export function canonicalExportName(name: string): string {
  for (const [handler, core] of Object.entries(abiNames) as [HandlerInterface, string][]) {
    const abi = `${qualified(handler)}#${HANDLER_FUNCTIONS[handler]}`;
    if (name === core) return abi;
    if (name === core.replace('__aloft_', '__aloft_post_')) return `cabi_post_${abi}`;
  }
  return name;
}

/** Finds `file(line,col)` in asc's diagnostics and turns it into `file:line:col`. */
export function ascLocation(stderr: string): string | undefined {
  const firstError = stderr.search(/ERROR/);
  const m = /in (\S+?)\((\d+),(\d+)\)/.exec(firstError === -1 ? stderr : stderr.slice(firstError));
  return m ? `${m[1]}:${m[2]}:${m[3]}` : undefined;
}

/**
 * Compiles an AssemblyScript guest (`entry` exports any of handleHttp/handleMessage/call) to a
 * component: asc with the SDK as library, generated ABI glue, export renaming, embed + new.
 */
export async function buildAssemblyScript(entry: string, sdkDir: string): Promise<GuestBuild> {
  const source = await readFile(entry, 'utf8');
  const handlers = detectHandlers(source);
  const baseDir = path.dirname(entry);
  const userModule = path.basename(entry).replace(/\.ts$/, '');
  const generated = assemblyScriptEntry(userModule, handlers);
  const { default: asc } = await import('assemblyscript/asc');
  const outputs = new Map<string, Uint8Array | string>();
  let stderr = '';
  const result = await asc.main(
    [
      ENTRY,
      '--outFile',
      'out.wasm',
      '--lib',
      sdkDir,
      '--runtime',
      'incremental',
      '-O3',
      '--noAssert',
      '--use',
      'abort=',
    ],
    {
      readFile: async (name: string, dir: string) => {
        if (name === ENTRY) return generated;
        try {
          return await readFile(path.resolve(baseDir, dir, name), 'utf8');
        } catch {
          return null;
        }
      },
      writeFile: (name: string, data: Uint8Array | string) => {
        outputs.set(name, data);
      },
      listFiles: async (dir: string) => {
        try {
          return await readdir(path.resolve(baseDir, dir));
        } catch {
          return null;
        }
      },
      stdout: { write: () => true },
      stderr: { write: (s: string | Uint8Array) => ((stderr += String(s)), true) },
    },
  );
  const wasm = outputs.get('out.wasm');
  if (result.error || !(wasm instanceof Uint8Array)) {
    // `~lib/aloft.ts` is the SDK (passed as a library): name the real file.
    const where = ascLocation(stderr)?.replace(/^~lib\/(aloft|abi)\.ts/, (_m, f: string) =>
      path.join(sdkDir, `${f}.ts`),
    );
    // eslint-disable-next-line no-control-regex -- strips ANSI colour codes
    const clean = stderr.replace(/\x1b\[[0-9;]*m/g, '').trim();
    throw new BuildError(
      `AssemblyScript build failed${where ? ` at ${where}` : ''}:\n${clean}`,
      where,
    );
  }
  const core = renameExports(wasm, canonicalExportName);
  return { component: await embedAndCreate(core, handlers), handlers };
}
