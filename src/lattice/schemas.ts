import { z } from 'zod';
import { isValidToken } from './names.ts';

/**
 * Message schemas of protocol version 1. Rules (docs/protocol.md): fields may be added within a
 * version (readers ignore what they do not know); removing or changing the meaning of a field
 * needs a new version in the subject.
 */

const token = (what: string): z.ZodString =>
  z.string().refine(isValidToken, { message: `${what} must be 1-63 letters, digits, "-" or "_"` });

export const Labels = z.record(z.string().min(1).max(128), z.string().max(256));
export type Labels = z.infer<typeof Labels>;

/** Where a component's bytes come from: a path, an http(s) URL, `sha256:<hex>` or an OCI reference. */
export const ArtifactRef = z.string().min(1).max(2048);

export const HostPingRequest = z.object({}).loose();
export const HostSummary = z.object({
  hostId: z.string(),
  name: z.string(),
  lattice: z.string(),
  labels: Labels,
  version: z.string(),
  startedAt: z.string(),
  cordoned: z.boolean(),
  components: z.number().int().nonnegative(),
  providers: z.number().int().nonnegative(),
});
export type HostSummary = z.infer<typeof HostSummary>;

export const ComponentStartRequest = z.object({
  name: token('component name'),
  ref: ArtifactRef,
  count: z.number().int().min(1).max(10_000).default(1),
  /** Application that owns the instances, for the reconciler. */
  app: z.string().max(128).optional(),
  /** The application version the instances belong to (for make-before-break upgrades). */
  version: z.string().max(128).optional(),
  /** Reconciler lease epoch; hosts refuse commands older than the newest epoch they have seen. */
  epoch: z.number().int().nonnegative().optional(),
  limits: z
    .object({
      memoryMiB: z.number().int().min(1).max(4096).optional(),
      deadlineMs: z.number().int().min(1).max(600_000).optional(),
      maxConcurrent: z.number().int().min(1).max(10_000).optional(),
    })
    .optional(),
});
export const ComponentScaleRequest = z.object({
  name: token('component name'),
  count: z.number().int().min(0).max(10_000),
  app: z.string().max(128).optional(),
  version: z.string().max(128).optional(),
  epoch: z.number().int().nonnegative().optional(),
});
export const ComponentStopRequest = z.object({
  name: token('component name'),
  app: z.string().max(128).optional(),
  epoch: z.number().int().nonnegative().optional(),
});
export const ProviderStartRequest = z.object({
  name: token('provider name'),
  /** A built-in provider (`http-server`, `keyvalue`, …) or an external one's command. */
  kind: z.string().min(1).max(128),
  config: z.record(z.string(), z.string()).default({}),
  /** The reference the deployment named it by (e.g. a wadm image), reported back in inventory. */
  ref: z.string().max(2048).optional(),
  app: z.string().max(128).optional(),
  version: z.string().max(128).optional(),
  epoch: z.number().int().nonnegative().optional(),
});
export const ProviderStopRequest = z.object({
  name: token('provider name'),
  epoch: z.number().int().nonnegative().optional(),
});

export const Link = z.object({
  /** The component whose import is bound. */
  source: token('source component'),
  /** The provider (or component) serving it. */
  target: token('link target'),
  /** The WIT interface, e.g. `aloft:platform/keyvalue`. */
  interface: z.string().min(1).max(256),
  name: token('link name').default('default'),
  config: z.record(z.string(), z.string()).default({}),
});
export type Link = z.infer<typeof Link>;
export const LinkDeleteRequest = z.object({
  source: token('source component'),
  interface: z.string().min(1).max(256),
  name: token('link name').default('default'),
});
export const ConfigPutRequest = z.object({
  name: token('config name'),
  values: z.record(z.string(), z.string()),
});
export const ConfigDeleteRequest = z.object({ name: token('config name') });
export const LabelsPutRequest = z.object({ labels: Labels });
export const LabelsDeleteRequest = z.object({ keys: z.array(z.string().min(1)).min(1) });
export const DrainRequest = z.object({
  graceMs: z.number().int().min(0).max(600_000).default(10_000),
});
export const EmptyRequest = z.object({}).loose();

const publicKey = (letter: string, what: string) =>
  z.string().regex(new RegExp(`^${letter}[A-Z2-7]{55}$`), {
    message: `${what} must be a public key ${letter}…`,
  });

