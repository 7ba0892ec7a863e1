/**
 * Pure planning of a NATS deployment for real clouds (`aloft nats config`): which servers exist,
 * where they listen, how they find each other (routes, gateways, leaf links), and their security
 * (operator auth, TLS everywhere). The result is ServerSpecs, rendered by `renderServerConfig`.
 */
import { AloftError } from '../support/index.ts';
import type { ServerSpec } from './config.ts';
import type { OperatorSpec, TlsSpec } from './config-security.ts';

/**
 * - `single`: one server.
 * - `cluster`: one cluster stretched over the clouds (routes), so JetStream state is R3 across them.
 * - `supercluster`: a cluster per cloud, joined by gateways (JetStream stays inside each cluster).
 * - `leaf`: a stretched hub cluster (as `cluster`) plus a leaf server per edge site, bound to each
 *   lattice's account over leaf links; edge hosts connect to their site's leaf server.
 */
export type DeploymentTopology = 'single' | 'cluster' | 'supercluster' | 'leaf';
export const DEPLOYMENT_TOPOLOGIES: readonly DeploymentTopology[] = [
  'single',
  'cluster',
  'supercluster',
  'leaf',
];

/** The ports of one server. */
export interface PortPlan {
  client: number;
  http: number;
  cluster: number;
  gateway: number;
  leaf: number;
  websocket: number;
}

/** Standard ports, for servers on their own machines. */
export const STANDARD_PORTS: PortPlan = {
  client: 4222,
  http: 8222,
  cluster: 6222,
  gateway: 7222,
  leaf: 7422,
  websocket: 8443,
};

export interface DeploymentOptions {
  topology: DeploymentTopology;
  clouds: string[];
  /** Servers per cloud (hub servers for `leaf`). Default 1; 3 for `supercluster`. */
  serversPerCloud?: number;
  /** Edge sites of the `leaf` topology. Default `<cloud>-edge` for each cloud. */
  leafSites?: string[];
  /**
   * `dns`: each server on its own machine, reached as `<name>.<domain>` on standard ports,
   * listening on all interfaces. `loopback`: every server on this machine (127.0.0.1), each on its
   * own ports (for trying a topology out, and for tests).
   */
  network:
    { kind: 'dns'; domain: string } | { kind: 'loopback'; ports: (name: string) => PortPlan };
  /** Paths as the servers will see them. */
  paths: {
    store: (name: string) => string;
    resolver: (name: string) => string;
    /** With TLS: the CA, and each server's certificate and key. */
    tls?: { ca: string; cert: (name: string) => string; key: (name: string) => string };
    /** The `.creds` a leaf server presents for a lattice's account. */
    leafCreds: (lattice: string) => string;
  };
  /** Operator, system account and account JWTs. */
  operator: Omit<OperatorSpec, 'resolver'>;
  /** Lattice name → its account's public key (bound over leaf links). */
  lattices: Record<string, string>;
  /** A WebSocket listener for browser hosts on every client-facing server. */
  websocket: boolean;
  /**
   * `leaf`: the hub's JetStream domain. Edge clients reach the hub's JetStream as
   * `$JS.<domain>.API` (nats-server does not carry `$JS.API` over leaf links), so every client of
   * the deployment connects with this domain. Default `hub`.
   */
  jsDomain?: string;
}

export interface PlannedServer {
  name: string;
  /** The cloud (or edge site) it runs in. */
  cloud: string;
  kind: 'server' | 'leaf';
  /** Where clients reach it, e.g. `tls://aws-1.nats.example.com:4222`. */
  clientUrl: string;
  spec: ServerSpec;
}

const TOKEN = /^[a-z0-9][a-z0-9-]{0,30}$/;

/**
 * Plans every server of a deployment.
 *
 * @throws {AloftError} `INVALID_INPUT` for bad cloud or site names, or a topology that cannot
 *   hold JetStream (a supercluster cloud with one server).
 * @example
 * planDeployment({ topology: 'cluster', clouds: ['aws', 'gcp', 'azure'], network: { kind: 'dns', domain: 'nats.example.com' }, … });
 */
