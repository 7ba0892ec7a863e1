/**
 * Pure rendering of nats-server configuration files. Every config carries the ping and write
 * deadline settings that make a dead or partitioned peer visible within about three seconds.
 */

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
  jetstream?: { storeDir: string; maxMemory?: string; maxFile?: string };
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
  };
  /** A WebSocket listener (no TLS, loopback) for browser clients; -1 picks a free port. */
  websocket?: { port: number };
  /** Raw config text appended as is (accounts, authorization, TLS). */
  extra?: string;
}

const q = (s: string): string => JSON.stringify(s);

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
  if (spec.jetstream) {
    const js = spec.jetstream;
    lines.push(
      `jetstream {`,
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
      `}`,
    );
  }
  if (spec.websocket) {
    lines.push(
      `websocket {`,
      `  listen: ${q(`${host}:${spec.websocket.port}`)}`,
      `  no_tls: true`,
      `  compression: false`,
      `}`,
    );
  }
  if (spec.extra) lines.push(spec.extra);
  return lines.join('\n') + '\n';
}