/**
 * The lattice's security policy (key `policy` of the security bucket). Hosts add it to their
 * own flags: it can add trusted issuers and allow unsigned components (development), never take
 * away what a host's flags trust. Written only by administrators (`aloft policy set`).
 */
export const LatticePolicy = z.object({
  /** Account public keys whose signed components hosts run. */
  trustedIssuers: z.array(publicKey('A', 'a trusted issuer')).max(256).default([]),
  /** Development: run unsigned components. Never set this on a production lattice. */
  allowUnsigned: z.boolean().default(false),
  /** The curve public key secrets are sealed for; hosts given its seed can open them. */
  secretsRecipient: publicKey('X', 'the secrets recipient').optional(),
  updatedAt: z.string().optional(),
});
export type LatticePolicy = z.infer<typeof LatticePolicy>;

/** A named secret as stored (key `secret.<name>` of the security bucket): only its sealed form. */
export const SealedSecret = z.object({
  v: z.literal(1),
  name: token('secret name'),
  sender: publicKey('X', 'the sender'),
  recipient: publicKey('X', 'the recipient'),
  sealed: z.string().min(1).max(1_500_000),
  createdAt: z.string(),
});
export type SealedSecret = z.infer<typeof SealedSecret>;

/** The acknowledgement a host sends before acting; completion arrives later as an event. */
export const Ack = z.object({
  accepted: z.literal(true),
  hostId: z.string().optional(),
  detail: z.string().optional(),
});
export type Ack = z.infer<typeof Ack>;

/**
 * One component's calls on one host, in a heartbeat: counters since the host started (they only
 * grow; a restarted host has a new id) and a latency summary of the calls that completed since the
 * previous beat (absent when none did). Milliseconds, rounded to 0.01.
 */
export const CallStats = z.object({
  /** Calls that returned a result. */
  ok: z.number().int().nonnegative(),
  /** Calls that started and failed (the component's error, a trap, a timeout). */
  err: z.number().int().nonnegative(),
  /** Calls refused before starting (BUSY, draining): the caller tried elsewhere. */
  shed: z.number().int().nonnegative().optional(),
  p50: z.number().nonnegative().optional(),
  p99: z.number().nonnegative().optional(),
  max: z.number().nonnegative().optional(),
});
export type CallStats = z.infer<typeof CallStats>;

/**
 * A heartbeat, every second by default. Small on purpose: a thousand hosts at one beat per second
 * must stay cheap. Observers fetch the full inventory only when `inventoryRevision` changes.
 */
export const Heartbeat = z.object({
  hostId: z.string(),
  name: z.string(),
  labels: Labels,
  /** Milliseconds between beats; observers declare the host lost after three missed beats. */
  intervalMs: z.number().int().positive(),
  seq: z.number().int().nonnegative(),
  inventoryRevision: z.number().int().nonnegative(),
  cordoned: z.boolean(),
  /** Instance counts per component name. */
  components: z.record(z.string(), z.number().int().nonnegative()),
  providers: z.array(z.string()),
  load: z.object({ inFlight: z.number().nonnegative(), capacity: z.number().nonnegative() }),
  /** The newest reconciler lease epoch this host has obeyed (it refuses older ones). */
  epoch: z.number().int().nonnegative().optional(),
  /** Added within v1 (optional): `draining` while the host drains or stops (it is also cordoned). */
  draining: z.boolean().optional(),
  /** Added within v1 (optional): milliseconds since the host started, on its monotonic clock. */
  uptimeMs: z.number().nonnegative().optional(),
  /**
   * Added within v1 (optional): call statistics per component served here. Observers derive rates
   * from two successive beats (counter deltas over the `uptimeMs` delta).
   */
  calls: z.record(z.string(), CallStats).optional(),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

/**
 * One line a component logged (the `logging` capability), published on `aloft.L.log.<component>`
 * and kept for a while in the lattice's log stream. `traceId`/`spanId` name the invocation's span
 * when the call carried trace context.
 */
export const ComponentLogLine = z.object({
  time: z.string(),
  level: z.string(),
  msg: z.string(),
  component: z.string(),
  context: z.string().optional(),
  hostId: z.string(),
  host: z.string().optional(),
  cloud: z.string().optional(),
  lattice: z.string().optional(),
  traceId: z.string().optional(),
  spanId: z.string().optional(),
});
export type ComponentLogLine = z.infer<typeof ComponentLogLine>;
