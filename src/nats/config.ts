/**
 * Pure rendering of nats-server configuration files. Every config carries the ping and write
 * deadline settings that make a dead or partitioned peer visible within about three seconds.
 */
import { renderOperator, renderTls, type OperatorSpec, type TlsSpec } from './config-security.ts';

/** Settings applied to every generated config (see docs/architecture.md, failure detection). */
export const LIVENESS = { pingInterval: '1s', pingMax: 2, writeDeadline: '2s' } as const;

export interface ServerSpec {
  /** `server_name`; unique within a topology. */
  name: string;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Client port; -1 picks a free one. */
  port: number;
  /** `host:port` the server tells clients to use for it (when clients reach it at another address). */
  clientAdvertise?: string;
  /** Monitoring (HTTP) port; -1 picks a free one. */
  httpPort: number;
  /**
   * JetStream; `domain` names it for leaf nodes that reach it (`$JS.<domain>.API`); `uniqueTag`
   * (e.g. `cloud:`) places each replica of a stream on servers with different values of that tag.
   */
  jetstream?: {
    storeDir: string;
    maxMemory?: string;
    maxFile?: string;
    domain?: string;
    uniqueTag?: string;
  };
  /** `server_tags`, e.g. `cloud:aws` (see `jetstream.uniqueTag`). */
  tags?: string[];
  /**
   * Route-clustering: every member lists every member's route address (itself included).
   * `advertise` is the `host:port` other members should dial (gossip), when it differs from the
   * listen address; `noAdvertise` stops the server telling clients about the other members.
   */
  cluster?: {
    name: string;
    port: number;
    routes: string[];
    advertise?: string;
    noAdvertise?: boolean;
    tls?: TlsSpec;
  };
  /**
   * Gateways to other clusters; `name` must equal the cluster name. `advertise` is the
   * `host:port` gossiped to other clusters (e.g. a proxy in front of this server's gateway port).
   */
  gateway?: {
    name: string;
    port: number;
    gateways: { name: string; urls: string[] }[];
    advertise?: string;
    tls?: TlsSpec;
  };
  /** A WebSocket listener for browser clients; -1 picks a free port. Without `tls`, plain `ws://`. */
  websocket?: { port: number; tls?: { certFile: string; keyFile: string } };
  /** Leaf node connections: accept them on `port`, and/or dial `remotes` (a hub). */
  leafnodes?: { port?: number; tls?: TlsSpec; remotes?: LeafRemote[] };
  /** TLS for client connections (mutual by default: clients must present a trusted certificate). */
  tls?: TlsSpec;
  /** Decentralized authentication: accounts per lattice, users by nkey-signed JWTs. */
  operator?: OperatorSpec;
  /** Raw config text appended as is. */
  extra?: string;
}

/** A hub this (leaf) server dials, binding one local account to the hub's same account. */
export interface LeafRemote {
  /** `host:port` of the hub's leaf listeners. */
  urls: string[];
  /** The local account bound over this connection (public key), with operator auth. */
  account?: string;
  /** A `.creds` file of a user of that account, which the hub authenticates. */
  credentials?: string;
  tls?: TlsSpec;
}

const q = (s: string): string => JSON.stringify(s);

/**
 * Renders one server's config file.
 *
 * @example
 * renderServerConfig({ name: 'n1', port: -1, httpPort: -1, jetstream: { storeDir: '/var/lib/nats' } });
 */
