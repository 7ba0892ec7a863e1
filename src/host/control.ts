import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import type { z } from 'zod';
import {
  decodeJson,
  LATTICE_WIDE_VERBS,
  LatticeCodes,
  LatticeError,
  replyError,
  replyJson,
  schemas,
  subjectsFor,
  type ControlVerb,
  type EventType,
  type HostSummary,
  type LatticeState,
} from '../lattice/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { AloftError, errorMessage, type Logger } from '../support/index.ts';
import type { Artifact } from './artifacts.ts';
import type { HostInstruments } from './instrument.ts';
import type { Inventory, Placement } from './placements.ts';
import { claimsSummary } from './placements.ts';
import { checkLinkAgainstClaims } from './link-claims.ts';
import { redactedError, remoteLinkConfig } from './secrets.ts';
import type { HostSecurity } from './security.ts';
import {
  serveProvider,
  type ProviderContext,
  type ProviderFactory,
  type RunningProvider,
} from './providers.ts';

/** What the control handlers may see and do on their host. */
export interface ControlContext {
  nc: NatsConnection;
  lattice: string;
  hostId: string;
  name: string;
  logger: Logger;
  /** Fetches a component's bytes by reference, digest verified (the platform's way). */
  fetchArtifact(ref: string): Promise<Artifact>;
  /** Serve the lattice-wide verbs (queue group `ctl`); false on hosts that may not write state. */
  serveLatticeVerbs: boolean;
  startedAt: string;
  placements: Map<string, Placement>;
  providers: Map<string, RunningProvider>;
  providerKinds: Record<string, ProviderFactory>;
  providerContext(name: string, config: Record<string, string>): ProviderContext;
  labels: Record<string, string>;
  runtime: Runtime;
  latticeState: LatticeState;
  security: HostSecurity;
  publishEvent(type: EventType, data: Record<string, unknown>): void;
  changed(): void;
  inventory(): Inventory;
  isCordoned(): boolean;
  setCordoned(value: boolean): void;
  accepting(): boolean;
  serve(p: Placement): void;
  instruments: HostInstruments;
  drain(graceMs: number): Promise<void>;
  stop(graceMs: number): Promise<void>;
}

type Handler = (msg: Msg) => Promise<void>;

/**
 * Subscribes the control interface. Every request is validated against its schema; an invalid or
 * failing one gets an error reply and changes nothing. Work that takes time is acknowledged first
 * and reported by an event when it completes or fails.
 */
