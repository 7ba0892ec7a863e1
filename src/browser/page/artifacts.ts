import type { NatsConnection } from '@nats-io/nats-core';
import type { Artifact } from '../../host/index.ts';
import { getArtifact, sha256Of } from '../../lattice/index.ts';
import { AloftError, errorMessage, type Logger } from '../../support/index.ts';
import type { JoinConfig } from '../config.ts';

type Fetch = (url: string) => Promise<{
  ok: boolean;
  status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

/**
 * Fetches a component for a browser-tab host and verifies its digest (WebCrypto) before anything
 * runs. `sha256:<hex>` is read from the lattice's object store over the tab's NATS connection
 * and/or from the page's server over HTTP, in the order the page's config gives; `https://…`
 * URLs are fetched directly (their server must allow the page's origin), a `#sha256=<hex>` pin
 * verified. A tab cannot read files or pull OCI images: those references are refused with the
 * way to make them fetchable.
 */
export function browserArtifacts(
  config: Pick<JoinConfig, 'lattice' | 'artifactSources' | 'artifactUrl'>,
  fetch: Fetch,
  logger: Logger,
): (ref: string, nc: NatsConnection) => Promise<Artifact> {
  const fromHttp = async (url: string, what: string): Promise<Uint8Array> => {
    let res: Awaited<ReturnType<Fetch>>;
    try {
      res = await fetch(url);
    } catch (err) {
      throw new AloftError('ARTIFACT_UNREACHABLE', `cannot fetch ${what}: ${errorMessage(err)}`, {
        cause: err,
        retryable: true,
      });
    }
    if (!res.ok) {
      throw new AloftError('ARTIFACT_NOT_FOUND', `cannot fetch ${what}: HTTP ${res.status}`, {
        retryable: res.status >= 500,
      });
    }
    return new Uint8Array(await res.arrayBuffer());
  };
  const verify = async (bytes: Uint8Array, hex: string, ref: string): Promise<string> => {
    const actual = await sha256Of(bytes);
    if (actual !== hex) {
      throw new AloftError(
        'ARTIFACT_DIGEST_MISMATCH',
        `${ref}: expected sha256:${hex}, got sha256:${actual}; refusing to run it`,
      );
    }
    return actual;
  };

  const fromStore = async (hex: string, nc: NatsConnection): Promise<Artifact> => {
    let last: unknown;
    for (const source of config.artifactSources) {
      try {
        const bytes =
          source === 'store'
            ? await getArtifact(nc, config.lattice, `sha256:${hex}`)
            : await fromHttp(
                `${config.artifactUrl}?sha256=${hex}`,
                `sha256:${hex} from ${config.artifactUrl}`,
              );
        return { bytes, sha256: await verify(bytes, hex, `sha256:${hex}`), source: 'store' };
      } catch (err) {
        if (err instanceof AloftError && err.code === 'ARTIFACT_DIGEST_MISMATCH') throw err;
        logger.debug('artifact source failed', { source, sha256: hex, error: err });
        last = err;
      }
    }
    throw last instanceof AloftError
      ? last
      : new AloftError('ARTIFACT_NOT_FOUND', `sha256:${hex}: ${errorMessage(last)}`, {
          cause: last,
        });
  };

  return async (ref, nc) => {
    const digest = /^sha256:([0-9a-f]{64})$/.exec(ref);
    if (digest?.[1]) return fromStore(digest[1], nc);
    const url = /^(https?:\/\/[^#]+)(?:#sha256=([0-9a-f]{64}))?$/.exec(ref);
    if (url?.[1]) {
      const bytes = await fromHttp(url[1], url[1]);
      const sha256 = url[2] ? await verify(bytes, url[2], ref) : await sha256Of(bytes);
      return { bytes, sha256, source: 'url' };
    }
    throw new AloftError(
      'ARTIFACT_UNSUPPORTED',
      `${ref}: a browser host cannot read files or pull OCI images`,
      {
        hint: 'store the component in the lattice with "aloft push <file.wasm>" and place it by the sha256: reference it prints',
      },
    );
  };
}
