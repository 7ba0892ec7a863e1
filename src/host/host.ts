import type { NatsConnection } from '@nats-io/nats-core';
import {
  createCaller,
  encodeJson,
  ensureLogStream,
  makeEvent,
  openLatticeState,
  subjectsFor,
  watchHosts,
  type EventType,
  type Heartbeat,
  type HostsView,
  type LatticeCaller,
  type LatticeConnectionOptions,
  type LatticeState,
} from '../lattice/index.ts';
import type { CapabilityHandler, Runtime } from '../runtime/index.ts';
import { defaultProviders } from '../providers/index.ts';
import { deferred, silentLogger, systemClock, type Clock, type Logger } from '../support/index.ts';
import type { Artifact } from './artifacts.ts';
import {
  createTracing,
  readTraceContext,
  TRACING_DISABLED,
  type MetricsRegistry,
  type TracingConfig,
} from '../telemetry/index.ts';
import { hostCapabilities } from './capabilities.ts';
import { startControl, type ControlContext } from './control.ts';
import type { HostIdentity } from './identity.ts';
import { startHostSecurity, type HostSecurityOptions } from './security.ts';
import { inventoryEntry, type Inventory, type Placement } from './placements.ts';
import { hostInstruments } from './instrument.ts';
import { hostMetrics } from './metrics.ts';
import { invokeLocal, serveCalls } from './serve.ts';
import { createCallStats, type CallObserver } from './call-stats.ts';
import { hostProviderContext } from './provider-context.ts';
import type { ProviderContext, ProviderFactory, RunningProvider } from './providers.ts';

export type HostState = 'starting' | 'running' | 'draining' | 'stopping' | 'stopped';

export interface HostOptions extends Omit<LatticeConnectionOptions, 'logger' | 'name'> {
  lattice: string;
  labels: Record<string, string>;
  name?: string;
  /** Identity seed, to keep the same host id across restarts. A new identity when absent. */
  seed?: string;
  /** Heartbeat interval. Default 1000 ms. */
  heartbeatMs?: number;
  /** Directory for cached, transpiled components. */
  cacheDir?: string;
  /** Label keys that define locality for routing. Default `['cloud', 'region']`. */
  localityKeys?: string[];
  logger?: Logger;
  /** Working directory for relative component paths. */
  cwd?: string;
  /**
   * Provider kinds this host can start (`provider.start`), by kind name. Default: the built-ins
   * on Node (`startHost`), none on other platforms.
   */
  providerKinds?: Record<string, ProviderFactory>;
  /**
   * What this host trusts (issuers, development mode) and its secrets key. Deny by default:
   * without trusted issuers or `allowUnsigned` every component is refused (docs/security.md).
   */
  security?: HostSecurityOptions;
  /** Time for claims validity. Default the system clock. */
  clock?: Clock;
  /**
   * A metrics registry the host adds its metrics to (docs/observability.md): one per host, since
   * every host defines the same names. Serve it with `startMetricsServer`.
   */
  metrics?: MetricsRegistry;
  /** Tracing (OTLP export); off by default. The host's spans carry its id as `service.instance.id`. */
  tracing?: TracingConfig;
  /** Told of every call this host serves (after the heartbeat statistics count it). */
  onCall?: CallObserver;
  /**
   * Publish `host_lost` when this host sees another go silent. Default true; a browser tab's
   * credentials may not publish it (the other hosts and the reconcilers still do).
   */
  reportLosses?: boolean;
  /**
   * Serve the lattice-wide control verbs (`link.put`, `config.put`, …, queue group `ctl`). Default
   * true; a browser tab does not write lattice state.
   */
  serveLatticeVerbs?: boolean;
  /**
   * Create the lattice's component log stream when it is missing. Default true; a browser tab's
   * credentials may not create streams (the Node hosts do), and its log lines are kept all the same.
   */
  createLogStream?: boolean;
  /**
   * Also serve calls sent to a component's queue group (`rpc.<component>.any`, the callers'
   * fallback when their routing table is empty). Default true; a browser tab serves only calls
   * addressed to it, so that it never receives work (and payloads) meant for the lattice at large.
   */
  serveAnyCalls?: boolean;
  /**
   * Ping a host that a call found unreachable, to detect a crash at once (`watchHosts`' probe).
   * Default true; a browser tab may send no control request, not even this read-only one.
   */
  probeHosts?: boolean;
}

/**
 * What differs between the platforms a host runs on (Node, a browser tab): how it reaches NATS,
 * who it is, how its components run and where their bytes come from. Everything else — joining,
 * heartbeats, the control interface, serving calls, capabilities — is the one implementation in
 * {@link startHostOn}. Node's is `nodePlatform()` (node-platform.ts); the tab's is in src/browser.
 */
