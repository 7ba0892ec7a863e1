import type { NatsConnection } from '@nats-io/nats-core';
import { encodeJson, request, subjectsFor } from '../lattice/index.ts';
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
 * run in order on a queue of their own (apps proceed in parallel). Sent commands stay "pending"
 * for `pendingMs` so the next reconciliation plans on top of them instead of repeating them
 * while hosts are still acting.
 */
export function createExecutor(
  nc: NatsConnection,
  lattice: string,
  options: {
    logger?: Logger;
    pendingMs?: number;
    /** Told about every command once it was sent (`ok`) or failed to reach its host. */
    onSent?: (command: Command, ok: boolean) => void;
  } = {},
): {
  execute(commands: readonly Command[], epoch: number): void;
  pending(now: number): Command[];
  idle(): Promise<void>;
} {
  const s = subjectsFor(lattice);
  const log = options.logger ?? silentLogger;
  const keep = options.pendingMs ?? 5000;
  const queues = new Map<string, Promise<void>>();
  let pending: Pending[] = [];

  const send = async (c: Command, epoch: number): Promise<void> => {
    const req = toControlRequest(c, epoch, { providerKind: providerKindFor });
    const body: Record<string, unknown> = { ...req.body };
    if (c.type === 'start' || c.type === 'scale') body.version = c.version;
    if (c.type === 'startProvider') {
      body.version = c.version;
      body.ref = c.ref;
    }
    try {
      await request(nc, s.control(req.verb, req.hostId), encodeJson(body), { timeoutMs: 3000 });
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
    }
  };

  return {
    execute(commands, epoch) {
      const now = performance.now();
      for (const c of commands) {
        pending.push({ command: c, sentAt: now });
        const prev = queues.get(c.app) ?? Promise.resolve();
        const next = prev.then(() => send(c, epoch));
        queues.set(c.app, next);
        void next.finally(() => {
          if (queues.get(c.app) === next) queues.delete(c.app);
        });
      }
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
