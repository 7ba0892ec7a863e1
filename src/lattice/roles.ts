/**
 * Who may use which subjects of a lattice: one NATS permission set per role. Each lattice is its own
 * NATS account (nothing crosses accounts), and inside it each process connects as a user of one
 * role, with allow-lists built from the protocol's subjects (subjects.ts) and the JetStream API
 * subjects its buckets need. See docs/security-nats.md for the reasoning behind each grant.
 */
import { CONTROL_VERBS, bucketsFor, subjectsFor } from './subjects.ts';
import type { SubjectPermission } from './subject-match.ts';
import { CREDENTIAL_TAGS } from './credentials.ts';

export const LATTICE_ROLES = [
  'admin',
  'reconciler',
  'host',
  'ingress',
  'caller',
  'provider',
  'observer',
] as const;
export type LatticeRole = (typeof LATTICE_ROLES)[number];

/** What each role is for, one line each (for `aloft nats config` and the docs). */
export const ROLE_PURPOSE: Readonly<Record<LatticeRole, string>> = {
  admin: 'the CLI: control commands, deployments, artifacts, calls; reads everything',
  reconciler:
    'control commands, the apps bucket, the lease votes among reconcilers; reads lattice state',
  host: 'serves control requests, calls and capabilities; heartbeats, events; lattice state and provider buckets, never the apps or artifact buckets; issues no command',
  ingress: 'calls components; follows heartbeats to route them; reports lost hosts',
  caller: 'calls components, nothing else',
  provider: 'serves capability calls, nothing else',
  observer:
    'read-only: heartbeats, events, logs, inventories, buckets (dashboards, `aloft events`)',
};

/** Control verbs that only read: allowed to probes and observers. */
export const READ_ONLY_VERBS = ['host.ping', 'host.inventory'] as const;

/**
 * A role's NATS permissions, in the shape of a user JWT's `pub`/`sub`/`resp` claims. (Browser tabs
 * are not a role: each gets permissions of its own host id, see tab-permissions.ts.)
 */
export interface RolePermissions {
  pub: SubjectPermission;
  sub: SubjectPermission;
  /** Replies to requests it received are allowed (`allow_responses`): for roles that serve. */
  responses: boolean;
  /** The only connection types the credentials work on; undefined: any. */
  connectionTypes?: ('STANDARD' | 'WEBSOCKET')[];
}

export interface RoleOptions {
  /** The user's own reply inbox prefix (see `inboxPrefixFor`): no other user can read its replies. */
  inboxPrefix: string;
  /**
   * The JetStream domain clients address (`$JS.<domain>.API`), when the lattice's JetStream is in
   * a hub reached over leaf nodes. Default: none (`$JS.API`).
   */
  jsDomain?: string;
  /**
   * Subjects that components on hosts may use through the messaging provider. Default `['>']`
   * (any subject outside the platform's, which stay denied); production lattices should name
   * theirs, e.g. `['orders.>', 'payments.>']`, which makes a host credential a pure allow-list.
   */
  appSubjects?: string[];
}

/** The inbox prefix of a user: replies to its requests arrive under `<prefix>.>` only. */
export function inboxPrefixFor(userPublicKey: string): string {
  return `_INBOX.${userPublicKey}`;
}

const kvStream = (bucket: string): string => `KV_${bucket}`;
const objStream = (bucket: string): string => `OBJ_${bucket}`;

/**
 * JetStream's subjects, for a client that addresses JetStream directly (`$JS.API`) or through a
 * domain (`$JS.<domain>.API`, over a leaf node; KV and object writes then carry the prefix too).
 * With a domain both prefixes are granted: a hub server maps `$JS.<domain>.API` to `$JS.API` and
 * checks the mapped subject against the same permissions.
 */
