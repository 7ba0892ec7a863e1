import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { AloftError, pollUntil, silentLogger, type Logger } from '../support/index.ts';
import type { ServerSpec } from './config.ts';
import type { OperatorSpec } from './config-security.ts';
import { connectedGateways, jetStreamLeader, routeCount } from './monitor.ts';
import { freePort } from './ports.ts';
import { startNatsServer, type NatsServer } from './server.ts';

/**
 * - `single`: one server.
 * - `cluster`: one route-connected cluster stretched over the clouds (one server per cloud by
 *   default), so JetStream assets can be replicated R3 across clouds.
 * - `supercluster`: one cluster per cloud, the clusters joined by gateways (NATS prefers the local
 *   cluster for queue subscribers; JetStream assets live inside one cluster).
 */
export type TopologyKind = 'single' | 'cluster' | 'supercluster';

export interface TopologyOptions {
  kind: TopologyKind;
  /** Cloud names. Default `['local']` for `single`, else `['aws', 'gcp', 'azure']`. */
  clouds?: string[];
  /** Servers in each cloud. Default 1. */
  serversPerCloud?: number;
  /** Where configs, logs and JetStream stores go. */
  dataDir: string;
  /** Enable JetStream on every server. Default true. */
  jetstream?: boolean;
  /** Add a loopback WebSocket listener to every server. */
  websocket?: boolean;
  /**
   * Runs members outside this process's loopback (e.g. one network namespace per cloud). Route and
   * gateway addresses then use each member's `peerHost` (which servers advertise to each other),
   * and clients learn `reachHost:clientPort` (or nothing, without a fixed client port).
   * Default: everything on 127.0.0.1.
   */
  network?: {
    member?(cloud: string, name: string): MemberNetwork;
    /** What other clusters dial for a member's gateway (e.g. a latency proxy). Default peer:port. */
    gatewayAddress?(cloud: string, name: string, port: number): string;
  };
  /** Extra raw config for each server. */
  extraConfig?: (cloud: string, name: string) => string | undefined;
  /**
   * Decentralized authentication on every server (accounts per lattice, JWT users); each server
   * keeps its account resolver's files in `<dataDir>/<name>/jwt`.
   */
  operator?: Omit<OperatorSpec, 'resolver'>;
  binary?: string;
  logger?: Logger;
  detached?: boolean;
  readyTimeoutMs?: number;
}

/** Where a member runs and the addresses it is known by (see {@link TopologyOptions.network}). */
export interface MemberNetwork {
  /** Interface its listeners bind (e.g. `0.0.0.0` inside a network namespace). */
  listenHost: string;
  /** Address this process (and clients it hands URLs to) reach the server at. */
  reachHost: string;
  /** Address other servers dial for routes and gateways (gossiped as `advertise`). */
  peerHost: string;
  /** Command prefix that starts the server there, e.g. `['ip', 'netns', 'exec', 'ns']`. */
  exec?: string[];
  /**
   * A fixed client port (free where it runs), advertised to clients as `reachHost:clientPort`
   * so that they learn addresses they can reach. Default: a free port, not advertised.
   */
  clientPort?: number;
}

export interface TopologyMember {
  cloud: string;
  spec: ServerSpec;
  /** Where it runs (undefined: this machine's loopback). */
  network?: MemberNetwork;
  /** The running process, or undefined while this member is stopped. */
  server: NatsServer | undefined;
}

export interface Topology {
  readonly kind: TopologyKind;
  readonly clouds: string[];
  readonly members: TopologyMember[];
  /** Client URLs of the running servers, of one cloud or of all. */
  urls(cloud?: string): string[];
  /** Running servers, of one cloud or of all. */
  servers(cloud?: string): NatsServer[];
  /** Starts the stopped members of a cloud again on the same ports, and waits for them to rejoin. */
  restart(cloud: string): Promise<void>;
  /** Resolves once routes, gateways and (if enabled) the JetStream leader are in place. */
  ready(): Promise<void>;
  /** Stops every server. */
  stop(): Promise<void>;
  /** Stops every server and removes the data directory. */
  destroy(): Promise<void>;
}

/**
 * Starts a NATS topology on loopback and waits until it is formed.
 *
 * @example
 * const topo = await startTopology({ kind: 'cluster', dataDir: '/tmp/t' });
 * const nc = await connectLattice({ servers: topo.urls() });
 */
