import { eventType, type CloudEvent } from '../lattice/index.ts';

/** One line of the event timeline. */
export interface EventView {
  id: string;
  /** ISO time from the event. */
  time: string;
  /** The short type (`host_lost`), or the full CloudEvents type when it is not one of Aloft's. */
  type: string;
  tone: 'bad' | 'warn' | 'good' | 'info';
  /** Who it is about: a host's name (or short id), a component, an emitter. */
  who: string;
  detail: string;
}

const TONES: Record<string, EventView['tone']> = {
  host_lost: 'bad',
  component_start_failed: 'bad',
  provider_start_failed: 'bad',
  component_trapped: 'bad',
  command_failed: 'bad',
  host_cordoned: 'warn',
  host_stopped: 'warn',
  component_stopped: 'warn',
  provider_stopped: 'warn',
  link_deleted: 'warn',
  config_deleted: 'warn',
  host_started: 'good',
  component_scaled: 'good',
  component_started: 'good',
  provider_started: 'good',
  host_uncordoned: 'good',
};

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

/** A short, readable line for a CloudEvent. `hostName` resolves host ids the page knows. */
export function describeEvent(
  event: CloudEvent,
  hostName: (hostId: string) => string | undefined,
): EventView {
  const type = eventType(event) ?? event.type;
  const d = event.data;
  const hostId = str(d.hostId) ?? event.subject;
  // `name` is the host's own name in host events, a component's or provider's in the others.
  const ownName = type.startsWith('host_') ? str(d.name) : undefined;
  const host = hostId ? (hostName(hostId) ?? ownName ?? `${hostId.slice(0, 8)}…`) : undefined;
  const labels =
    d.labels && typeof d.labels === 'object' ? (d.labels as Record<string, unknown>) : {};
  const where = str(labels.cloud) ? ` (${str(labels.cloud)})` : '';
  const by = emitter(event.source, hostName);
  let who = host ?? by;
  let detail = '';
  switch (type) {
    case 'host_lost':
      detail = `${str(d.reason) ?? 'lost'}${where}${by ? `, seen by ${by}` : ''}`;
      break;
    case 'host_started':
      detail = `joined${where}`;
      break;
    case 'host_stopped':
      detail = 'left the lattice (graceful stop)';
      break;
    case 'host_cordoned':
      detail = str(d.reason) === 'drain' ? 'draining' : 'cordoned';
      break;
    case 'component_started':
    case 'component_scaled':
      detail = `${str(d.name) ?? '?'} ×${str(d.count) ?? '?'}${str(d.app) ? ` (app ${str(d.app)})` : ''}`;
      break;
    case 'component_stopped':
    case 'provider_stopped':
      detail = `${str(d.name) ?? '?'}${str(d.reason) ? `: ${str(d.reason)}` : ''}`;
      break;
    case 'component_start_failed':
    case 'provider_start_failed':
      detail = `${str(d.name) ?? '?'}: ${str(d.code) ?? ''} ${str(d.error) ?? ''}`.trim();
      break;
    case 'provider_started':
      detail = `${str(d.name) ?? '?'} (${str(d.kind) ?? 'provider'})`;
      break;
    case 'link_put': {
      const link = (d.link ?? {}) as Record<string, unknown>;
      detail = `${str(link.source) ?? '?'} → ${str(link.target) ?? '?'} (${str(link.interface) ?? ''})`;
      break;
    }
    case 'link_deleted':
      detail = `${str(d.source) ?? '?'} (${str(d.interface) ?? ''})`;
      break;
    default:
      detail = Object.entries(d)
        .filter(([k, v]) => k !== 'hostId' && str(v) !== undefined)
        .map(([k, v]) => `${k}=${str(v)}`)
        .join(' ');
  }
  if (!who) who = by || '';
  return {
    id: event.id,
    time: event.time,
    type,
    tone: TONES[type] ?? 'info',
    who,
    detail: detail.length > 160 ? `${detail.slice(0, 157)}…` : detail,
  };
}

/** `aloft://default/reconciler/reconciler-aws` → `reconciler-aws`. */
function emitter(source: string, hostName: (hostId: string) => string | undefined): string {
  const parts = source.split('/').filter(Boolean);
  const last = parts.at(-1) ?? source;
  return parts.at(-2) === 'host' ? (hostName(last) ?? `${last.slice(0, 8)}…`) : last;
}
