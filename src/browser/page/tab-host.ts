import { credsAuthenticator, wsconnect, type ConnectionOptions } from '@nats-io/nats-core';
import { createServer } from '@nats-io/nkeys';
import { startHostOn, type CallObserver, type Host, type HostPlatform } from '../../host/index.ts';
import { createRuntimeCore, memoryArtifactCache } from '../../runtime/index.ts';
import { AloftError, errorMessage, type Logger } from '../../support/index.ts';
import type { JoinConfig } from '../config.ts';
import { browserArtifacts } from './artifacts.ts';
import type { WorkerConstructor } from './globals.ts';
import { webWorkerSpawner } from './spawner.ts';
import { workerTicker } from './ticker.ts';

export interface TabHostOptions {
  config: JoinConfig;
  labels: Record<string, string>;
  logger: Logger;
  Worker: WorkerConstructor;
  fetch: Parameters<typeof browserArtifacts>[1];
  /** Told of every call the tab serves (the page counts them for its status view). */
  onCall?: CallObserver;
}

/**
 * The browser's host platform: NATS over WebSocket (nats.js `wsconnect`), a fresh nkey identity
 * per tab, components in Web Workers through the runtime core (transpiled in the tab, cached in
 * memory for the tab's life), artifacts from the lattice's store or the page's server.
 */
export function tabPlatform(options: TabHostOptions): HostPlatform {
  const { config } = options;
  const kp = createServer();
  const id = kp.getPublicKey();
  return {
    identity: { id, name: `tab-${id.slice(-5).toLowerCase()}`, seed: kp.getSeed() },
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
      if (config.credentials !== undefined)
        opts.authenticator = credsAuthenticator(new TextEncoder().encode(config.credentials));
      if (config.inboxPrefix !== undefined) opts.inboxPrefix = config.inboxPrefix;
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
    every: workerTicker(options.Worker, options.logger),
  };
}

/**
 * Joins the lattice from this tab as a host, with the one implementation of the protocol every
 * host runs (`startHostOn`). A tab serves calls and the control requests addressed to it; it
 * neither writes lattice state (the lattice-wide verbs), nor reports other hosts lost, nor creates
 * the log stream — the other hosts and the reconcilers do, and a tab's credentials may not.
 */
export function startTabHost(options: TabHostOptions): Promise<Host> {
  return startHostOn(
    {
      lattice: options.config.lattice,
      servers: options.config.servers,
      labels: options.labels,
      heartbeatMs: options.config.heartbeatMs,
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
      serveLatticeVerbs: false,
      createLogStream: false,
      ...(options.onCall ? { onCall: options.onCall } : {}),
    },
    tabPlatform(options),
  );
}
