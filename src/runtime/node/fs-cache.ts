import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactCache } from '../artifact-cache.ts';
import type { Artifact } from '../transpile.ts';

interface Meta {
  imports: string[];
  exports: [string, string][];
  modules: string[];
}

/**
 * A directory cache: `<dir>/<key>/{meta.json,component.js,*.wasm}`. Entries are written to a
 * temporary directory and renamed into place, so a reader never sees half an entry and two
 * processes filling the same key do not corrupt it.
 */
export function fsArtifactCache(dir: string): ArtifactCache {
  return {
    async get(key) {
      const entry = path.join(dir, key);
      let meta: Meta;
      try {
        meta = JSON.parse(await readFile(path.join(entry, 'meta.json'), 'utf8')) as Meta;
      } catch {
        return undefined;
      }
      const [glue, ...bytes] = await Promise.all([
        readFile(path.join(entry, 'component.js'), 'utf8'),
        ...meta.modules.map((m) => readFile(path.join(entry, m))),
      ]);
      const modules: Record<string, Uint8Array> = {};
      meta.modules.forEach((m, i) => {
        const b = bytes[i];
        if (b) modules[m] = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      });
      return { glue, modules, imports: meta.imports, exports: meta.exports } satisfies Artifact;
    },
    async put(key, artifact) {
      await mkdir(dir, { recursive: true });
      const tmp = path.join(dir, `.${key}.${process.pid}.${Math.random().toString(36).slice(2)}`);
      await mkdir(tmp);
      const meta: Meta = {
        imports: artifact.imports,
        exports: artifact.exports,
        modules: Object.keys(artifact.modules),
      };
      await Promise.all([
        writeFile(path.join(tmp, 'meta.json'), JSON.stringify(meta)),
        writeFile(path.join(tmp, 'component.js'), artifact.glue),
        ...Object.entries(artifact.modules).map(([name, b]) => writeFile(path.join(tmp, name), b)),
      ]);
      try {
        await rename(tmp, path.join(dir, key));
      } catch {
        // Another process won the race; its entry is as good as ours.
        await rm(tmp, { recursive: true, force: true });
      }
    },
  };
}
