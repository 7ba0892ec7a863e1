import { z } from 'zod';
import { schemas } from '../lattice/index.ts';

/**
 * What the `/join` page tells the tab: which lattice to join, how to reach its NATS over
 * WebSocket, with which credentials, and where else artifacts may be fetched from. Written by the
 * server into the page, read and validated by the tab (`page/main.ts`). Pure; shared by both sides.
 */
export const JoinConfig = z.object({
  lattice: z.string().min(1),
  /** NATS WebSocket URLs (`ws://…`, `wss://…`), tried in order. */
  servers: z.array(z.string().regex(/^wss?:\/\//, 'expected a ws:// or wss:// URL')).min(1),
  /** A `.creds` file's text (user JWT and nkey seed) for the tab's NATS user, when NATS has auth. */
  credentials: z.string().optional(),
  /** The user's own reply inbox prefix, when its permissions allow only that one. */
  inboxPrefix: z.string().optional(),
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
