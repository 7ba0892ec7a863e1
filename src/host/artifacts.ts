import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { getArtifact, sha256Of } from '../lattice/index.ts';
import { AloftError } from '../support/index.ts';
import { isOciRef, pullOci } from './oci.ts';

/** The bytes of a component and where they came from. */
export interface Artifact {
  bytes: Uint8Array;
  sha256: string;
  source: 'file' | 'url' | 'store' | 'oci';
}

/**
 * Fetches a component by reference and verifies its digest before anything runs:
 * - `sha256:<hex>`: the lattice's artifact store (`aloft push`), verified against the digest;
 * - `http(s)://…`: downloaded; `…#sha256=<hex>` pins the digest;
 * - an OCI reference (`oci://registry/repo:tag`, or `registry:port/repo:tag|@sha256:…`), whose
 *   layer digest from the manifest is verified;
 * - otherwise a file path (relative to `cwd`), `…#sha256=<hex>` pinning it too.
 */
export async function fetchArtifact(
  ref: string,
  ctx: { nc: NatsConnection; lattice: string; cwd?: string; timeoutMs?: number },
): Promise<Artifact> {
  if (ref.startsWith('sha256:')) {
    const bytes = await getArtifact(ctx.nc, ctx.lattice, ref);
    return { bytes, sha256: ref.slice('sha256:'.length), source: 'store' };
  }
  const [location, pin] = splitPin(ref);
  if (/^https?:\/\//.test(location) && !location.startsWith('oci://')) {
    const bytes = await download(location, ctx.timeoutMs ?? 30_000);
    return { bytes, sha256: await verify(bytes, pin, ref), source: 'url' };
  }
  if (isOciRef(location)) {
    const { bytes, digest } = await pullOci(location, ctx.timeoutMs ?? 30_000);
    return { bytes, sha256: await verify(bytes, digest, ref), source: 'oci' };
  }
  const path = isAbsolute(location) ? location : resolve(ctx.cwd ?? process.cwd(), location);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    throw new AloftError(
      'ARTIFACT_NOT_FOUND',
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      {
        cause: err,
        hint: 'give a path readable by the host, an https URL, a sha256: digest from "aloft push", or an OCI reference',
      },
    );
  }
  return { bytes, sha256: await verify(bytes, pin, ref), source: 'file' };
}

function splitPin(ref: string): [string, string | undefined] {
  const m = /^(.*)#sha256=([0-9a-f]{64})$/.exec(ref);
  return m ? [m[1] ?? ref, m[2]] : [ref, undefined];
}

async function verify(
  bytes: Uint8Array,
  expected: string | undefined,
  ref: string,
): Promise<string> {
  const actual = await sha256Of(bytes);
  if (expected !== undefined && actual !== expected.replace(/^sha256:/, '')) {
    throw new AloftError(
      'ARTIFACT_DIGEST_MISMATCH',
      `${ref}: expected sha256:${expected.replace(/^sha256:/, '')}, got sha256:${actual}; refusing to run it`,
    );
  }
  return actual;
}

async function download(url: string, timeoutMs: number): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new AloftError('ARTIFACT_UNREACHABLE', `cannot download ${url}: ${String(err)}`, {
      cause: err,
      retryable: true,
    });
  }
  if (!res.ok) {
    throw new AloftError('ARTIFACT_NOT_FOUND', `cannot download ${url}: HTTP ${res.status}`, {
      retryable: res.status >= 500,
    });
  }
  return new Uint8Array(await res.arrayBuffer());
}
