/**
 * The WASI 0.2 imports Aloft gives components built for other platforms (e.g. a
 * `wasi:http/incoming-handler` component from componentize-js or wasmtime's proxy world): enough
 * of `wasi:cli`, `wasi:clocks`, `wasi:random`, `wasi:filesystem` and `wasi:io` for a language
 * runtime to start and serve HTTP, with no ambient authority: no environment, no arguments, no
 * files, no sockets, no outgoing HTTP. stdout and stderr become log lines.
 */
import { httpTypes, refuseOutgoing } from './http.ts';
import { InputStream, IoError, OutputStream, Pollable, poll } from './io.ts';

/** WASI interfaces a component may import (`wasi:<package>/<interface>`, any 0.2.x version). */
export const WASI_IMPORTS = [
  'wasi:cli/environment',
  'wasi:cli/exit',
  'wasi:cli/stdin',
  'wasi:cli/stdout',
  'wasi:cli/stderr',
  'wasi:cli/terminal-input',
  'wasi:cli/terminal-output',
  'wasi:cli/terminal-stdin',
  'wasi:cli/terminal-stdout',
  'wasi:cli/terminal-stderr',
  'wasi:clocks/monotonic-clock',
  'wasi:clocks/wall-clock',
  'wasi:filesystem/preopens',
  'wasi:filesystem/types',
  'wasi:http/outgoing-handler',
  'wasi:http/types',
  'wasi:io/error',
  'wasi:io/poll',
  'wasi:io/streams',
  'wasi:random/insecure',
  'wasi:random/insecure-seed',
  'wasi:random/random',
] as const;

/** `wasi:foo/bar@0.2.3` → `wasi:foo/bar` when it is one Aloft provides, else undefined. */
export function wasiImportName(name: string): string | undefined {
  const m = /^(wasi:[a-z-]+\/[a-z-]+)(?:@0\.2\.\d+)?$/.exec(name);
  return m && (WASI_IMPORTS as readonly string[]).includes(m[1]!) ? m[1] : undefined;
}

/** The export that makes a component an HTTP handler for other WASI platforms. */
export function isWasiHttpHandler(name: string): boolean {
  return /^wasi:http\/incoming-handler@0\.2\.\d+$/.test(name);
}

function randomBytes(len: bigint): Uint8Array {
  const out = new Uint8Array(Number(len));
  for (let at = 0; at < out.length; at += 65_536) {
    crypto.getRandomValues(out.subarray(at, Math.min(out.length, at + 65_536)));
  }
  return out;
}
const randomU64 = (): bigint => new DataView(randomBytes(8n).buffer).getBigUint64(0);

class TerminalInput {}
class TerminalOutput {}
/** `wasi:filesystem/types.descriptor`: never handed out (there are no preopens). */
class Descriptor {}

/**
 * The import objects for every supported WASI interface, by name without version (as jco's glue
 * asks for them). `log(level, context, text)` receives stdout (info) and stderr (warn) lines.
 */
export function wasiImports(
  log: (level: string, context: string, text: string) => void,
): Record<string, Record<string, unknown>> {
  const dec = new TextDecoder();
  const lines = (level: string, context: string) => {
    let pending = '';
    return new OutputStream(Number.MAX_SAFE_INTEGER, (bytes) => {
      pending += dec.decode(bytes, { stream: true });
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) log(level, context, line);
    });
  };
  const stdout = lines('info', 'stdout');
  const stderr = lines('warn', 'stderr');
  const nowNs = (): bigint => BigInt(Math.round(performance.now() * 1e6));
  return {
    'wasi:cli/environment': {
      getEnvironment: () => [],
      getArguments: () => [],
      initialCwd: () => undefined,
    },
    'wasi:cli/exit': {
      exit: (status: unknown) => {
        throw new Error(`the component called wasi:cli/exit (${JSON.stringify(status)})`);
      },
    },
    'wasi:cli/stdin': { getStdin: () => new InputStream() },
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:cli/stderr': { getStderr: () => stderr },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
    'wasi:clocks/monotonic-clock': {
      now: nowNs,
      resolution: () => 1000n,
      subscribeInstant: (when: bigint) => new Pollable(Number(when) / 1e6),
      subscribeDuration: (ns: bigint) => new Pollable(performance.now() + Number(ns) / 1e6),
    },
    'wasi:clocks/wall-clock': {
      now: () => {
        const ms = Date.now();
        return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1e6 };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1_000_000 }),
    },
    'wasi:filesystem/preopens': { getDirectories: () => [] },
    'wasi:filesystem/types': { Descriptor, filesystemErrorCode: () => undefined },
    'wasi:http/outgoing-handler': { handle: refuseOutgoing },
    'wasi:http/types': httpTypes(),
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': { Pollable, poll },
    'wasi:io/streams': { InputStream, OutputStream },
    'wasi:random/random': { getRandomBytes: randomBytes, getRandomU64: randomU64 },
    'wasi:random/insecure': {
      getInsecureRandomBytes: randomBytes,
      getInsecureRandomU64: randomU64,
    },
    'wasi:random/insecure-seed': { insecureSeed: () => [randomU64(), randomU64()] },
  };
}
