import type { CallStats, CloudEvent, Heartbeat, Link } from '../lattice/index.ts';

/**
 * What the dashboard knows about the lattice, built from heartbeats, events and the state buckets.
 * Plain data changed by the functions below (no I/O, time passed in), so every rule here is
 * tested without NATS.
 */
export interface LatticeModel {
  hosts: Map<string, HostRecord>;
  /** Newest last; at most {@link MAX_EVENTS}. */
  events: CloudEvent[];
  apps: Map<string, AppStatusRecord>;
  links: Link[];
  /** Requests/s served per cloud, one sample per tick, oldest first; at most {@link SERIES_LENGTH}. */
  series: SeriesSample[];
}

export interface HostRecord {
  beat: Heartbeat;
  /** Monotonic ms when the last beat arrived. */
  seenMs: number;
  presence: 'live' | 'lost' | 'stopped';
  /** When and why it was lost or stopped. */
  goneMs?: number;
  goneReason?: string;
  /** The beat that rates are measured from (at least {@link RATE_WINDOW_MS} before the next). */
  base?: Heartbeat;
  rate?: HostRate;
}

/** A host's call rates, from two of its beats. */
export interface HostRate {
  /** Monotonic ms when measured. */
  atMs: number;
  rps: number;
  errps: number;
  /** Requests/s per component. */
  byComponent: Record<string, number>;
  /** Latency of the last interval that had calls (max over its components). */
  p50?: number;
  p99?: number;
}

/** An application's status as the reconciler writes it (`status.<app>` in the apps bucket). */
export interface AppStatusRecord {
  app: string;
  version: string;
  state: string;
  reason: string;
  scalers: { component: string; state: string; reason: string; target: number; running: number }[];
}

export interface SeriesSample {
  /** Wall-clock ms. */
  t: number;
  rps: Record<string, number>;
}

export const MAX_EVENTS = 200;
export const SERIES_LENGTH = 90;
export const RATE_WINDOW_MS = 900;
/** A lost host stays on the page this long, unless a host of the same name and cloud replaces it. */
export const GONE_RETENTION_MS = 5 * 60_000;
/** A rate older than this is stale (its host stopped beating): it counts as zero. */
const RATE_FRESH_MS = 3500;
const MISSED_BEATS_FOR_LOSS = 3;

export function emptyModel(): LatticeModel {
  return { hosts: new Map(), events: [], apps: new Map(), links: [], series: [] };
}

/** The cloud a host belongs to: its `cloud` label. */
export const cloudOf = (beat: Heartbeat): string => beat.labels.cloud ?? 'unlabelled';

/** A heartbeat arrived at monotonic `nowMs`. */
export function applyBeat(model: LatticeModel, beat: Heartbeat, nowMs: number): void {
  const prev = model.hosts.get(beat.hostId);
  const record: HostRecord = { beat, seenMs: nowMs, presence: 'live' };
  let base = prev?.presence === 'live' ? (prev.base ?? prev.beat) : undefined;
  if (base && (base.uptimeMs ?? 0) > (beat.uptimeMs ?? 0)) base = undefined; // a restart
  record.rate = prev?.presence === 'live' ? prev.rate : undefined;
  if (!base) record.base = beat;
  else if ((beat.uptimeMs ?? 0) - (base.uptimeMs ?? 0) >= RATE_WINDOW_MS) {
    record.rate = rateBetween(base, beat, nowMs, prev?.rate);
    record.base = beat;
  } else {
    record.base = base;
    const latency = latencyOf(beat.calls);
    if (record.rate && latency.p99 !== undefined) record.rate = { ...record.rate, ...latency };
  }
  model.hosts.set(beat.hostId, record);
  // A host that replaces a lost one (same name and cloud, a new id) takes its place on the page.
  for (const [id, other] of model.hosts) {
    if (id !== beat.hostId && other.presence !== 'live' && sameSlot(other.beat, beat)) {
      model.hosts.delete(id);
    }
  }
}

const sameSlot = (a: Heartbeat, b: Heartbeat): boolean =>
  a.name === b.name && cloudOf(a) === cloudOf(b);

