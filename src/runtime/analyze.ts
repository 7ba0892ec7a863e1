import { ComponentError } from './errors.ts';
import { customSections, wasmKind, type WasmKind } from './wasm/binary.ts';
import { componentExterns, type ComponentExtern } from './wasm/component-info.ts';
import { checkWorld, describeWorldCheck, PLATFORM_PACKAGE, type WorldCheck } from './world.ts';

/** Name of the custom section that carries a component's signed claims (a later issue). */
export const CLAIMS_SECTION = 'aloft-claims';

/** What `aloft inspect` shows about a component. Pure data. */
export interface ComponentInfo {
  kind: WasmKind;
  size: number;
  sha256: string;
  /** The world it was checked against. */
  world: string;
  imports: ComponentExtern[];
  exports: ComponentExtern[];
  check: WorldCheck;
  /** Top-level custom section names. */
  customSections: string[];
  /** The `aloft-claims` section: parsed JSON when it is JSON, else its text; absent when missing. */
  claims: unknown;
}

/** Lower-case hex SHA-256 (WebCrypto: same in Node and browsers). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function parseClaims(section: Uint8Array | undefined): unknown {
  if (!section) return undefined;
  const text = new TextDecoder().decode(section);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Reads everything `inspect` shows; throws only for bytes that are not WebAssembly at all. */
export async function inspectComponent(bytes: Uint8Array): Promise<ComponentInfo> {
  const kind = wasmKind(bytes);
  if (kind === 'not-wasm') throw notWasm(bytes);
  const { imports, exports } =
    kind === 'component' ? componentExterns(bytes) : { imports: [], exports: [] };
  const sections = customSections(bytes);
  return {
    kind,
    size: bytes.length,
    sha256: await sha256Hex(bytes),
    world: PLATFORM_PACKAGE,
    imports,
    exports,
    check: checkWorld(
      imports.map((i) => i.name),
      exports.map((e) => e.name),
    ),
    customSections: [...sections.keys()],
    claims: parseClaims(sections.get(CLAIMS_SECTION)),
  };
}

function notWasm(bytes: Uint8Array): ComponentError {
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return new ComponentError(
    'COMPONENT_NOT_WASM',
    `not WebAssembly: expected the magic bytes 00 61 73 6d, found ${head || 'an empty file'}`,
    { hint: 'build the component with "aloft build"' },
  );
}

/**
 * Checks that `bytes` are a component that fits the world; returns the check or throws
 * `COMPONENT_NOT_WASM`, `COMPONENT_CORE_MODULE` or `COMPONENT_WORLD_MISMATCH` (naming every
 * unexpected import or export and any missing handler).
 */
export function validateComponent(bytes: Uint8Array): WorldCheck {
  const kind = wasmKind(bytes);
  if (kind === 'not-wasm') throw notWasm(bytes);
  if (kind === 'core-module') {
    throw new ComponentError(
      'COMPONENT_CORE_MODULE',
      'this is a core WebAssembly module, not a component',
      { hint: 'wrap it with "aloft build" (or wasm-tools component new) against wit/platform.wit' },
    );
  }
  let externs;
  try {
    externs = componentExterns(bytes);
  } catch (err) {
    throw new ComponentError('COMPONENT_INVALID', `malformed component: ${String(err)}`, {
      cause: err,
    });
  }
  const check = checkWorld(
    externs.imports.map((i) => i.name),
    externs.exports.map((e) => e.name),
  );
  if (!check.ok) throw new ComponentError('COMPONENT_WORLD_MISMATCH', describeWorldCheck(check));
  return check;
}
