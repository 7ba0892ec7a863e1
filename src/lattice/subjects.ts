import { assertLatticeName } from './names.ts';

/** The control protocol's version; it is part of every control subject. */
export const CONTROL_VERSION = 'v1';

/**
 * Control verbs. Verbs addressed to one host end in that host's id; the others are served by any
 * host (a queue group) or, for `host.ping`, by every host (scatter-gather).
 */
export const CONTROL_VERBS = [
  'host.ping',
  'host.inventory',
  'host.stop',
  'host.cordon',
  'host.uncordon',
  'host.drain',
  'host.labels.put',
  'host.labels.del',
  'component.start',
  'component.scale',
  'component.stop',
  'provider.start',
  'provider.stop',
  'link.put',
  'link.del',
  'config.put',
  'config.del',
] as const;
export type ControlVerb = (typeof CONTROL_VERBS)[number];

/** Verbs about the lattice rather than one host: any one host serves them (queue group `ctl`). */
export const LATTICE_WIDE_VERBS: readonly ControlVerb[] = [
  'link.put',
  'link.del',
  'config.put',
  'config.del',
];

/** Event types published on `aloft.<lattice>.evt.<type>`. */
export const EVENT_TYPES = [
  'host_started',
  'host_stopped',
  'host_lost',
  'host_cordoned',
  'host_uncordoned',
  'host_labels_changed',
  'component_started',
  'component_scaled',
  'component_stopped',
  'component_start_failed',
  'component_trapped',
  'provider_started',
  'provider_stopped',
  'provider_start_failed',
  'link_put',
  'link_deleted',
  'config_put',
  'config_deleted',
  'command_failed',
  'reconciler_acting',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The subjects of one lattice. Everything of lattice `L` lives under `aloft.L.`. */
export interface LatticeSubjects {
  readonly lattice: string;
  readonly root: string;
  /** A control request; `hostId` for verbs addressed to one host. */
  control(verb: ControlVerb, hostId?: string): string;
  /** Every control subject of the lattice (for a host's subscription, or a permission). */
  readonly controlAll: string;
  event(type: EventType): string;
  readonly eventsAll: string;
  heartbeat(hostId: string): string;
  readonly heartbeatsAll: string;
  /** Calls to `component` on one host (the routing table's choice). */
  rpcOnHost(component: string, hostId: string): string;
  /** Calls to `component` on any host serving it (queue group `rpc.<component>`): the fallback. */
  rpcAny(component: string): string;
  /** Capability calls to a provider instance on one host, or to any instance of it. */
  capabilityOnHost(provider: string, hostId: string): string;
  capabilityAny(provider: string): string;
  /** Every call subject of the lattice (for a call-only credential). */
  readonly callsAll: string[];
  /** Component log lines, per component. */
  logs(component: string): string;
  /**
   * The reconcilers' lease: vote requests (every reconciler answers), releases, and a status
   * scatter (every reconciler answers with its view of the lease).
   */
  readonly lease: { vote: string; release: string; status: string };
  /** Every component's log lines. */
  readonly logsAll: string;
}

/**
 * @example
 * subjectsFor('default').control('component.scale', 'NB3...'); // aloft.default.ctl.v1.component.scale.NB3...
 */
export function subjectsFor(lattice: string): LatticeSubjects {
  assertLatticeName(lattice);
  const root = `aloft.${lattice}`;
  const ctl = `${root}.ctl.${CONTROL_VERSION}`;
  return {
    lattice,
    root,
    control: (verb, hostId) => (hostId ? `${ctl}.${verb}.${hostId}` : `${ctl}.${verb}`),
    controlAll: `${ctl}.>`,
    event: (type) => `${root}.evt.${type}`,
    eventsAll: `${root}.evt.>`,
    heartbeat: (hostId) => `${root}.hb.${hostId}`,
    heartbeatsAll: `${root}.hb.*`,
    rpcOnHost: (component, hostId) => `${root}.rpc.${component}.${hostId}`,
    rpcAny: (component) => `${root}.rpc.${component}.any`,
    capabilityOnHost: (provider, hostId) => `${root}.cap.${provider}.${hostId}`,
    capabilityAny: (provider) => `${root}.cap.${provider}.any`,
    callsAll: [`${root}.rpc.>`, `${root}.cap.>`],
    logs: (component) => `${root}.log.${component}`,
    lease: {
      vote: `${root}.lease.v1.vote`,
      release: `${root}.lease.v1.release`,
      status: `${root}.lease.v1.status`,
    },
    logsAll: `${root}.log.>`,
  };
}

/** JetStream bucket names of a lattice's replicated state. */
export function bucketsFor(lattice: string): {
  state: string;
  config: string;
  apps: string;
  artifacts: string;
  /** Policy (trusted issuers, development mode, secrets key) and sealed secrets: admin-written. */
  security: string;
} {
  assertLatticeName(lattice);
  return {
    state: `aloft_${lattice}_state`,
    config: `aloft_${lattice}_config`,
    apps: `aloft_${lattice}_apps`,
    artifacts: `aloft_${lattice}_artifacts`,
    security: `aloft_${lattice}_security`,
  };
}
