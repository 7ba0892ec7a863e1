import type { Artifact } from './transpile.ts';

/**
 * Where transpiled components are kept, by key (sha256 of the component + transpiler id).
 * Implementations: {@link memoryArtifactCache} here, a directory cache in `node/fs-cache.ts`.
 */
export interface ArtifactCache {
  get(key: string): Promise<Artifact | undefined>;
  put(key: string, artifact: Artifact): Promise<void>;
}

/** A cache that lives as long as the process (browsers, tests). */
export function memoryArtifactCache(): ArtifactCache {
  const entries = new Map<string, Artifact>();
  return {
    get: (key) => Promise.resolve(entries.get(key)),
    put: (key, artifact) => {
      entries.set(key, artifact);
      return Promise.resolve();
    },
  };
}