export interface HostPlatform {
  /** Connects to the lattice's NATS; `name` is the connection's name in NATS monitoring. */
  connect(name: string, logger: Logger): Promise<NatsConnection>;
  identity: HostIdentity;
  /** The runtime for this host's components; their capability calls go to `capabilities`. */
  createRuntime(options: { logger: Logger; capabilities: CapabilityHandler }): Runtime;
  /** Fetches a component by reference and verifies its digest before anything runs. */
  fetchArtifact(ref: string, nc: NatsConnection): Promise<Artifact>;
  /**
   * Runs `fn` every `ms` for the heartbeat; returns the function that stops it. Default
   * `setInterval`. A tab drives it from a worker, whose timers a hidden page does not throttle.
   */
  every?(ms: number, fn: () => void): () => void;
}

/** A running host: a member of the lattice that runs components and serves calls to them. */
export interface Host {
  readonly id: string;
  readonly name: string;
  readonly lattice: string;
  state(): HostState;
  labels(): Record<string, string>;
  inventory(): Inventory;
  /** Location-transparent calls from this host (in-process when the component is here). */
  readonly caller: LatticeCaller;
  readonly view: HostsView;
  /** The lattice state (links, named config) as this host sees it. */
  readonly latticeState: LatticeState;
  readonly nc: NatsConnection;
  /** Stops taking new calls, finishes in-flight ones within `graceMs`, then unloads everything. */
  drain(graceMs?: number): Promise<void>;
  /** Graceful stop: drain, publish `host_stopped`, disconnect. */
  stop(graceMs?: number): Promise<void>;
  /**
   * Runs `work` while callers route no new calls here: the host beats as cordoned, lets the
   * beat reach callers (`settleMs`, default 100) and its calls in flight finish (at most
   * `graceMs`, default 2000), runs `work`, then beats as before. For a moment of disruption
   * such as a reconnect with renewed credentials. Runs `work` at once unless running.
   */
  quiesce<T>(work: () => Promise<T>, options?: { settleMs?: number; graceMs?: number }): Promise<T>;
  /** Resolves when the host has stopped. */
  closed(): Promise<void>;
}

/**
 * Starts a host on a platform: connects, joins the lattice (heartbeats, control subjects,
 * `host_started`), and watches the other hosts and the lattice state. On Node use `startHost`.
 *
 * @example
 * const host = await startHostOn({ lattice: 'default', servers: [wsUrl], labels: { runtime: 'browser' } }, platform);
 * await host.stop();
 */
