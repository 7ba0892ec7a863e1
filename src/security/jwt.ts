/**
 * Compact JWTs signed with nkeys (ed25519), the format NATS uses: header
 * `{"typ":"JWT","alg":"ed25519-nkey"}`, the signature over `base64url(header).base64url(payload)`,
 * verified with the public key in the `iss` claim. Pure; runs in Node and browsers.
 */
import { fromPublic } from '@nats-io/nkeys';
import { SecurityCodes, SecurityError } from './errors.ts';
import type { Signer } from './keys.ts';
import { publicKeyKind } from './keys.ts';

export const JWT_ALG = 'ed25519-nkey';

export function base64UrlEncode(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Strict: undefined for characters outside the alphabet or a non-canonical encoding. */
export function base64UrlDecode(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  let bin: string;
  try {
    bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return undefined;
  }
  const out = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  // Unused trailing bits must be zero: otherwise two texts would decode to the same bytes.
  return base64UrlEncode(out) === text ? out : undefined;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Signs `payload` (which must carry `iss` = the signer's public key) as a compact JWT. */
export function encodeJwt(payload: Record<string, unknown>, signer: Signer): string {
  if (payload.iss !== signer.publicKey) {
    throw new SecurityError(SecurityCodes.INVALID, 'the JWT issuer must be the signing key');
  }
  const head = base64UrlEncode(enc.encode(JSON.stringify({ typ: 'JWT', alg: JWT_ALG })));
  const body = base64UrlEncode(enc.encode(JSON.stringify(payload)));
  const sig = base64UrlEncode(signer.sign(enc.encode(`${head}.${body}`)));
  return `${head}.${body}.${sig}`;
}

const invalid = (why: string): SecurityError =>
  new SecurityError(SecurityCodes.INVALID, `claims JWT ${why}`);

function jsonPart(part: string, what: string): Record<string, unknown> {
  const raw = base64UrlDecode(part);
  if (!raw) throw invalid(`${what} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(dec.decode(raw));
  } catch {
    throw invalid(`${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Decodes a JWT without checking its signature (for display). Throws `CLAIMS_INVALID`. */
export function decodeJwt(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const parts = token.split('.');
  if (parts.length !== 3) throw invalid(`has ${parts.length} parts, not 3`);
  return {
    header: jsonPart(parts[0] ?? '', 'header'),
    payload: jsonPart(parts[1] ?? '', 'payload'),
  };
}

/**
 * Decodes a JWT and verifies its signature with its `iss` public key, which must be of
 * `issuerKind`. Throws `CLAIMS_INVALID` naming what failed.
 */
export function verifyJwt(
  token: string,
  issuerKind: 'account' | 'operator',
): Record<string, unknown> {
  const { header, payload } = decodeJwt(token);
  if (header.alg !== JWT_ALG)
    throw invalid(`uses algorithm ${JSON.stringify(header.alg)}, not ${JWT_ALG}`);
  const iss = payload.iss;
  if (typeof iss !== 'string' || publicKeyKind(iss) !== issuerKind)
    throw invalid(
      `issuer ${JSON.stringify(iss)} is not ${issuerKind === 'account' ? 'an account' : 'an operator'} public key`,
    );
  const [head, body, sigText] = token.split('.') as [string, string, string];
  const sig = base64UrlDecode(sigText);
  if (!sig || sig.length !== 64) throw invalid('signature is malformed');
  let ok = false;
  try {
    ok = fromPublic(iss).verify(enc.encode(`${head}.${body}`), sig);
  } catch {
    ok = false;
  }
  if (!ok) throw invalid(`signature does not verify with issuer ${iss}`);
  return payload;
}
