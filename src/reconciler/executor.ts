import type { NatsConnection } from '@nats-io/nats-core';
import { encodeJson, LatticeCodes, LatticeError, request, subjectsFor } from '../lattice/index.ts';
import { errorMessage, silentLogger, type Logger } from '../support/index.ts';
import { toControlRequest } from './commands.ts';
import type { Command } from './model.ts';
import { providerKindFor } from './provider-kinds.ts';

/** A command sent and not yet visible in the observed state. */
export interface Pending {
  command: Command;
  sentAt: number;
}

/**
 * Sends commands as control requests, stamped with the lease epoch. Each application's commands
 * run in order on a queue of their own (apps proceed in parallel); a command whose turn comes
 * after this process stopped acting is dropped. Sent commands stay "pending" until the hosts
 * report their effect (`settle`) or for `pendingMs` at most, so the next reconciliation plans on
 * top of them instead of repeating them while hosts are still acting.
 */
export function createExecutor(
  nc: NatsConnection,
  lattice: string,
  options: {
    logger?: Logger;
    pendingMs?: number;
    /** A command found nobody at its host's control subject: the host's connection is gone. */
    onNoResponders?: (hostId: string) => void;
    /**
     * Whether a host is fit to be commanded now (e.g. its heartbeat is not overdue). A command to
     * a host that is not is dropped for the next round to plan again, instead of holding the
     * app's queue for the request timeout if the host hangs. Default: always.
     */
    reachable?: (hostId: string) => boolean;
    /** Told about every command once it was sent (`ok`) or failed to reach its host. */
    onSent?: (command: Command, ok: boolean) => void;
  } = {},
): {
  execute(commands: readonly Command[], epoch: number, mayAct?: () => boolean): void;
  pending(now: number): Command[];
  /** Forgets pending commands whose effect `done` reports (e.g. seen in the observed state). */
  settle(done: (command: Command) => boolean): void;
  idle(): Promise<void>;
} {
  const s = subjectsFor(lattice);
  const log = options.logger ?? silentLogger;
  const keep = options.pendingMs ?? 5000;
  const queues = new Map<string, Promise<void>>();
  let pending: Pending[] = [];

  const send = async (c: Command, epoch: number, mayAct: () => boolean): Promise<void> => {
    if (!mayAct()) {
      log.info('command dropped: no longer acting', { type: c.type, app: c.app });
      pending = pending.filter((p) => p.command !== c);
      return;
    }
    if ('hostId' in c && options.reachable?.(c.hostId) === false) {
      log.info('command dropped: its host is overdue', {
        type: c.type,
        host: c.hostId.slice(0, 12),
      });
      pending = pending.filter((p) => p.command !== c);
      return;
    }
    const req = toControlRequest(c, epoch, { providerKind: providerKindFor });
    const body: Record<string, unknown> = { ...req.body };
    if (c.type === 'start' || c.type === 'scale') body.version = c.version;
    if (c.type === 'startProvider') {
      body.version = c.version;
      body.ref = c.ref;
    }
    try {
      // Hosts acknowledge before they act: a healthy one answers in milliseconds.
      await request(nc, s.control(req.verb, req.hostId), encodeJson(body), { timeoutMs: 2000 });
      options.onSent?.(c, true);
      log.info('command sent', {
        type: c.type,
        app: c.app,
        reason: c.reason,
        host: 'hostId' in c ? c.hostId.slice(0, 12) : undefined,
      });
    } catch (err) {
      options.onSent?.(c, false);
      log.warn('command failed', { type: c.type, app: c.app, error: errorMessage(err) });
      pending = pending.filter((p) => p.command !== c); // let the next round plan it again
      if (err instanceof LatticeError && err.code === LatticeCodes.NO_RESPONDERS && 'hostId' in c) {
        options.onNoResponders?.(c.hostId);
      }
    }
  };

  return {
    execute(commands, epoch, mayAct = () => true) {
      const now = performance.now();
      for (const c of commands) {
        pending.push({ command: c, sentAt: now });
        const prev = queues.get(c.app) ?? Promise.resolve();
        const next = prev.then(() => send(c, epoch, mayAct));
        queues.set(c.app, next);
        void next.finally(() => {
          if (queues.get(c.app) === next) queues.delete(c.app);
        });
      }
    },
    settle(done) {
      pending = pending.filter((p) => !done(p.command));
    },
    pending(now) {
      pending = pending.filter((p) => now - p.sentAt < keep);
      return pending.map((p) => p.command);
    },
    async idle() {
      await Promise.allSettled([...queues.values()]);
    },
  };
}
