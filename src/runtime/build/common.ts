import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { BuildError } from '../errors.ts';
import {
  GUEST_EXPORT_NAMES,
  HANDLER_INTERFACES,
  guestWorldWit,
  type HandlerInterface,
} from '../world.ts';

/** A built guest: the component bytes and the handlers it exports. */
export interface GuestBuild {
  component: Uint8Array;
  handlers: HandlerInterface[];
}

/** Repository paths the build needs (WIT package, SDKs), resolved from this file. */
export const platformPaths = {
  wit: fileURLToPath(new URL('../../../wit/platform.wit', import.meta.url)),
  witDir: fileURLToPath(new URL('../../../wit/', import.meta.url)),
  asSdk: fileURLToPath(new URL('../../../sdk/assemblyscript/', import.meta.url)),
};

/** The WIT source of the platform package. */
export function platformWit(): Promise<string> {
  return readFile(platformPaths.wit, 'utf8');
}

/**
 * Which handlers a guest source exports, by its export names (`handleHttp`, `handleMessage`,
 * `call`); a guest exporting none is a build error.
 */
export function detectHandlers(source: string, file = 'source'): HandlerInterface[] {
  const found = HANDLER_INTERFACES.filter((h) => {
    const name = GUEST_EXPORT_NAMES[h];
    return new RegExp(`export\\s+(async\\s+)?(function|const|let)\\s+${name}\\b`).test(source);
  });
  if (found.length === 0) {
    throw new BuildError(
      `${file}: exports none of ${Object.values(GUEST_EXPORT_NAMES).join(', ')}; a component needs at least one handler`,
      file,
    );
  }
  return found;
}

/** Name of the generated world for a set of handlers, e.g. `guest-http-operation`. */
export function guestWorldName(handlers: readonly HandlerInterface[]): string {
  return ['guest', ...handlers.map((h) => h.replace('-handler', ''))].join('-');
}

/** The platform package source with a guest world for `handlers` appended. */
export async function guestWit(
  handlers: readonly HandlerInterface[],
): Promise<{ source: string; world: string }> {
  const world = guestWorldName(handlers);
  return { source: (await platformWit()) + '\n' + guestWorldWit(world, handlers), world };
}

/** Embeds the guest world into a core module and wraps it as a component (jco, in process). */
export async function embedAndCreate(
  core: Uint8Array,
  handlers: readonly HandlerInterface[],
): Promise<Uint8Array> {
  const { componentEmbed, componentNew } = await import('@bytecodealliance/jco');
  const { source, world } = await guestWit(handlers);
  try {
    const embedded = await componentEmbed({ binary: core, witSource: source, world });
    return await componentNew(embedded, []);
  } catch (err) {
    throw new BuildError(`componentizing the core module failed: ${String(err)}`, undefined, err);
  }
}
