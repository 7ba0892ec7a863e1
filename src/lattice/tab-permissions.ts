/**
 * What one browser tab may do on NATS. A tab is the least trusted compute of a lattice (donated
 * from anywhere), so it is not a user of a role shared by every tab: the `/join` service issues
 * each tab a short-lived user of its own, whose subject is the tab's host id (see
 * docs/security-nats.md#browser-tab-credentials), with these permissions. Pure.
 */
import { jetStreamSubjects, type RolePermissions } from './roles.ts';
import type { EventType } from './subjects.ts';
import { bucketsFor, subjectsFor } from './subjects.ts';

/**
 * The events a tab may publish: those the host core publishes about itself. Deny by default: a
 * new event type is not a tab's until it is added here, and other hosts' fates (`host_lost`) and
 * changes to lattice state (`link_*`, `config_*`) never are. Event subjects do not name their
 * host, so a tab could still publish these in another host's name; receivers that act on an
 * event about a host check it against that host's own heartbeats (see `watchHosts`).
 */
export const TAB_EVENTS: readonly EventType[] = [
  'host_started',
  'host_stopped',
  'host_cordoned',
  'host_uncordoned',
  'host_labels_changed',
  'component_started',
  'component_scaled',
  'component_stopped',
  'component_start_failed',
  'provider_start_failed',
];

/**
 * The NATS permissions of the browser tab whose host id is `hostId`, in lattice `lattice`:
 *
 * - publish: its own heartbeat (`hb.<hostId>`), events about itself (`TAB_EVENTS`), log lines, calls and
 *   capability calls (its components call out, as any caller may), and just enough JetStream to
 *   watch the lattice state bucket (links);
 * - subscribe: its own inbox, the ping scatter, control verbs addressed to `<hostId>`, calls and
 *   capability calls addressed to `<hostId>` (never a queue group `….any`), heartbeats and the
 *   two host events its routing table follows;
 * - reply once to each request it received; connect over WebSocket only.
 *
 * Nothing addressed to another host, no control request (not even the ping probe), no lattice-wide
 * verb, no other lattice. Kept compact: these travel in the user JWT, which must fit nats-server's
 * 4 KiB `CONNECT` line.
 *
 * @example
 * const p = tabPermissions('default', host.id, { inboxPrefix: inboxPrefixFor(userKeyOf(host.id)) });
 * permits(p.sub, subjectsFor('default').rpcOnHost('echo', otherHost)); // false
 */
export function tabPermissions(
  lattice: string,
  hostId: string,
  options: { inboxPrefix: string },
): RolePermissions {
  if (!/^[A-Z0-9]{1,63}$/.test(hostId)) {
    throw new Error(`tabPermissions: ${JSON.stringify(hostId)} is not a host id`);
  }
  const s = subjectsFor(lattice);
  const R = s.root;
  const ctl = s.controlAll.slice(0, -2); // aloft.L.ctl.v1
  const js = jetStreamSubjects(undefined);
  return {
    pub: {
      allow: [
        s.heartbeat(hostId),
        ...TAB_EVENTS.map((t) => s.event(t)),
        ...s.callsAll,
        `${R}.log.*`,
        ...js.api('INFO'),
        ...js.watch(`KV_${bucketsFor(lattice).state}`),
      ],
      deny: [],
    },
    sub: {
      allow: [
        `${options.inboxPrefix}.>`,
        s.control('host.ping'),
        // `<verb>.<host id>`: verbs of two tokens (host.stop) and of three (host.labels.put).
        `${ctl}.*.*.${hostId}`,
        `${ctl}.*.*.*.${hostId}`,
        s.rpcOnHost('*', hostId),
        s.capabilityOnHost('*', hostId),
        s.heartbeatsAll,
        s.event('host_stopped'),
        s.event('host_lost'),
      ],
      deny: [],
    },
    responses: true,
    connectionTypes: ['WEBSOCKET'],
  };
}
