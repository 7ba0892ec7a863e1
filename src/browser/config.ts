import { z } from 'zod';
import { schemas } from '../lattice/index.ts';

/**
 * What the `/join` page tells the tab: which lattice to join, how to reach its NATS over
 * WebSocket, where to get credentials, and where else artifacts may be fetched from. Written by
 * the server into the page, read and validated by the tab (`page/main.ts`); and the messages of
 * the credentials exchange. Pure; shared by both sides.
 */
export const JoinConfig = z.object({
  lattice: z.string().min(1),
  /** NATS WebSocket URLs (`ws://…`, `wss://…`), tried in order. */
  servers: z.array(z.string().regex(/^wss?:\/\//, 'expected a ws:// or wss:// URL')).min(1),
  /**
   * When NATS has accounts: same-origin paths where the tab proves it holds its host key and gets
   * NATS credentials of its own (see `TabCredentials`). Absent: the tab connects without any.
   */
  auth: z.object({ challengeUrl: z.string(), credentialsUrl: z.string() }).optional(),
  heartbeatMs: z.number().int().min(100).max(60_000).default(1000),
  /**
   * Where `sha256:` artifacts are read from, in order: the lattice's object store over the tab's
   * own NATS connection, or the page's server over HTTP (`artifactUrl?sha256=<hex>`).
   */
  artifactSources: z
    .array(z.enum(['store', 'http']))
    .min(1)
    .default(['store', 'http']),
  /** Same-origin path of the artifact endpoint. */
  artifactUrl: z.string().default('/join/artifact'),
  /** Same-origin URL of the instance worker script. */
  workerUrl: z.string(),
  /**
   * Account public keys whose signed components the tab runs: the page's server's own list plus
   * the lattice policy's, read by the server (a tab's credentials may not read the policy).
   */
  trustedIssuers: z
    .array(z.string().regex(/^A[A-Z2-7]{55}$/, 'expected an account public key (A…)'))
    .default([]),
  /** Development: the lattice policy allows unsigned components. */
  allowUnsigned: z.boolean().default(false),
});
export type JoinConfig = z.infer<typeof JoinConfig>;
export type JoinConfigInput = z.input<typeof JoinConfig>;

/** `POST <challengeUrl>`: a single-use nonce for the tab to sign. */
export const JoinChallenge = z.object({
  nonce: z.string().min(16),
  /** How long the nonce may be used. */
  expiresInMs: z.number().int().positive(),
});
export type JoinChallenge = z.infer<typeof JoinChallenge>;

/** `POST <credentialsUrl>`: the tab's host id and its signature of `challengeText(…)`. */
export const CredentialsRequest = z.object({
  hostId: z.string().regex(/^N[A-Z2-7]{55}$/, 'expected a host id (an nkey server public key)'),
  nonce: z.string().min(16).max(128),
  /** Ed25519 signature by the host key, base64url. */
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'expected a base64url ed25519 signature'),
});
export type CredentialsRequest = z.infer<typeof CredentialsRequest>;

/**
 * The answer: a user JWT whose subject is the tab's host key (as a user key), for the tab to
 * connect with its own seed. Times are relative, so the tab's clock does not matter.
 */
export const TabCredentials = z.object({
  jwt: z.string().min(1),
  /** The user's own reply inbox prefix: its permissions allow no other. */
  inboxPrefix: z.string().min(1),
  /** The JWT expires this long after it was issued. */
  expiresInMs: z.number().int().positive(),
  /** When the tab should ask for the next one. */
  renewAfterMs: z.number().int().positive(),
});
export type TabCredentials = z.infer<typeof TabCredentials>;

/** A refusal from either endpoint: `{ code, error }`. */
export const JoinRefusal = z.object({ code: z.string(), error: z.string() });

/**
 * What the tab signs to prove it holds its host key: the nonce, bound to the lattice and the host
 * id, with a prefix of its own so that no signature made for NATS (which signs bare server
 * nonces) can be replayed here, or one made here at NATS.
 */
export const challengeText = (lattice: string, hostId: string, nonce: string): string =>
  `aloft-join-v1\n${lattice}\n${hostId}\n${nonce}`;

/** base64url without padding, in the browser and in Node alike. */
export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Labels every browser-tab host carries; the page's query string cannot override them. */
export const BUILTIN_LABELS: Readonly<Record<string, string>> = { runtime: 'browser' };

/** The result of reading labels from a query string: the labels, or what was wrong with it. */
export type LabelsResult =
  { ok: true; labels: Record<string, string> } | { ok: false; problems: string[] };

/**
 * The tab's labels: the built-ins plus every query-string parameter (`/join?cloud=aws&zone=b`
 * gives `cloud=aws`, `zone=b`). A parameter given twice, an empty key, a key or value too long,
 * or a built-in key is refused with a message naming it.
 *
 * @example
 * labelsFromQuery('?cloud=aws'); // { ok: true, labels: { runtime: 'browser', cloud: 'aws' } }
 */
export function labelsFromQuery(search: string): LabelsResult {
  const params = new URLSearchParams(search);
  const labels: Record<string, string> = { ...BUILTIN_LABELS };
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [key, value] of params) {
    if (seen.has(key)) {
      problems.push(`label "${key}" is given more than once`);
      continue;
    }
    seen.add(key);
    if (key in BUILTIN_LABELS) {
      problems.push(
        `label "${key}" is set by the host itself (${key}=${BUILTIN_LABELS[key]}); remove it from the address`,
      );
      continue;
    }
    labels[key] = value;
  }
  const parsed = schemas.Labels.safeParse(labels);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      problems.push(
        key === ''
          ? 'a label has an empty name (e.g. "?=x"); use ?key=value'
          : `label "${key.slice(0, 40)}": ${issue.message} (names up to 128 characters, values up to 256)`,
      );
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, labels };
}
