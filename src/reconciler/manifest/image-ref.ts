/**
 * Syntax of image references (fetching them is the host's business). Accepted: an OCI reference
 * (`ghcr.io/org/name:1.0`, `localhost:5000/name@sha256:<hex>`), a file path (`./build/x.wasm`,
 * `/abs/x.wasm`, `file://…`), an http(s) URL, or a content address `sha256:<64 hex>`.
 */

export type ImageRefCheck =
  | { ok: true; kind: 'oci' | 'file' | 'url' | 'sha256'; warning?: string }
  | { ok: false; reason: string };

// The distribution reference grammar, simplified: lower-case path components separated by
// `.`, `_`, `__` or `-` runs; an optional registry host (with a `.` or `:` or `localhost`).
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN =
  '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = 'sha256:[a-f0-9]{64}';
const OCI = new RegExp(
  `^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);
const SHA256 = /^sha256:[a-f0-9]{64}$/;

export function checkImageRef(ref: string): ImageRefCheck {
  if (/\s/.test(ref)) return { ok: false, reason: 'it contains whitespace' };
  if (ref.startsWith('sha256:')) {
    return SHA256.test(ref)
      ? { ok: true, kind: 'sha256' }
      : { ok: false, reason: 'a content address is sha256: followed by 64 lower-case hex digits' };
  }
  if (/^https?:\/\//.test(ref)) {
    try {
      new URL(ref);
      return { ok: true, kind: 'url' };
    } catch {
      return { ok: false, reason: 'it is not a valid URL' };
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref) && !ref.startsWith('file://')) {
    const scheme = ref.slice(0, ref.indexOf(':'));
    return {
      ok: false,
      reason: `scheme "${scheme}://" is not supported (drop it for an OCI reference; use http(s):// or file://)`,
    };
  }
  if (
    ref.startsWith('file://') ||
    ref.startsWith('./') ||
    ref.startsWith('../') ||
    ref.startsWith('/')
  ) {
    return { ok: true, kind: 'file' };
  }
  const m = OCI.exec(ref);
  if (!m) {
    const path = ref.split(/[:@]/)[0] ?? ref;
    const reason =
      path !== path.toLowerCase() && !ref.includes('/')
        ? 'repository names must be lower-case'
        : /[A-Z]/.test(ref.split('/').slice(1).join('/').split(/[:@]/)[0] ?? '')
          ? 'repository names must be lower-case'
          : ref.endsWith(':')
            ? 'the tag after ":" is empty'
            : 'expected an OCI reference like ghcr.io/org/name:1.0, a path like ./build/x.wasm, an http(s) URL or sha256:<hex>';
    return { ok: false, reason };
  }
  const [, domain, , tag, digest] = m;
  if (domain === undefined && !ref.includes('/') && ref.endsWith('.wasm')) {
    return {
      ok: true,
      kind: 'file',
      warning: 'a bare file name is read as a path; write ./' + ref,
    };
  }
  if (tag === undefined && digest === undefined) {
    return {
      ok: true,
      kind: 'oci',
      warning: 'no tag or digest: this pulls ":latest", which changes under you; pin a version',
    };
  }
  return { ok: true, kind: 'oci' };
}