export function jetStreamSubjects(domain: string | undefined) {
  const prefixes = domain ? [`$JS.${domain}.API`, '$JS.API'] : ['$JS.API'];
  const api = (...suffixes: string[]): string[] =>
    prefixes.flatMap((p) => suffixes.map((x) => `${p}.${x}`));
  const writes = (kind: '$KV' | '$O', bucket: string): string[] => [
    `${kind}.${bucket}.>`,
    ...(domain ? [`$JS.${domain}.API.${kind}.${bucket}.>`] : []),
  ];
  return {
    api,
    /** Reading a stream: info, direct and stored gets, ephemeral consumers (KV watch, object get). */
    read: (stream: string): string[] => [
      ...api(
        `STREAM.INFO.${stream}`,
        `STREAM.MSG.GET.${stream}`,
        `DIRECT.GET.${stream}`,
        `DIRECT.GET.${stream}.>`,
        `CONSUMER.CREATE.${stream}`,
        `CONSUMER.CREATE.${stream}.>`,
        `CONSUMER.INFO.${stream}.*`,
        `CONSUMER.DELETE.${stream}.*`,
        `CONSUMER.MSG.NEXT.${stream}.*`,
      ),
      `$JS.FC.${stream}.>`,
      `$JS.ACK.${stream}.>`,
      ...(domain ? [`$JS.ACK.${domain}.*.${stream}.>`] : []),
    ],
    /** Just enough to watch a KV bucket (kept short for permissions carried in a user JWT). */
    watch: (stream: string): string[] => [
      ...api(
        `STREAM.INFO.${stream}`,
        `STREAM.MSG.GET.${stream}`,
        `CONSUMER.CREATE.${stream}.>`,
        `CONSUMER.DELETE.${stream}.*`,
      ),
      `$JS.FC.${stream}.>`,
    ],
    /** Writing a KV bucket's keys (`*`: any bucket). */
    kv: (bucket: string): string[] => writes('$KV', bucket),
    /** Writing an object store's chunks and metadata. */
    obj: (bucket: string): string[] => writes('$O', bucket),
    /** Operations no lattice role needs: account purge, clustering, backups. */
    never: api(
      'ACCOUNT.>',
      'META.>',
      'SERVER.>',
      'STREAM.PEER.>',
      'STREAM.LEADER.>',
      'CONSUMER.LEADER.>',
      'STREAM.SNAPSHOT.>',
      'STREAM.RESTORE.>',
    ),
  };
}

/**
 * The permissions of `role` in `lattice`.
 *
 * @example
 * const p = rolePermissions('payments', 'host', { inboxPrefix: inboxPrefixFor(user.getPublicKey()) });
 * permits(p.pub, 'aloft.payments.ctl.v1.component.start.NHOST'); // false
 */
export function rolePermissions(
  lattice: string,
  role: LatticeRole,
  options: RoleOptions,
): RolePermissions {
  const s = subjectsFor(lattice);
  const b = bucketsFor(lattice);
  const R = s.root;
  const ctl = s.controlAll.slice(0, -2); // aloft.L.ctl.v1
  const inbox = [`${options.inboxPrefix}.>`];
  const apps = options.appSubjects ?? ['>'];
  const js = jetStreamSubjects(options.jsDomain);
  const readStream = js.read;
  const JS_NEVER = js.never;
  const jsInfo = js.api('INFO');
  const anyStream = [...readStream('*'), ...js.api('STREAM.NAMES', 'STREAM.LIST')];
  const protectedStreams = [kvStream(b.apps), objStream(b.artifacts)];
  /** What a host (or anything short of admin/reconciler) may never do to the platform's buckets. */
  const protectedWrites = [
    ...js.kv(b.apps),
    ...js.obj(b.artifacts),
    ...['CREATE', 'UPDATE', 'DELETE', 'PURGE', 'MSG.DELETE'].flatMap((op) =>
      js.api(...protectedStreams.map((st) => `STREAM.${op}.${st}`)),
    ),
    ...js.api('STREAM.UPDATE.*', 'STREAM.DELETE.*', 'STREAM.MSG.DELETE.*'),
    // The security bucket (lattice policy, sealed secrets) is the administrators' to write: a
    // host that could write it could widen every host's trust (docs/security.md). Hosts may
    // create it (the same config as anyone's) and read it.
    ...js.kv(b.security),
    ...js.api(`STREAM.PURGE.${kvStream(b.security)}`),
  ];
  /**
   * The reconcilers' lease: a vote or a release from anyone else could void a promise and let a
   * second reconciler act, so only reconcilers may send them (and announce who acts).
   */
  const leaseOnly = [s.lease.vote, s.lease.release, s.event('reconciler_acting')];
  const mutatingControl = CONTROL_VERBS.filter(
    (v) => !(READ_ONLY_VERBS as readonly string[]).includes(v),
  ).flatMap((v) => [`${ctl}.${v}`, `${ctl}.${v}.*`]);
  const nothing: SubjectPermission = { allow: [], deny: ['>'] };

  switch (role) {
    case 'admin':
      return {
        pub: {
          allow: [
            `${R}.ctl.>`,
            s.lease.status,
            ...s.callsAll,
            ...jsInfo,
            ...anyStream,
            ...js.api(
              ...['CREATE', 'UPDATE', 'DELETE', 'PURGE', 'MSG.DELETE'].map(
                (op) => `STREAM.${op}.*`,
              ),
            ),
            ...js.kv('*'),
            ...js.obj('*'),
          ],
          deny: JS_NEVER,
        },
        sub: { allow: [...inbox, s.heartbeatsAll, s.eventsAll, `${R}.log.>`], deny: [] },
        responses: false,
      };
    case 'reconciler':
      return {
        pub: {
          allow: [
            `${ctl}.>`,
            s.event('host_lost'),
            s.event('reconciler_acting'),
            // The lease: votes among the reconcilers (answers go to the requester's inbox).
            ...leaseOnly,
            s.lease.status,
            ...jsInfo,
            ...[b.state, b.apps].flatMap((x) => readStream(kvStream(x))),
            ...js.api(`STREAM.CREATE.${kvStream(b.apps)}`),
            ...js.kv(b.apps),
          ],
          deny: [],
        },
        sub: {
          allow: [
            ...inbox,
            s.heartbeatsAll,
            s.eventsAll,
            s.lease.vote,
            s.lease.release,
            s.lease.status,
          ],
          deny: [],
        },
        responses: true,
      };
    case 'host':
      return {
        pub: {
          allow: [
            s.heartbeatsAll,
            `${R}.evt.*`,
            ...s.callsAll,
            `${R}.log.>`,
            `${ctl}.host.ping.*`,
            ...jsInfo,
            ...anyStream,
            ...js.api('STREAM.CREATE.*', 'STREAM.PURGE.*'),
            ...js.kv('*'),
            ...js.obj('*'),
            ...apps,
          ],
          // Deny always wins: these hold even when the app subjects are as wide as `>`.
          deny: [...mutatingControl, ...protectedWrites, ...leaseOnly, ...JS_NEVER],
        },
        sub: {
          allow: [...inbox, `${ctl}.>`, ...s.callsAll, s.heartbeatsAll, s.eventsAll, ...apps],
          deny: [],
        },
        responses: true,
      };
    case 'ingress':
      return {
        pub: {
          allow: [`${R}.rpc.>`, `${ctl}.host.ping.*`, s.event('host_lost')],
          deny: [],
        },
        sub: {
          allow: [...inbox, s.heartbeatsAll, s.event('host_stopped'), s.event('host_lost')],
          deny: [],
        },
        responses: false,
      };
    case 'caller':
      return {
        pub: { allow: [`${R}.rpc.>`], deny: [] },
        sub: { allow: inbox, deny: [] },
        responses: false,
      };
    case 'provider':
      return {
        pub: nothing,
        sub: { allow: [...inbox, `${R}.cap.*.*`], deny: [] },
        responses: true,
      };
    case 'observer':
      return {
        pub: {
          allow: [
            s.control('host.ping'),
            `${ctl}.host.ping.*`,
            `${ctl}.host.inventory.*`,
            s.lease.status,
            ...jsInfo,
            ...anyStream,
          ],
          deny: [],
        },
        sub: { allow: [...inbox, s.heartbeatsAll, s.eventsAll, `${R}.log.>`], deny: [] },
        responses: false,
      };
  }
}