/** Rates from two beats of one host; the latency is that of the newer beat's interval. */
export function rateBetween(
  from: Heartbeat,
  to: Heartbeat,
  nowMs: number,
  previous?: HostRate,
): HostRate {
  const seconds = Math.max(0.001, ((to.uptimeMs ?? 0) - (from.uptimeMs ?? 0)) / 1000);
  const byComponent: Record<string, number> = {};
  let calls = 0;
  let errors = 0;
  for (const [name, now] of Object.entries(to.calls ?? {})) {
    const was = from.calls?.[name] ?? { ok: 0, err: 0 };
    const n = Math.max(0, now.ok + now.err - was.ok - was.err);
    byComponent[name] = n / seconds;
    calls += n;
    errors += Math.max(0, now.err - was.err);
  }
  const latency = latencyOf(to.calls);
  return {
    atMs: nowMs,
    rps: calls / seconds,
    errps: errors / seconds,
    byComponent,
    // Keep the last known latency while calls still flow but this short interval had none.
    ...(latency.p99 !== undefined
      ? latency
      : calls > 0 && previous?.p99 !== undefined
        ? { p50: previous.p50, p99: previous.p99 }
        : {}),
  };
}

function latencyOf(calls: Record<string, CallStats> | undefined): { p50?: number; p99?: number } {
  let p50: number | undefined;
  let p99: number | undefined;
  for (const c of Object.values(calls ?? {})) {
    if (c.p50 !== undefined) p50 = Math.max(p50 ?? 0, c.p50);
    if (c.p99 !== undefined) p99 = Math.max(p99 ?? 0, c.p99);
  }
  return p99 === undefined ? {} : { p50, p99 };
}

/** The host was reported lost (`host_lost`) or stopped (`host_stopped`). */
export function hostGone(
  model: LatticeModel,
  hostId: string,
  presence: 'lost' | 'stopped',
  reason: string,
  nowMs: number,
): void {
  const r = model.hosts.get(hostId);
  if (!r || r.presence !== 'live') return;
  model.hosts.set(hostId, { ...r, presence, goneMs: nowMs, goneReason: reason, rate: undefined });
}

/**
 * Time passes: a host silent for three of its beat intervals is lost (as every host judges it);
 * gone hosts are dropped after {@link GONE_RETENTION_MS}.
 */
export function expire(model: LatticeModel, nowMs: number): void {
  for (const [id, r] of model.hosts) {
    if (r.presence === 'live' && nowMs - r.seenMs > r.beat.intervalMs * MISSED_BEATS_FOR_LOSS) {
      hostGone(model, id, 'lost', `missed ${MISSED_BEATS_FOR_LOSS} heartbeats`, nowMs);
    } else if (r.presence !== 'live' && nowMs - (r.goneMs ?? nowMs) > GONE_RETENTION_MS) {
      model.hosts.delete(id);
    }
  }
}

/** The current rate of a live host (undefined when it has none or it is stale). */
export function freshRate(r: HostRecord, nowMs: number): HostRate | undefined {
  if (r.presence !== 'live' || !r.rate) return undefined;
  return nowMs - r.rate.atMs <= RATE_FRESH_MS ? r.rate : undefined;
}

/** Appends one sample of requests/s per cloud (every cloud in `clouds` gets a value). */
export function sample(model: LatticeModel, clouds: string[], nowMs: number, wallMs: number): void {
  const rps: Record<string, number> = Object.fromEntries(clouds.map((c) => [c, 0]));
  for (const r of model.hosts.values()) {
    const rate = freshRate(r, nowMs);
    if (rate) rps[cloudOf(r.beat)] = (rps[cloudOf(r.beat)] ?? 0) + rate.rps;
  }
  model.series.push({ t: wallMs, rps });
  if (model.series.length > SERIES_LENGTH)
    model.series.splice(0, model.series.length - SERIES_LENGTH);
}

/** Records an event; repeats (same id) are ignored. */
export function addEvent(model: LatticeModel, event: CloudEvent): boolean {
  if (model.events.some((e) => e.id === event.id)) return false;
  model.events.push(event);
  if (model.events.length > MAX_EVENTS) model.events.splice(0, model.events.length - MAX_EVENTS);
  return true;
}
