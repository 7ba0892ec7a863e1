import { jwtAuthenticator, wsconnect, type ConnectionOptions } from '@nats-io/nats-core';
import { createServer, type KeyPair } from '@nats-io/nkeys';
import { startHostOn, type CallObserver, type Host, type HostPlatform } from '../../host/index.ts';
import { createRuntimeCore, memoryArtifactCache } from '../../runtime/index.ts';
import { AloftError, errorMessage, type Logger } from '../../support/index.ts';
import type { JoinConfig, TabCredentials } from '../config.ts';
import { browserArtifacts } from './artifacts.ts';
import { keepCredentials, requestCredentials, type PostJson } from './credentials.ts';
import type { WorkerConstructor } from './globals.ts';
import { webWorkerSpawner } from './spawner.ts';
import { workerTicker } from './ticker.ts';

export interface TabHostOptions {
  config: JoinConfig;
  labels: Record<string, string>;
  logger: Logger;
  Worker: WorkerConstructor;
  fetch: Parameters<typeof browserArtifacts>[1];
  /** Same-origin JSON POSTs (the credentials exchange). */
  postJson: PostJson;
  /** Told of every call the tab serves (the page counts them for its status view). */
  onCall?: CallObserver;
  /**
   * The tab's credentials could not be renewed (refused, or not before they expire): the host
   * is stopping, and the page should say why.
   */
  onCredentialsLost?: (reason: string) => void;
}

/** Runs a function every `ms` from a worker (the page's timers are throttled while hidden). */
type Ticker = ReturnType<typeof workerTicker>;

/** The tab's NATS credentials while it lives: the JWT changes at each renewal. */
interface Session {
  current: TabCredentials;
}

/**
 * The browser's host platform: NATS over WebSocket (nats.js `wsconnect`), the tab's own nkey as
 * its identity (and, with accounts, as its NATS user: the JWT the server issued names that key,
 * and the tab signs the server's nonce with it), components in Web Workers through the runtime
 * core (transpiled in the tab, cached in memory for the tab's life), artifacts from the lattice's
 * store or the page's server.
 */
export function tabPlatform(
  options: TabHostOptions,
  key: KeyPair,
  session: Session | undefined,
  every: Ticker,
): HostPlatform {
  const { config } = options;
  const id = key.getPublicKey();
  return {
    identity: { id, name: `tab-${id.slice(-5).toLowerCase()}`, seed: key.getSeed() },
    connect: async (name) => {
      // The same connection behaviour as `connectLattice` on Node: reconnect forever, quickly,
      // and notice a dead server within seconds.
      const opts: ConnectionOptions = {
        servers: config.servers,
        name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 150,
        reconnectJitter: 50,
        pingInterval: 2000,
        maxPingOut: 2,
        timeout: 5000,
        noAsyncTraces: true,
        // Cluster gossip advertises the servers' nats:// client URLs, which a browser cannot dial.
        ignoreClusterUpdates: true,
      };
      if (session) {
        // Read at every (re)connect: a renewal swaps the JWT, the key stays the tab's.
        opts.authenticator = jwtAuthenticator(() => session.current.jwt, key.getSeed());
        opts.inboxPrefix = session.current.inboxPrefix;
      }
      try {
        return await wsconnect(opts);
      } catch (err) {
        throw new AloftError(
          'NATS_UNREACHABLE',
          `cannot reach NATS at ${config.servers.join(', ')}: ${errorMessage(err)}`,
          {
            cause: err,
            retryable: true,
            hint: 'is the lattice running, with a WebSocket listener this browser can reach?',
          },
        );
      }
    },
    createRuntime: ({ logger, capabilities }) =>
      createRuntimeCore({
        logger,
        capabilities,
        cache: memoryArtifactCache(),
        spawner: webWorkerSpawner(options.Worker, config.workerUrl),
      }),
    fetchArtifact: browserArtifacts(config, options.fetch, options.logger),
    every,
  };
}

/**
 * Joins the lattice from this tab as a host, with the one implementation of the protocol every
 * host runs (`startHostOn`). With NATS accounts it first proves to the page's server that it
 * holds a fresh host key and gets a short-lived user JWT of its own, bound to that host id, and
 * renews it while it lives. A tab serves the calls and control requests addressed to it, and
 * nothing else: not a component's queue group, not the lattice-wide verbs; it neither reports
 * other hosts lost, nor probes them, nor creates the log stream — the other hosts and the
 * reconcilers do, and a tab's credentials may not.
 */
export async function startTabHost(options: TabHostOptions): Promise<Host> {
  const { config } = options;
  const key = createServer();
  const auth = config.auth;
  const request = auth
    ? () => requestCredentials(auth, config.lattice, key, options.postJson)
    : undefined;
  const session: Session | undefined = request ? { current: await request() } : undefined;
  const every = workerTicker(options.Worker, options.logger);
  const platform = tabPlatform(options, key, session, every);
  const host = await startHostOn(
    {
      lattice: config.lattice,
      servers: config.servers,
      labels: options.labels,
      heartbeatMs: config.heartbeatMs,
      logger: options.logger,
      providerKinds: {},
      // Signed components only, like every host: what the page's server trusts (its flags and
      // the lattice policy, which a browser-role user may not read itself).
      security: {
        trustedIssuers: options.config.trustedIssuers,
        allowUnsigned: options.config.allowUnsigned,
        ignoreLatticePolicy: true,
      },
      reportLosses: false,
      probeHosts: false,
      serveLatticeVerbs: false,
      serveAnyCalls: false,
      createLogStream: false,
      ...(options.onCall ? { onCall: options.onCall } : {}),
    },
    platform,
  );
  if (session && request) {
    const stopRenewing = keepCredentials({
      first: session.current,
      request,
      target: host,
      every,
      onRenewed: (next) => (session.current = next),
      onLost: (reason) => {
        options.logger.error('this tab stops serving', { reason });
        options.onCredentialsLost?.(reason);
        void host.stop(5000);
      },
      logger: options.logger,
    });
    void host.closed().then(stopRenewing);
  }
  return host;
}