/**
 * The inbox prefix in a role's permission template: nats-server replaces `{{subject()}}` with the
 * connecting user's public key, so each user gets its own inbox (see `inboxPrefixFor`).
 */
export const INBOX_TEMPLATE = inboxPrefixFor('{{subject()}}');

/**
 * The name of the account signing key that issues browser-tab users (see tab-permissions.ts): a
 * plain signing key of its own, held by the `/join` service only.
 */
export const BROWSER_ISSUER = 'browser';

/** A lattice's roles (one permission template each), one user per role, and its issuing keys. */
export interface LatticeAccountPlan {
  /** Roles issued through scoped signing keys: role → permission template. */
  roles: Partial<Record<LatticeRole, RolePermissions>>;
  users: { name: LatticeRole; label: string; role: LatticeRole; tags: string[] }[];
  /**
   * Plain signing keys of the account for issuers outside the role model: `browser`, with which
   * the `/join` service signs one short-lived user per tab, bound to its host id.
   */
  issuers: string[];
}

/**
 * The roles of `lattice` as permission templates (scoped signing keys of its account: the account
 * JWT holds them, users signed by a role's key get exactly them), one user per role, named after
 * it and tagged so that a client can tell its role and lattice from its credentials, and the
 * browser-tab issuer (tabs are users of their own, not of a role).
 *
 * @example
 * const plan = latticeAccount('payments', { appSubjects: ['orders.>'] });
 */
export function latticeAccount(
  lattice: string,
  options: Omit<RoleOptions, 'inboxPrefix'> & { roles?: readonly LatticeRole[] } = {},
): LatticeAccountPlan {
  const roles: LatticeAccountPlan['roles'] = {};
  for (const role of LATTICE_ROLES)
    roles[role] = rolePermissions(lattice, role, { ...options, inboxPrefix: INBOX_TEMPLATE });
  const users = (options.roles ?? LATTICE_ROLES).map((role) => ({
    name: role,
    label: `${role}@${lattice}`,
    role,
    tags: [`${CREDENTIAL_TAGS.role}${role}`, `${CREDENTIAL_TAGS.lattice}${lattice}`],
  }));
  return { roles, users, issuers: [BROWSER_ISSUER] };
}
