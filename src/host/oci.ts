import { sha256Of } from '../lattice/index.ts';
import { AloftError } from '../support/index.ts';

/**
 * A minimal OCI distribution client for WebAssembly artifacts: pull (and push, for `aloft push
 * --oci`) one wasm layer. Plain HTTP is used for loopback registries, HTTPS otherwise.
 */

/** Media type of the wasm layer, as wasmCloud and the CNCF wasm OCI artifact layout use. */
export const WASM_LAYER = 'application/wasm';
const CONFIG_MEDIA = 'application/vnd.wasm.config.v0+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export interface OciRef {
  registry: string;
  repository: string;
  /** A tag or a `sha256:` digest. */
  reference: string;
}

/** `oci://host[:port]/repo[:tag|@sha256:…]` or `host:port/repo…` (a registry with a port or a dot). */
export function isOciRef(ref: string): boolean {
  if (ref.startsWith('oci://')) return true;
  const first = ref.split('/')[0] ?? '';
  return (
    ref.includes('/') &&
    (/:\d+$/.test(first) || (first.includes('.') && !ref.startsWith('.') && !ref.endsWith('.wasm')))
  );
}

export function parseOciRef(ref: string): OciRef {
  const body = ref.replace(/^oci:\/\//, '');
  const slash = body.indexOf('/');
  if (slash <= 0)
    throw new AloftError('INVALID_INPUT', `invalid OCI reference ${JSON.stringify(ref)}`);
  const registry = body.slice(0, slash);
  let rest = body.slice(slash + 1);
  let reference = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      reference = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  return { registry, repository: rest, reference };
}

function base(r: OciRef): string {
  const loopback = /^(localhost|127\.|\[::1\])/.test(r.registry);
  return `${loopback ? 'http' : 'https'}://${r.registry}/v2/${r.repository}`;
}

/** Pulls the wasm layer of an OCI artifact; `digest` is the layer digest from the manifest. */
export async function pullOci(
  ref: string,
  timeoutMs: number,
): Promise<{ bytes: Uint8Array; digest: string }> {
  const r = parseOciRef(ref);
  const signal = AbortSignal.timeout(timeoutMs);
  const res = await call(
    `${base(r)}/manifests/${r.reference}`,
    { headers: { accept: MANIFEST }, signal },
    ref,
  );
  const manifest = (await res.json()) as { layers?: { mediaType: string; digest: string }[] };
  const layer = manifest.layers?.find(
    (l) => l.mediaType === WASM_LAYER || l.mediaType.includes('wasm'),
  );
  if (!layer) throw new AloftError('ARTIFACT_NOT_FOUND', `${ref} has no WebAssembly layer`);
  const blob = await call(`${base(r)}/blobs/${layer.digest}`, { signal }, ref);
  return { bytes: new Uint8Array(await blob.arrayBuffer()), digest: layer.digest };
}

/** Pushes `bytes` as a one-layer wasm artifact and returns the pinned reference `…@sha256:<manifest>`. */
export async function pushOci(ref: string, bytes: Uint8Array, timeoutMs = 30_000): Promise<string> {
  const r = parseOciRef(ref);
  const signal = AbortSignal.timeout(timeoutMs);
  const upload = async (data: Uint8Array): Promise<string> => {
    const digest = `sha256:${await sha256Of(data)}`;
    const start = await call(`${base(r)}/blobs/uploads/`, { method: 'POST', signal }, ref);
    const location = new URL(start.headers.get('location') ?? '', `${base(r)}/`);
    location.searchParams.set('digest', digest);
    await call(
      location.toString(),
      {
        method: 'PUT',
        body: data,
        headers: { 'content-type': 'application/octet-stream' },
        signal,
      },
      ref,
    );
    return digest;
  };
  const config = new TextEncoder().encode('{}');
  const configDigest = await upload(config);
  const layerDigest = await upload(bytes);
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST,
      config: { mediaType: CONFIG_MEDIA, digest: configDigest, size: config.length },
      layers: [{ mediaType: WASM_LAYER, digest: layerDigest, size: bytes.length }],
    }),
  );
  await call(
    `${base(r)}/manifests/${r.reference}`,
    { method: 'PUT', body: manifest, headers: { 'content-type': MANIFEST }, signal },
    ref,
  );
  return `oci://${r.registry}/${r.repository}@sha256:${await sha256Of(manifest)}`;
}

async function call(url: string, init: RequestInit, ref: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    throw new AloftError(
      'ARTIFACT_UNREACHABLE',
      `OCI registry for ${ref} unreachable: ${String(err)}`,
      { cause: err, retryable: true },
    );
  }
  if (!res.ok) {
    throw new AloftError(
      'ARTIFACT_NOT_FOUND',
      `OCI registry answered HTTP ${res.status} for ${ref} (${init.method ?? 'GET'} ${new URL(url).pathname})`,
      {
        retryable: res.status >= 500,
      },
    );
  }
  return res;
}