export function renderServerConfig(spec: ServerSpec): string {
  const host = spec.host ?? '127.0.0.1';
  const lines = [
    `server_name: ${q(spec.name)}`,
    `listen: ${q(`${host}:${spec.port}`)}`,
    `http: ${q(`${host}:${spec.httpPort}`)}`,
    ...(spec.clientAdvertise ? [`client_advertise: ${q(spec.clientAdvertise)}`] : []),
    `ping_interval: ${q(LIVENESS.pingInterval)}`,
    `ping_max: ${LIVENESS.pingMax}`,
    `write_deadline: ${q(LIVENESS.writeDeadline)}`,
  ];
  if (spec.tags?.length) lines.push(`server_tags: [${spec.tags.map(q).join(', ')}]`);
  if (spec.tls) lines.push(...renderTls(spec.tls));
  if (spec.operator) lines.push(...renderOperator(spec.operator));
  if (spec.jetstream) {
    const js = spec.jetstream;
    lines.push(
      `jetstream {`,
      ...(js.domain ? [`  domain: ${q(js.domain)}`] : []),
      ...(js.uniqueTag ? [`  unique_tag: ${q(js.uniqueTag)}`] : []),
      `  store_dir: ${q(js.storeDir)}`,
      `  max_memory_store: ${js.maxMemory ?? '256MB'}`,
      `  max_file_store: ${js.maxFile ?? '2GB'}`,
      `}`,
    );
  }
  if (spec.cluster) {
    const c = spec.cluster;
    lines.push(
      `cluster {`,
      `  name: ${q(c.name)}`,
      `  listen: ${q(`${host}:${c.port}`)}`,
      ...(c.advertise ? [`  advertise: ${q(c.advertise)}`] : []),
      ...(c.noAdvertise ? ['  no_advertise: true'] : []),
      `  routes: [${c.routes.map((r) => q(`nats-route://${r}`)).join(', ')}]`,
      ...(c.tls ? renderTls(c.tls, '  ') : []),
      `}`,
    );
  }
  if (spec.gateway) {
    const g = spec.gateway;
    const gws = g.gateways.map(
      (gw) =>
        `    { name: ${q(gw.name)}, urls: [${gw.urls.map((u) => q(`nats://${u}`)).join(', ')}] }`,
    );
    lines.push(
      `gateway {`,
      `  name: ${q(g.name)}`,
      `  listen: ${q(`${host}:${g.port}`)}`,
      ...(g.advertise ? [`  advertise: ${q(g.advertise)}`] : []),
      `  gateways: [`,
      ...gws,
      `  ]`,
      ...(g.tls ? renderTls(g.tls, '  ') : []),
      `}`,
    );
  }
  if (spec.websocket) {
    const ws = spec.websocket;
    lines.push(
      `websocket {`,
      `  listen: ${q(`${host}:${ws.port}`)}`,
      ...(ws.tls
        ? [
            `  tls {`,
            `    cert_file: ${q(ws.tls.certFile)}`,
            `    key_file: ${q(ws.tls.keyFile)}`,
            `  }`,
          ]
        : [`  no_tls: true`]),
      `  compression: false`,
      `}`,
    );
  }
  if (spec.leafnodes) lines.push(...renderLeafnodes(spec.leafnodes, host));
  if (spec.extra) lines.push(spec.extra);
  return lines.join('\n') + '\n';
}

function renderLeafnodes(leaf: NonNullable<ServerSpec['leafnodes']>, host: string): string[] {
  const lines = [`leafnodes {`];
  if (leaf.port !== undefined) lines.push(`  listen: ${q(`${host}:${leaf.port}`)}`);
  if (leaf.tls) lines.push(...renderTls(leaf.tls, '  '));
  if (leaf.remotes?.length) {
    lines.push(`  remotes: [`);
    for (const r of leaf.remotes) {
      const scheme = r.tls ? 'tls' : 'nats-leaf';
      lines.push(
        `    {`,
        `      urls: [${r.urls.map((u) => q(`${scheme}://${u}`)).join(', ')}]`,
        ...(r.account ? [`      account: ${q(r.account)}`] : []),
        ...(r.credentials ? [`      credentials: ${q(r.credentials)}`] : []),
        ...(r.tls ? renderTls(r.tls, '      ', true) : []),
        `    }`,
      );
    }
    lines.push(`  ]`);
  }
  lines.push(`}`);
  return lines;
}