export async function startHostOn(options: HostOptions, platform: HostPlatform): Promise<Host> {
  const identity = platform.identity;
  const log = (options.logger ?? silentLogger).child({
    hostId: identity.id.slice(0, 12),
    host: identity.name,
  });
  const lattice = options.lattice;
  const s = subjectsFor(lattice);
  const source = `aloft://${lattice}/host/${identity.id}`;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const startedAt = new Date().toISOString();
  const labels: Record<string, string> = { ...options.labels };
  const placements = new Map<string, Placement>();
  const providers = new Map<string, RunningProvider>();
  let state: HostState = 'starting';
  let cordoned = false;
  /** Running `quiesce` calls: the host beats as cordoned meanwhile. */
  let quiet = 0;
  let seq = 0;
  let inventoryRevision = 0;
  const done = deferred<void>();
  const startedMs = performance.now();
  // Every call served here is reported to this one function: heartbeat statistics first, then
  // whatever else instruments calls (options.onCall).
  const callStats = createCallStats();
  const observeCall: CallObserver = (call) => {
    callStats.observe(call);
    options.onCall?.(call);
  };
  let idleWaiters: (() => void)[] = [];

  const tracing = await createTracing(
    options.tracing ?? TRACING_DISABLED,
    {
      'service.name': 'aloft-host',
      'service.instance.id': identity.id,
      'aloft.host.name': identity.name,
      'aloft.lattice': lattice,
      ...(labels.cloud !== undefined ? { 'aloft.cloud': labels.cloud } : {}),
    },
    log,
  );
  const instruments = hostInstruments({
    metrics: options.metrics,
    tracing,
    observe: observeCall,
    attributes: {
      'aloft.host.id': identity.id,
      'aloft.host.name': identity.name,
      'aloft.cloud': labels.cloud,
      'aloft.lattice': lattice,
    },
  });
  const nc = await platform.connect(`aloft-host ${identity.name}`, log);
  const latticeState: LatticeState = await openLatticeState(nc, lattice);
  const security = await startHostSecurity(nc, lattice, options.security ?? {}, {
    latticeState,
    clock: options.clock ?? systemClock,
    logger: log,
  }).catch(async (err: unknown) => {
    await latticeState.stop();
    await nc.close();
    throw err;
  });
  const view = await watchHosts(nc, {
    lattice,
    logger: log,
    ...(options.reportLosses === false ? {} : { reportLossAs: source }),
    ...(options.probeHosts === false ? { probe: false } : {}),
  });
  // Component log history (aloft logs); without it logs are still followed live.
  if (options.createLogStream !== false) {
    await ensureLogStream(nc, lattice).catch((err: unknown) =>
      log.warn('no log stream: component log lines are not kept', { error: err }),
    );
  }
  const metrics = options.metrics
    ? hostMetrics(options.metrics, { nc, view, placements, providers, identity, labels, lattice })
    : undefined;
  const self = {
    hostId: identity.id,
    labels,
    ...(options.localityKeys ? { localityKeys: options.localityKeys } : {}),
  };
  const accepting = (): boolean => state === 'running';
  const inFlight = (): number => [...placements.values()].reduce((n, p) => n + p.inFlight, 0);
  const onIdleChange = (): void => {
    if (inFlight() > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };
  const caller = createCaller(nc, {
    lattice,
    view,
    self,
    logger: log,
    local: (component, operation, payload, timeoutMs, headers) => {
      const p = placements.get(component);
      if (!p || !accepting()) return undefined;
      // Shed to other hosts only when another host serves the component; else queue here.
      const elsewhere = view.rank(component, self).some((h) => h !== identity.id);
      const trace = headers ? readTraceContext((k) => headers[k]) : undefined;
      return invokeLocal({ accepting, onIdleChange, instruments }, p, {
        operation,
        payload,
        timeoutMs,
        shed: elsewhere,
        trace,
      });
    },
  });
  const providerContext = (name: string, config: Record<string, string>): ProviderContext =>
    hostProviderContext(
      {
        nc,
        lattice,
        hostId: identity.id,
        hostName: identity.name,
        logger: log,
        labels: () => labels,
        latticeState,
        placements,
        accepting,
        onIdleChange,
        instruments,
        tracing,
        view,
        isElsewhere: (component) => view.rank(component, self).some((h) => h !== identity.id),
        caller,
        security,
      },
      name,
      config,
    );
  // The built-in providers for components without a logging or config link.
  const defaults = {
    logging: await defaultProviders.logging(providerContext('default-logging', {})),
    config: await defaultProviders.config(providerContext('default-config', {})),
  };
  const runtime: Runtime = platform.createRuntime({
    logger: log,
    capabilities: hostCapabilities({
      state: latticeState,
      caller: () => caller,
      providers,
      security,
      defaults,
      instruments,
    }),
  });

  const publishEvent = (type: EventType, data: Record<string, unknown>): void => {
    nc.publish(
      s.event(type),
      encodeJson(
        makeEvent(type, source, { hostId: identity.id, ...data }, { subject: identity.id }),
      ),
    );
  };
  let newestEpoch = (): number => 0;
  const beat = (): void => {
    if (nc.isClosed()) return;
    const components: Record<string, number> = {};
    for (const p of placements.values()) components[p.name] = p.count;
    const hb: Heartbeat = {
      hostId: identity.id,
      name: identity.name,
      labels,
      intervalMs: heartbeatMs,
      seq: seq++,
      inventoryRevision,
      cordoned: cordoned || quiet > 0 || state !== 'running',
      components,
      providers: [...providers.keys()],
      load: {
        inFlight: inFlight(),
        capacity: [...placements.values()].reduce((n, p) => n + p.count, 0),
      },
      epoch: newestEpoch(),
      ...(state === 'draining' || state === 'stopping' ? { draining: true } : {}),
      uptimeMs: Math.round(performance.now() - startedMs),
      calls: callStats.take(placements.keys()),
    };
    nc.publish(s.heartbeat(identity.id), encodeJson(hb));
    metrics?.heartbeatSent();
  };
  /** Something in the inventory changed: tell the lattice now rather than at the next beat. */
  const changed = (): void => {
    inventoryRevision++;
    beat();
  };

  const inventory = (): Inventory => ({
    hostId: identity.id,
    name: identity.name,
    lattice,
    labels: { ...labels },
    cordoned,
    state,
    startedAt,
    trust: {
      trustedIssuers: [...security.trust().trustedIssuers],
      allowUnsigned: security.trust().allowUnsigned,
      secretsKey: security.canOpenSecrets,
    },
    components: [...placements.values()].map(inventoryEntry),
    providers: [...providers.values()].map((p) => ({
      name: p.name,
      kind: p.kind,
      ref: p.ref,
      ...(p.app ? { app: p.app } : {}),
      ...(p.version ? { version: p.version } : {}),
      interfaces: [...p.instance.interfaces],
      startedAt: p.startedAt,
    })),
  });

  const waitIdle = (graceMs: number): Promise<void> =>
    inFlight() === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const t = setTimeout(resolve, graceMs);
          idleWaiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });

  const unloadAll = async (): Promise<void> => {
    const all = [...placements.values()];
    placements.clear();
    for (const p of all) for (const sub of p.subs) if (!sub.isClosed()) sub.unsubscribe();
    await Promise.all(all.map((p) => p.component.unload()));
  };

  const drain = async (graceMs = 10_000): Promise<void> => {
    if (state !== 'running') return;
    state = 'draining';
    cordoned = true;
    changed(); // callers see the cordon within one message and stop choosing this host
    publishEvent('host_cordoned', { reason: 'drain' });
    // Stop the server routing calls here; calls already on their way are still answered
    // (UNAVAILABLE: never started, so the caller retries elsewhere) rather than dropped.
    await Promise.all(
      [...placements.values()].flatMap((p) =>
        p.subs.map((sub) => sub.drain().catch(() => undefined)),
      ),
    );
    await waitIdle(graceMs);
    const names = [...placements.keys()];
    await unloadAll();
    for (const name of names) publishEvent('component_stopped', { name, reason: 'drain' });
    changed();
  };

  const stop = async (graceMs = 10_000): Promise<void> => {
    if (state === 'stopping' || state === 'stopped') return done.promise;
    if (state === 'running') await drain(graceMs);
    state = 'stopping';
    stopBeating();
    publishEvent('host_stopped', { name: identity.name });
    await control.stop();
    await Promise.allSettled(
      [...[...providers.values()].map((p) => p.instance), ...Object.values(defaults)].map((i) =>
        i.stop(),
      ),
    );
    for (const p of providers.values()) for (const sub of p.subs) sub.unsubscribe();
    providers.clear();
    await view.stop();
    await security.stop();
    await latticeState.stop();
    await runtime.close();
    await nc.drain().catch(() => undefined);
    await tracing.shutdown();
    state = 'stopped';
    log.info('host stopped');
    done.resolve();
  };

  const ctx: ControlContext = {
    nc,
    lattice,
    hostId: identity.id,
    name: identity.name,
    logger: log,
    fetchArtifact: (ref) => platform.fetchArtifact(ref, nc),
    serveLatticeVerbs: options.serveLatticeVerbs ?? true,
    startedAt,
    placements,
    providers,
    providerKinds: options.providerKinds ?? {},
    providerContext,
    labels,
    runtime,
    latticeState,
    security,
    publishEvent,
    changed,
    inventory,
    isCordoned: () => cordoned,
    setCordoned: (v) => {
      cordoned = v;
      changed();
    },
    accepting,
    serve: (p) =>
      serveCalls(
        {
          nc,
          lattice,
          hostId: identity.id,
          logger: log,
          accepting,
          onIdleChange,
          instruments,
          serveAny: options.serveAnyCalls ?? true,
        },
        p,
      ),
    instruments,
    drain,
    stop,
  };
  const control = await startControl(ctx);
  newestEpoch = () => control.newestEpoch();
  await latticeState.ready();
  state = 'running';
  let stopBeating: () => void;
  if (platform.every) stopBeating = platform.every(heartbeatMs, beat);
  else {
    const timer = setInterval(beat, heartbeatMs);
    stopBeating = () => clearInterval(timer);
  }
  beat();
  publishEvent('host_started', { name: identity.name, labels });
  // After a reconnect (e.g. the host was paused or its server died) announce ourselves at once.
  void (async () => {
    for await (const st of nc.status()) if (st.type === 'reconnect') beat();
  })();
  await nc.flush();
  log.info('host started', { labels, lattice });

  const quiesce = async <T>(
    work: () => Promise<T>,
    opts: { settleMs?: number; graceMs?: number } = {},
  ): Promise<T> => {
    if (state !== 'running') return work();
    quiet++;
    beat();
    try {
      await new Promise((r) => setTimeout(r, opts.settleMs ?? 100));
      await waitIdle(opts.graceMs ?? 2000);
      return await work();
    } finally {
      quiet--;
      if (state === 'running') beat();
    }
  };

  return {
    id: identity.id,
    name: identity.name,
    lattice,
    state: () => state,
    labels: () => ({ ...labels }),
    inventory,
    caller,
    view,
    latticeState,
    nc,
    drain,
    stop,
    quiesce,
    closed: () => done.promise,
  };
}
