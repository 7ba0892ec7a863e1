import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isOciRef, pullOci } from '../host/index.ts';
import { builtinProviders } from '../providers/index.ts';
import { providerKindFor, type Manifest } from '../reconciler/index.ts';
import { errorMessage } from '../support/index.ts';

/** One image a manifest names that hosts could not fetch or run, with what to do about it. */
export interface ImageProblem {
  path: string;
  message: string;
}

/**
 * Checks that every image in a manifest can be had: local files exist, http(s) URLs answer, OCI
 * references resolve in their registry, and capability images name a provider kind hosts run.
 * `sha256:` references live in a lattice's artifact store and are checked at deploy time.
 */
export async function checkImages(
  manifest: Manifest,
  file: string,
  timeoutMs = 5000,
): Promise<ImageProblem[]> {
  const problems: ImageProblem[] = [];
  await Promise.all(
    manifest.components.map(async (c, i) => {
      const path = `spec.components[${i}].properties.image`;
      const ref = c.image;
      if (c.kind === 'capability') {
        const kind = providerKindFor(ref);
        if (!builtinProviders[kind]) {
          problems.push({
            path,
            message: `capability ${c.name}: image ${ref} names provider kind "${kind}", which hosts do not run (available: ${Object.keys(builtinProviders).sort().join(', ')}); use aloft:<kind>`,
          });
        }
        return;
      }
      if (ref.startsWith('sha256:')) return;
      try {
        if (/^https?:\/\//.test(ref)) {
          const res = await fetch(ref, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
        } else if (isOciRef(ref)) {
          await pullOci(ref, timeoutMs);
        } else {
          const local = ref.replace(/^file:\/\//, '');
          const candidates = isAbsolute(local)
            ? [local]
            : [resolve(dirname(file), local), resolve(local)];
          if (!candidates.some((p) => existsSync(p)))
            throw new Error(`no file at ${candidates.join(' or ')}`);
        }
      } catch (err) {
        problems.push({
          path,
          message: `component ${c.name}: image ${ref} cannot be fetched: ${errorMessage(err)} (build it with "aloft build", upload it with "aloft push", or fix the reference)`,
        });
      }
    }),
  );
  return problems.sort((a, b) => a.path.localeCompare(b.path));
}
