/**
 * Maps a capability's image reference in a manifest to the built-in provider kind a host starts.
 * wadm manifests name providers by OCI image (`ghcr.io/wasmcloud/keyvalue-nats:0.3.1`); Aloft's
 * hosts run built-in providers, so the image's last path segment (without tag) names the kind,
 * and `aloft:<kind>` names one directly.
 *
 * @example
 * providerKindFor('ghcr.io/wasmcloud/http-server:0.23.0'); // 'http-server'
 */
export function providerKindFor(ref: string): string {
  if (ref.startsWith('aloft:')) return ref.slice('aloft:'.length);
  const last = ref.split('/').pop() ?? ref;
  return last.replace(/[:@].*$/, '');
}