export function planDeployment(o: DeploymentOptions): PlannedServer[] {
  const perCloud = o.serversPerCloud ?? (o.topology === 'supercluster' ? 3 : 1);
  const clouds = o.topology === 'single' ? o.clouds.slice(0, 1) : o.clouds;
  const sites = o.topology === 'leaf' ? (o.leafSites ?? clouds.map((c) => `${c}-edge`)) : [];
  for (const name of [...clouds, ...sites]) {
    if (!TOKEN.test(name)) {
      throw new AloftError('INVALID_INPUT', `invalid cloud or site name ${JSON.stringify(name)}`, {
        hint: 'use lower-case letters, digits and "-" (it becomes part of host names)',
      });
    }
  }
  if (clouds.length === 0) throw new AloftError('INVALID_INPUT', 'no clouds given');
  if (!Number.isInteger(perCloud) || perCloud < 1 || perCloud > 9) {
    throw new AloftError('INVALID_INPUT', `servers per cloud must be 1-9, not ${perCloud}`);
  }
  if (o.topology === 'supercluster' && perCloud < 2) {
    throw new AloftError(
      'INVALID_INPUT',
      'a supercluster needs at least 2 servers per cloud (a clustered JetStream server needs routes)',
      { hint: 'use --servers-per-cloud 3 (R3 inside each cloud), or the cluster topology' },
    );
  }
  const servers = clouds.flatMap((cloud) =>
    Array.from({ length: o.topology === 'single' ? 1 : perCloud }, (_, i) => ({
      cloud,
      name: perCloud === 1 || o.topology === 'single' ? cloud : `${cloud}-${i + 1}`,
    })),
  );
  const scheme = o.paths.tls ? 'tls' : 'nats';
  const at = (name: string): { host: string; ports: PortPlan } =>
    o.network.kind === 'dns'
      ? { host: `${name}.${o.network.domain}`, ports: STANDARD_PORTS }
      : { host: '127.0.0.1', ports: o.network.ports(name) };
  const listen = o.network.kind === 'dns' ? '0.0.0.0' : '127.0.0.1';
  const cloudOf = (name: string): string =>
    servers.find((s) => s.name === name)?.cloud ?? sites.find((s) => s === name) ?? name;
  const tlsFor = (name: string): TlsSpec | undefined =>
    o.paths.tls
      ? { caFile: o.paths.tls.ca, certFile: o.paths.tls.cert(name), keyFile: o.paths.tls.key(name) }
      : undefined;
  const base = (
    name: string,
    jetstream: boolean,
    resolver: OperatorSpec['resolver'],
  ): ServerSpec => {
    const { ports } = at(name);
    const tls = tlsFor(name);
    return {
      name,
      host: listen,
      tags: [`cloud:${cloudOf(name)}`],
      port: ports.client,
      httpPort: ports.http,
      ...(jetstream
        ? {
            jetstream: {
              storeDir: o.paths.store(name),
              ...(o.topology === 'leaf' ? { domain: o.jsDomain ?? 'hub' } : {}),
              // One replica per cloud in a stretched cluster: losing a cloud loses one replica.
              ...(o.topology === 'cluster' || o.topology === 'leaf' ? { uniqueTag: 'cloud:' } : {}),
            },
          }
        : {}),
      ...(tls ? { tls } : {}),
      operator: { ...o.operator, resolver },
      ...(o.websocket
        ? {
            websocket: {
              port: ports.websocket,
              ...(tls ? { tls: { certFile: tls.certFile, keyFile: tls.keyFile } } : {}),
            },
          }
        : {}),
    };
  };
  const addr = (name: string, port: keyof PortPlan): string => {
    const a = at(name);
    return `${a.host}:${a.ports[port]}`;
  };
  const planned: PlannedServer[] = servers.map(({ cloud, name }) => {
    const spec = base(name, true, { type: 'full', dir: o.paths.resolver(name) });
    const tls = tlsFor(name);
    const peers = servers.filter((s) => o.topology !== 'supercluster' || s.cloud === cloud);
    if (o.topology !== 'single' && peers.length > 1) {
      spec.cluster = {
        name: o.topology === 'supercluster' ? cloud : 'aloft',
        port: at(name).ports.cluster,
        routes: peers.map((p) => addr(p.name, 'cluster')),
        ...(tls ? { tls } : {}),
      };
    }
    if (o.topology === 'supercluster') {
      spec.gateway = {
        name: cloud,
        port: at(name).ports.gateway,
        gateways: clouds
          .filter((c) => c !== cloud)
          .map((c) => ({
            name: c,
            urls: servers.filter((s) => s.cloud === c).map((s) => addr(s.name, 'gateway')),
          })),
        ...(tls ? { tls } : {}),
      };
    }
    if (o.topology === 'leaf')
      spec.leafnodes = { port: at(name).ports.leaf, ...(tls ? { tls } : {}) };
    return { name, cloud, kind: 'server', clientUrl: `${scheme}://${addr(name, 'client')}`, spec };
  });
  for (const site of sites) {
    const name = site;
    const spec = base(name, false, { type: 'memory' });
    const tls = tlsFor(name);
    spec.leafnodes = {
      remotes: Object.entries(o.lattices).map(([lattice, account]) => ({
        urls: servers.map((s) => addr(s.name, 'leaf')),
        account,
        credentials: o.paths.leafCreds(lattice),
        ...(tls ? { tls } : {}),
      })),
    };
    planned.push({
      name,
      cloud: site,
      kind: 'leaf',
      clientUrl: `${scheme}://${addr(name, 'client')}`,
      spec,
    });
  }
  return planned;
}
