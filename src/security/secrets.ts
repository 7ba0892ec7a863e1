/**
 * Named secrets sealed with curve25519 keys (nkeys "xkeys": NaCl box). A secret is sealed for the
 * lattice's secrets key (its public `X…` key) by a fresh sender key, and only holders of the
 * matching seed (hosts given `--secrets-key`) can open it. The plaintext binds the name, so a
 * sealed value cannot be replayed under another name. Pure.
 */
import { createCurve, fromCurveSeed } from '@nats-io/nkeys';
import { SecurityCodes, SecurityError } from './errors.ts';
import { base64UrlDecode, base64UrlEncode } from './jwt.ts';
import { assertPublicKey, parseSeed } from './keys.ts';

/** A secret as stored in the lattice: never the value, only its sealed form. */
export interface SealedSecret {
  v: 1;
  name: string;
  /** The one-off sender key that sealed it. */
  sender: string;
  /** The key it was sealed for. */
  recipient: string;
  /** base64url of the sealed box. */
  sealed: string;
  createdAt: string;
}

/** Link or config values of the form `secret:<name>` refer to a secret. */
export const SECRET_PREFIX = 'secret:';

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * Seals `value` as secret `name` for `recipient` (an `X…` public key).
 *
 * @example
 * const record = sealSecret('redis-url', 'redis://:pw@db:6379', policy.secretsRecipient);
 */
export function sealSecret(
  name: string,
  value: string,
  recipient: string,
  now = new Date(),
): SealedSecret {
  assertPublicKey(recipient, 'curve', 'the secrets recipient');
  const sender = createCurve();
  const sealed = sender.seal(enc.encode(JSON.stringify({ name, value })), recipient);
  const record: SealedSecret = {
    v: 1,
    name,
    sender: sender.getPublicKey(),
    recipient,
    sealed: base64UrlEncode(sealed),
    createdAt: now.toISOString(),
  };
  sender.clear();
  return record;
}

/** Opens a sealed secret with the recipient's seed (`SX…`); throws `SECRET_UNREADABLE`. */
export function openSecret(record: SealedSecret, recipientSeed: string): string {
  const key = parseSeed(recipientSeed, 'the secrets key');
  if (key.kind !== 'curve') {
    throw new SecurityError(
      SecurityCodes.KEY_INVALID,
      `the secrets key is a ${key.kind} key, not a curve key (SX…)`,
    );
  }
  const unreadable = (why: string): SecurityError =>
    new SecurityError(
      SecurityCodes.SECRET_SEALED,
      `secret ${record.name} cannot be opened: ${why}`,
    );
  if (record.recipient !== key.publicKey)
    throw unreadable(`it was sealed for ${record.recipient}, not this host's key ${key.publicKey}`);
  const box = base64UrlDecode(record.sealed);
  if (!box) throw unreadable('the sealed value is not base64url');
  const kp = fromCurveSeed(enc.encode(key.seed));
  let opened: Uint8Array | null;
  try {
    opened = kp.open(box, record.sender);
  } catch {
    opened = null;
  } finally {
    kp.clear();
  }
  if (!opened) throw unreadable('it was altered or sealed by someone else');
  let parsed: unknown;
  try {
    parsed = JSON.parse(dec.decode(opened));
  } catch {
    throw unreadable('its content is not what Aloft seals');
  }
  const p = parsed as { name?: unknown; value?: unknown };
  if (p.name !== record.name || typeof p.value !== 'string')
    throw unreadable('it was sealed under another name');
  return p.value;
}

/** The secret name a config value refers to, or undefined when it is a plain value. */
export function secretRef(value: string): string | undefined {
  return value.startsWith(SECRET_PREFIX) ? value.slice(SECRET_PREFIX.length) : undefined;
}

/** Whether any value of `config` refers to a secret. */
export function hasSecretRefs(config: Readonly<Record<string, string>>): boolean {
  return Object.values(config).some((v) => secretRef(v) !== undefined);
}

/** `config` with every `secret:<name>` value replaced by `open(name)` (which throws when it cannot). */
export function resolveSecretRefs(
  config: Readonly<Record<string, string>>,
  open: (name: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    const name = secretRef(v);
    out[k] = name === undefined ? v : open(name);
  }
  return out;
}
