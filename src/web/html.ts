/** Escapes text for HTML element content and double-quoted attribute values. */
export function esc(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * A cloud name as a fragment id part. Names are label values (any text), so anything outside
 * `[a-z0-9-]` is hex-encoded: distinct names never share an id.
 */
export function slug(name: string): string {
  return [...name]
    .map((ch) => (/[a-z0-9-]/.test(ch) ? ch : `_${ch.codePointAt(0)?.toString(16) ?? ''}`))
    .join('');
}