export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const kind = options.kind;
  const clouds = options.clouds ?? (kind === 'single' ? ['local'] : ['aws', 'gcp', 'azure']);
  const perCloud = kind === 'single' ? 1 : (options.serversPerCloud ?? 1);
  const jetstream = options.jetstream ?? true;
  const log = options.logger ?? silentLogger;
  if (kind === 'single' && clouds.length !== 1) {
    throw new AloftError('INVALID_INPUT', 'a single-server topology has exactly one cloud');
  }
  if (kind === 'supercluster' && jetstream && perCloud < 2) {
    throw new AloftError(
      'INVALID_INPUT',
      'JetStream in a supercluster needs at least 2 servers per cloud (a clustered JetStream server needs routes)',
      { hint: 'use serversPerCloud >= 2, disable JetStream, or use the cluster topology' },
    );
  }
  const members = await planMembers(kind, clouds, perCloud, jetstream, options);
  const startOne = async (m: TopologyMember): Promise<void> => {
    const server = await startNatsServer(m.spec, {
      dir: join(options.dataDir, m.spec.name),
      binary: options.binary,
      logger: log,
      detached: options.detached,
      readyTimeoutMs: options.readyTimeoutMs,
      ...(m.network?.exec ? { exec: m.network.exec } : {}),
      ...(m.network ? { reachHost: m.network.reachHost } : {}),
    });
    m.server = server;
    void server.exited.then(() => {
      if (m.server === server) m.server = undefined;
    });
    // Reuse the same client, monitoring and WebSocket ports when this member restarts.
    m.spec = {
      ...m.spec,
      port: server.ports.client,
      httpPort: server.ports.http,
      ...(m.spec.websocket ? { websocket: { port: server.ports.websocket ?? -1 } } : {}),
    };
  };
  const running = (cloud?: string): NatsServer[] =>
    members
      .filter((m) => cloud === undefined || m.cloud === cloud)
      .flatMap((m) => (m.server ? [m.server] : []));

  const ready = async (): Promise<void> => {
    const live = members.filter((m) => m.server);
    await pollUntil(
      async () => {
        for (const m of live) {
          const url = m.server?.monitorUrl ?? '';
          const peers = live.filter((o) => o !== m && (kind === 'cluster' || o.cloud === m.cloud));
          if ((await routeCount(url)) < peers.length) return undefined;
          if (kind === 'supercluster') {
            const others = new Set(live.filter((o) => o.cloud !== m.cloud).map((o) => o.cloud));
            const gws = new Set(await connectedGateways(url));
            if ([...others].some((c) => !gws.has(c))) return undefined;
          }
          if (jetstream && (await jetStreamLeader(url)) === undefined) return undefined;
        }
        return true;
      },
      {
        timeoutMs: options.readyTimeoutMs ?? 20_000,
        intervalMs: 25,
        what: `the ${kind} topology to form`,
      },
    );
  };

  const stop = async (): Promise<void> => {
    await Promise.all(members.flatMap((m) => (m.server ? [m.server.stop()] : [])));
    for (const m of members) m.server = undefined;
  };
  try {
    await Promise.all(members.map(startOne));
    await ready();
  } catch (err) {
    await stop();
    throw err;
  }
  log.info('nats topology ready', { kind, servers: members.map((m) => m.server?.url) });
  return {
    kind,
    clouds,
    members,
    urls: (cloud) => running(cloud).map((s) => s.url),
    servers: running,
    ready,
    restart: async (cloud) => {
      const stopped = members.filter((m) => m.cloud === cloud && !m.server);
      await Promise.all(stopped.map(startOne));
      await ready();
    },
    stop,
    destroy: async () => {
      await stop();
      rmSync(options.dataDir, { recursive: true, force: true });
    },
  };
}

async function planMembers(
  kind: TopologyKind,
  clouds: string[],
  perCloud: number,
  jetstream: boolean,
  options: TopologyOptions,
): Promise<TopologyMember[]> {
  const names = clouds.flatMap((cloud) =>
    Array.from({ length: perCloud }, (_, i) => ({
      cloud,
      name: perCloud === 1 ? cloud : `${cloud}-${i + 1}`,
    })),
  );
  const routePorts = kind === 'single' ? [] : await Promise.all(names.map(() => freePort()));
  const gatewayPorts =
    kind === 'supercluster' ? await Promise.all(names.map(() => freePort())) : [];
  const net = (cloud: string, name: string): MemberNetwork | undefined =>
    options.network?.member?.(cloud, name);
  const peer = (cloud: string, name: string): string => net(cloud, name)?.peerHost ?? '127.0.0.1';
  const gatewayAddress = (cloud: string, name: string, port: number): string =>
    options.network?.gatewayAddress?.(cloud, name, port) ?? `${peer(cloud, name)}:${port}`;
  return names.map(({ cloud, name }, i) => {
    const network = net(cloud, name);
    const spec: ServerSpec = { name, port: -1, httpPort: -1 };
    if (network) spec.host = network.listenHost;
    if (network?.clientPort) {
      spec.port = network.clientPort;
      spec.clientAdvertise = `${network.reachHost}:${network.clientPort}`;
    }
    if (jetstream) spec.jetstream = { storeDir: join(options.dataDir, name, 'jetstream') };
    if (options.websocket) spec.websocket = { port: -1 };
    const routes = names
      .map((n, j) => ({ ...n, port: routePorts[j] ?? 0 }))
      .filter((n) => kind === 'cluster' || n.cloud === cloud)
      .map((n) => `${peer(n.cloud, n.name)}:${n.port}`);
    const routePort = routePorts[i] ?? 0;
    const advertise = network
      ? {
          advertise: `${network.peerHost}:${routePort}`,
          ...(network.clientPort ? {} : { noAdvertise: true }),
        }
      : {};
    if (kind === 'cluster') spec.cluster = { name: 'aloft', port: routePort, routes, ...advertise };
    if (kind === 'supercluster') {
      if (perCloud > 1 || jetstream)
        spec.cluster = { name: cloud, port: routePort, routes, ...advertise };
      const gwPort = gatewayPorts[i] ?? 0;
      spec.gateway = {
        name: cloud,
        port: gwPort,
        gateways: clouds
          .filter((c) => c !== cloud)
          .map((c) => ({
            name: c,
            urls: names.flatMap((n, j) =>
              n.cloud === c ? [gatewayAddress(n.cloud, n.name, gatewayPorts[j] ?? 0)] : [],
            ),
          })),
      };
      if (options.network?.gatewayAddress)
        spec.gateway.advertise = gatewayAddress(cloud, name, gwPort);
    }
    if (options.operator) {
      spec.operator = {
        ...options.operator,
        resolver: { type: 'full', dir: join(options.dataDir, name, 'jwt') },
      };
    }
    const extra = options.extraConfig?.(cloud, name);
    if (extra) spec.extra = extra;
    return { cloud, spec, server: undefined, ...(network ? { network } : {}) };
  });
}