export async function startControl(
  ctx: ControlContext,
): Promise<{ newestEpoch(): number; stop(): Promise<void> }> {
  const s = subjectsFor(ctx.lattice);
  const subs: Subscription[] = [];
  const queues = new Map<string, Promise<void>>();
  let newestEpoch = 0;

  /** Replaced pools finishing their invocations before they unload. */
  const retiring = new Set<Promise<void>>();
  /** Runs work for one component after the work already queued for it: commands apply in order. */
  const serial = (name: string, work: () => Promise<void>): void => {
    const next = (queues.get(name) ?? Promise.resolve()).then(work, work);
    queues.set(name, next);
    void next.finally(() => {
      if (queues.get(name) === next) queues.delete(name);
    });
  };
  const parse = <T extends z.ZodType>(msg: Msg, schema: T, verb: string): z.infer<T> =>
    decodeJson(
      msg.data.length ? msg.data : new TextEncoder().encode('{}'),
      schema,
      `${verb} request`,
    );
  /** Commands from a reconciler carry its lease epoch; older epochs are refused (fencing). */
  const fence = (epoch: number | undefined): void => {
    if (epoch === undefined) return;
    if (epoch < newestEpoch) {
      throw new AloftError(
        'STALE_EPOCH',
        `command from lease epoch ${epoch}; this host has seen epoch ${newestEpoch}`,
      );
    }
    newestEpoch = epoch;
  };
  const ack = (msg: Msg, detail?: string): void =>
    replyJson(msg, { accepted: true, hostId: ctx.hostId, ...(detail ? { detail } : {}) });

  const summary = (): HostSummary => ({
    hostId: ctx.hostId,
    name: ctx.name,
    lattice: ctx.lattice,
    labels: { ...ctx.labels },
    version: '0.1.0',
    startedAt: ctx.startedAt,
    cordoned: ctx.isCordoned(),
    components: [...ctx.placements.values()].reduce((n, p) => n + p.count, 0),
    providers: ctx.providers.size,
  });

  const startOrScale = async (
    req: z.infer<typeof schemas.ComponentStartRequest>,
  ): Promise<void> => {
    const existing = ctx.placements.get(req.name);
    try {
      if (existing && existing.ref === req.ref && existing.count === req.count) {
        // Same code, same size: at most a new app version label, no reload.
        if (req.version !== undefined && existing.version !== req.version) {
          existing.version = req.version;
          existing.app = req.app ?? existing.app;
          ctx.changed();
        }
        return;
      }
      const bytes =
        existing?.ref === req.ref ? existing.bytes : (await ctx.fetchArtifact(req.ref)).bytes;
      // Signed, untampered, in date and from a trusted issuer (or development mode): else refused.
      const verdict = await ctx.security.verify(bytes);
      const claims = verdict.signed ? verdict.claims : undefined;
      const limits = {
        maxInstances: req.count,
        minInstances: Math.min(req.count, 4),
        ...(req.limits?.memoryMiB ? { memoryLimitBytes: req.limits.memoryMiB * 1024 * 1024 } : {}),
        ...(req.limits?.deadlineMs ? { timeoutMs: req.limits.deadlineMs } : {}),
        ...(req.limits?.maxConcurrent ? { maxQueue: req.limits.maxConcurrent } : {}),
      };
      const component = await ctx.runtime.load(bytes, {
        name: req.name,
        limits,
        ...(claims ? { allowedCapabilities: claims.aloft.caps } : {}),
      });
      // Recorded for link-time checks, by hosts that write lattice state (not a browser tab).
      if (verdict.signed && ctx.serveLatticeVerbs) {
        ctx.latticeState.putClaims(req.name, verdict.jwt).catch((err: unknown) => {
          ctx.logger.warn('could not record the component claims', { name: req.name, error: err });
        });
      }
      if (existing) {
        // Swap in the new pool; the old one finishes what it has, then goes.
        const old = existing.component;
        existing.component = component;
        existing.count = req.count;
        existing.ref = req.ref;
        existing.app = req.app ?? existing.app;
        existing.version = req.version ?? existing.version;
        existing.bytes = bytes;
        existing.sha256 = component.sha256;
        existing.claims = claims;
        ctx.changed();
        ctx.publishEvent('component_scaled', {
          name: req.name,
          count: req.count,
          sha256: component.sha256,
          ...claimsSummary(claims),
        });
        // Not awaited: the old pool's invocations may wait seconds (a write during a JetStream
        // election), and the next command for this component (e.g. a scale back down) must not
        // wait behind them.
        retireInBackground(old);
        return;
      }
      const placement: Placement = {
        name: req.name,
        ref: req.ref,
        sha256: component.sha256,
        bytes,
        count: req.count,
        app: req.app,
        version: req.version,
        component,
        claims,
        inFlight: 0,
        startedAt: new Date().toISOString(),
        subs: [],
      };
      ctx.placements.set(req.name, placement);
      ctx.serve(placement);
      await ctx.nc.flush();
      ctx.changed();
      ctx.publishEvent('component_started', {
        name: req.name,
        count: req.count,
        sha256: component.sha256,
        app: req.app,
        ...claimsSummary(claims),
      });
    } catch (err) {
      ctx.logger.warn('component start failed', { name: req.name, error: err });
      ctx.publishEvent('component_start_failed', {
        name: req.name,
        ref: req.ref,
        code: err instanceof AloftError ? err.code : 'INTERNAL',
        error: errorMessage(err),
        ...(err instanceof AloftError && err.hint ? { hint: err.hint } : {}),
      });
    }
  };

  const stopComponent = async (name: string, reason: string): Promise<void> => {
    const p = ctx.placements.get(name);
    if (!p) return;
    ctx.placements.delete(name);
    ctx.changed();
    // Drain, not unsubscribe: a call the server already sent us is still answered (by the
    // retiring pool) instead of being dropped and left to time out at the caller.
    await Promise.all(p.subs.map((sub) => sub.drain().catch(() => undefined)));
    await retire(p.component);
    ctx.publishEvent('component_stopped', { name, reason });
  };

  const handlers: Partial<Record<ControlVerb, Handler>> = {
    // Verbs without arguments still take only a JSON object (or nothing): anything else is refused.
    'host.ping': async (msg) => {
      parse(msg, schemas.EmptyRequest, 'host.ping');
      await Promise.resolve(replyJson(msg, summary()));
    },
    'host.inventory': async (msg) => {
      parse(msg, schemas.EmptyRequest, 'host.inventory');
      await Promise.resolve(replyJson(msg, ctx.inventory()));
    },
    'component.start': async (msg) => {
      const req = parse(msg, schemas.ComponentStartRequest, 'component.start');
      fence(req.epoch);
      if (!ctx.accepting())
        throw new LatticeError(LatticeCodes.UNAVAILABLE, 'host is draining or stopping');
      ack(msg);
      serial(req.name, () => startOrScale(req));
      await Promise.resolve();
    },
    'component.scale': async (msg) => {
      const req = parse(msg, schemas.ComponentScaleRequest, 'component.scale');
      fence(req.epoch);
      const p = ctx.placements.get(req.name);
      if (!p)
        throw new LatticeError(LatticeCodes.NOT_FOUND, `component ${req.name} is not on this host`);
      ack(msg);
      serial(req.name, () =>
        req.count === 0
          ? stopComponent(req.name, 'scaled to 0')
          : startOrScale({
              name: p.name,
              ref: p.ref,
              count: req.count,
              app: req.app ?? p.app,
              version: req.version ?? p.version,
            }),
      );
      await Promise.resolve();
    },
    'component.stop': async (msg) => {
      const req = parse(msg, schemas.ComponentStopRequest, 'component.stop');
      fence(req.epoch);
      if (!ctx.placements.has(req.name))
        throw new LatticeError(LatticeCodes.NOT_FOUND, `component ${req.name} is not on this host`);
      ack(msg);
      serial(req.name, () => stopComponent(req.name, 'stopped'));
      await Promise.resolve();
    },
    'provider.start': async (msg) => {
      const req = parse(msg, schemas.ProviderStartRequest, 'provider.start');
      fence(req.epoch);
      const factory = ctx.providerKinds[req.kind];
      if (!factory) {
        const kinds = Object.keys(ctx.providerKinds).sort().join(', ') || 'none';
        throw new AloftError(
          'PROVIDER_UNKNOWN',
          `no provider kind ${JSON.stringify(req.kind)} on this host (available: ${kinds})`,
        );
      }
      if (!ctx.accepting())
        throw new LatticeError(LatticeCodes.UNAVAILABLE, 'host is draining or stopping');
      ack(msg);
      serial(`provider:${req.name}`, async () => {
        const existing = ctx.providers.get(req.name);
        if (
          existing &&
          existing.kind === req.kind &&
          JSON.stringify(existing.config) === JSON.stringify(req.config)
        )
          return;
        try {
          if (existing) await stopProvider(req.name, 'replaced');
          const instance = await factory(ctx.providerContext(req.name, req.config));
          const running: RunningProvider = {
            name: req.name,
            kind: req.kind,
            ref: req.ref ?? req.kind,
            app: req.app,
            version: req.version,
            config: req.config,
            instance,
            startedAt: new Date().toISOString(),
            subs: [],
          };
          ctx.providers.set(req.name, running);
          serveProvider(
            ctx.nc,
            ctx.lattice,
            ctx.hostId,
            running,
            ctx.logger,
            ctx.instruments,
            (call) => remoteLinkConfig(call, req.name, ctx.latticeState, ctx.security),
            (err) => redactedError(err, (t) => ctx.security.redact(t)),
          );
          await ctx.nc.flush();
          ctx.changed();
          ctx.publishEvent('provider_started', {
            name: req.name,
            kind: req.kind,
            interfaces: [...instance.interfaces],
          });
        } catch (err) {
          ctx.publishEvent('provider_start_failed', {
            name: req.name,
            kind: req.kind,
            code: err instanceof AloftError ? err.code : 'INTERNAL',
            // A provider may quote its config (a URL with a password) in its error.
            error: ctx.security.redact(errorMessage(err)),
          });
        }
      });
      await Promise.resolve();
    },
    'provider.stop': async (msg) => {
      const req = parse(msg, schemas.ProviderStopRequest, 'provider.stop');
      fence(req.epoch);
      if (!ctx.providers.has(req.name))
        throw new LatticeError(LatticeCodes.NOT_FOUND, `provider ${req.name} is not on this host`);
      ack(msg);
      serial(`provider:${req.name}`, () => stopProvider(req.name, 'stopped'));
      await Promise.resolve();
    },
    'host.labels.put': async (msg) => {
      const req = parse(msg, schemas.LabelsPutRequest, 'host.labels.put');
      Object.assign(ctx.labels, req.labels);
      ctx.changed();
      ctx.publishEvent('host_labels_changed', { labels: { ...ctx.labels } });
      ack(msg);
      await Promise.resolve();
    },
    'host.labels.del': async (msg) => {
      const req = parse(msg, schemas.LabelsDeleteRequest, 'host.labels.del');
      for (const k of req.keys) delete ctx.labels[k];
      ctx.changed();
      ctx.publishEvent('host_labels_changed', { labels: { ...ctx.labels } });
      ack(msg);
      await Promise.resolve();
    },
    'host.cordon': async (msg) => {
      parse(msg, schemas.EmptyRequest, 'host.cordon');
      ctx.setCordoned(true);
      ctx.publishEvent('host_cordoned', {});
      ack(msg);
      await Promise.resolve();
    },
    'host.uncordon': async (msg) => {
      parse(msg, schemas.EmptyRequest, 'host.uncordon');
      ctx.setCordoned(false);
      ctx.publishEvent('host_uncordoned', {});
      ack(msg);
      await Promise.resolve();
    },
    'host.drain': async (msg) => {
      const req = parse(msg, schemas.DrainRequest, 'host.drain');
      ack(msg);
      await ctx.drain(req.graceMs);
    },
    'host.stop': async (msg) => {
      const req = parse(msg, schemas.DrainRequest, 'host.stop');
      ack(msg);
      await ctx.nc.flush();
      await ctx.stop(req.graceMs);
    },
    'link.put': async (msg) => {
      const link = parse(msg, schemas.Link, 'link.put');
      // A component whose claims are known may be linked only to what they allow.
      checkLinkAgainstClaims(
        link,
        ctx.placements.get(link.source)?.claims ?? ctx.security.knownClaims(link.source),
      );
      await ctx.latticeState.putLink(link);
      ctx.publishEvent('link_put', { link });
      ack(msg);
    },
    'link.del': async (msg) => {
      const req = parse(msg, schemas.LinkDeleteRequest, 'link.del');
      const existed = await ctx.latticeState.deleteLink(req.source, req.interface, req.name);
      if (!existed)
        throw new LatticeError(
          LatticeCodes.NOT_FOUND,
          `no link ${req.name} for ${req.source} on ${req.interface}`,
        );
      ctx.publishEvent('link_deleted', { ...req });
      ack(msg);
    },
    'config.put': async (msg) => {
      const req = parse(msg, schemas.ConfigPutRequest, 'config.put');
      await ctx.latticeState.putConfig(req.name, req.values);
      ctx.publishEvent('config_put', { name: req.name, keys: Object.keys(req.values) });
      ack(msg);
    },
    'config.del': async (msg) => {
      const req = parse(msg, schemas.ConfigDeleteRequest, 'config.del');
      if (!(await ctx.latticeState.deleteConfig(req.name)))
        throw new LatticeError(LatticeCodes.NOT_FOUND, `no config ${req.name}`);
      ctx.publishEvent('config_deleted', { name: req.name });
      ack(msg);
    },
  };

  /** Lattice-wide verbs are served by one host of a queue group; the rest by the addressed host. */
  const latticeWide = new Set<ControlVerb>(LATTICE_WIDE_VERBS);
  const run = (verb: ControlVerb, handler: Handler) => (_err: unknown, msg: Msg) => {
    void Promise.resolve(msg)
      .then(handler)
      .catch((err: unknown) => {
        if (!(err instanceof AloftError))
          ctx.logger.error('control handler failed', { verb, error: err });
        replyError(msg, err);
      });
  };
  for (const [verb, handler] of Object.entries(handlers) as [ControlVerb, Handler][]) {
    if (latticeWide.has(verb)) {
      if (!ctx.serveLatticeVerbs) continue;
      subs.push(ctx.nc.subscribe(s.control(verb), { queue: 'ctl', callback: run(verb, handler) }));
    } else {
      subs.push(ctx.nc.subscribe(s.control(verb, ctx.hostId), { callback: run(verb, handler) }));
    }
  }
  subs.push(
    ctx.nc.subscribe(s.control('host.ping'), {
      callback: run('host.ping', handlers['host.ping'] as Handler),
    }),
  );
  await ctx.nc.flush();

  /** Lets a replaced pool finish its in-flight invocations (bounded), then unloads it. */
  async function stopProvider(name: string, reason: string): Promise<void> {
    const p = ctx.providers.get(name);
    if (!p) return;
    ctx.providers.delete(name);
    for (const sub of p.subs) sub.unsubscribe();
    ctx.changed();
    await p.instance
      .stop()
      .catch((err: unknown) => ctx.logger.warn('provider stop failed', { name, error: err }));
    ctx.publishEvent('provider_stopped', { name, reason });
  }

  function retireInBackground(component: Placement['component']): void {
    const done = retire(component).catch((err: unknown) => {
      ctx.logger.warn('retiring a replaced pool failed', { error: err });
    });
    retiring.add(done);
    void done.finally(() => retiring.delete(done));
  }

  async function retire(component: Placement['component']): Promise<void> {
    // Its invocations end by their own deadlines; unloading under one that runs would leave its
    // caller unsure whether it acted (a write waiting for a JetStream election takes seconds).
    const until = performance.now() + 60_000;
    while (performance.now() < until) {
      const st = component.stats();
      if (st.inFlight === 0 && st.queued === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await component.unload();
  }

  return {
    newestEpoch: () => newestEpoch,
    stop: async () => {
      for (const sub of subs) sub.unsubscribe();
      await Promise.allSettled([...queues.values()]);
      await Promise.allSettled([...retiring]);
    },
  };
}
