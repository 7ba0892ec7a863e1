/**
 * The aloft:platform world, as data: which interfaces a component may import and export,
 * and which JavaScript export name each exported interface has. Pure; no I/O.
 */

import { isWasiHttpHandler, wasiImportName } from './wasi/host.ts';

/** Version of the `aloft:platform` WIT package this runtime speaks. */
export const PLATFORM_VERSION = '0.1.0';
export const PLATFORM_PACKAGE = `aloft:platform@${PLATFORM_VERSION}`;

/** Capability interfaces a component may import (short names). */
export const CAPABILITY_INTERFACES = [
  'keyvalue',
  'messaging',
  'logging',
  'config',
  'outgoing-http',
  'lattice',
  'blobstore',
] as const;
export type CapabilityInterface = (typeof CAPABILITY_INTERFACES)[number];

/** Handler interfaces a component may export (short names). */
export const HANDLER_INTERFACES = ['http-handler', 'message-handler', 'operation'] as const;
export type HandlerInterface = (typeof HANDLER_INTERFACES)[number];

/** Type-only interfaces a component may import. */
const TYPE_INTERFACES = ['types'] as const;

/** Fully qualified name of a platform interface, e.g. `aloft:platform/keyvalue@0.1.0`. */
export function qualified(short: string): string {
  return `aloft:platform/${short}@${PLATFORM_VERSION}`;
}

/** Splits `aloft:platform/keyvalue@0.1.0` into its short name, or undefined if not ours. */
export function shortName(name: string): string | undefined {
  const m = /^aloft:platform\/([a-z][a-z0-9-]*)@(\d+)\.(\d+)\.(\d+)$/.exec(name);
  if (!m) return undefined;
  const [major, minor] = PLATFORM_VERSION.split('.').map(Number);
  // Same major; for 0.x the minor is breaking too.
  if (Number(m[2]) !== major || (major === 0 && Number(m[3]) !== minor)) return undefined;
  return m[1];
}

/** Where an exported handler function lives: its interface and function name in WIT. */
export const HANDLER_FUNCTIONS: Record<HandlerInterface, string> = {
  'http-handler': 'handle',
  'message-handler': 'handle-message',
  operation: 'call',
};

/** Names a TypeScript/AssemblyScript guest uses for each handler (see docs/components.md). */
export const GUEST_EXPORT_NAMES: Record<HandlerInterface, string> = {
  'http-handler': 'handleHttp',
  'message-handler': 'handleMessage',
  operation: 'call',
};

/** Result of checking a component's imports and exports against the world. */
export interface WorldCheck {
  /**
   * WASI 0.2 interfaces it imports that Aloft provides (`wasi:io/streams`…, without version):
   * a component built for another WASI platform.
   */
  wasi: string[];
  /** It exports `wasi:http/incoming-handler@0.2.x` (served as its `http-handler`). */
  wasiHttp: boolean;
  ok: boolean;
  /** Handler interfaces it exports (short names). */
  handlers: HandlerInterface[];
  /** Capability interfaces it imports (short names). */
  capabilities: CapabilityInterface[];
  unexpectedImports: string[];
  unexpectedExports: string[];
  /** Set when the component exports none of the handlers. */
  missingExport: boolean;
}

/** Checks import and export names (fully qualified) against the world. Pure. */
export function checkWorld(imports: readonly string[], exports: readonly string[]): WorldCheck {
  const handlers: HandlerInterface[] = [];
  const capabilities: CapabilityInterface[] = [];
  const unexpectedImports: string[] = [];
  const unexpectedExports: string[] = [];
  const wasi: string[] = [];
  let wasiHttp = false;
  for (const name of imports) {
    const s = shortName(name);
    const w = wasiImportName(name);
    if (w !== undefined) {
      wasi.push(w);
    } else if (s !== undefined && (CAPABILITY_INTERFACES as readonly string[]).includes(s)) {
      capabilities.push(s as CapabilityInterface);
    } else if (s === undefined || !(TYPE_INTERFACES as readonly string[]).includes(s)) {
      unexpectedImports.push(name);
    }
  }
  for (const name of exports) {
    const s = shortName(name);
    if (isWasiHttpHandler(name) && !handlers.includes('http-handler')) {
      wasiHttp = true;
      handlers.push('http-handler');
    } else if (s !== undefined && (HANDLER_INTERFACES as readonly string[]).includes(s)) {
      if (s === 'http-handler' && wasiHttp) {
        unexpectedExports.push(name);
        continue;
      }
      handlers.push(s as HandlerInterface);
    } else {
      unexpectedExports.push(name);
    }
  }
  const missingExport = handlers.length === 0;
  return {
    ok: !missingExport && unexpectedImports.length === 0 && unexpectedExports.length === 0,
    wasi,
    wasiHttp,
    handlers,
    capabilities,
    unexpectedImports,
    unexpectedExports,
    missingExport,
  };
}

/** A human-readable account of a failed check, naming every offending import and export. */
export function describeWorldCheck(check: WorldCheck): string {
  const parts: string[] = [];
  if (check.unexpectedImports.length > 0) {
    parts.push(`unexpected import(s): ${check.unexpectedImports.join(', ')}`);
  }
  if (check.unexpectedExports.length > 0) {
    parts.push(`unexpected export(s): ${check.unexpectedExports.join(', ')}`);
  }
  if (check.missingExport) {
    const wanted = [
      ...HANDLER_INTERFACES.map((h) => qualified(h)),
      'wasi:http/incoming-handler@0.2.x',
    ];
    parts.push(`missing export: one of ${wanted.join(', ')}`);
  }
  return `component does not match world ${PLATFORM_PACKAGE}: ${parts.join('; ')}`;
}

/**
 * WIT text of a world that imports every capability and exports only `handlers`; appended to
 * the platform package source to build a guest that implements a subset of the handlers.
 */
export function guestWorldWit(worldName: string, handlers: readonly HandlerInterface[]): string {
  const lines = [`world ${worldName} {`];
  for (const c of CAPABILITY_INTERFACES) lines.push(`  import ${c};`);
  for (const h of handlers) lines.push(`  export ${h};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
