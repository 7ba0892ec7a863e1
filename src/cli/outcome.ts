import type { NatsConnection } from '@nats-io/nats-core';
import {
  CloudEvent,
  decodeJson,
  eventType,
  subjectsFor,
  type EventType,
} from '../lattice/index.ts';
import { AloftError } from '../support/index.ts';

/**
 * Waits for the event that reports how a command ended on one host (e.g. `component_started` or
 * `component_start_failed` for `name`). Subscribe (call this) before sending the command.
 * Resolves with the success event's data; rejects with the failure's own code and message.
 */
export function awaitOutcome(
  nc: NatsConnection,
  lattice: string,
  o: { hostId: string; name: string; ok: EventType[]; failed: EventType; timeoutMs: number },
): { done: Promise<Record<string, unknown>>; cancel(): void } {
  const s = subjectsFor(lattice);
  let settle!: { resolve: (d: Record<string, unknown>) => void; reject: (e: Error) => void };
  const done = new Promise<Record<string, unknown>>(
    (resolve, reject) => (settle = { resolve, reject }),
  );
  const subs = [...o.ok, o.failed].map((t) =>
    nc.subscribe(s.event(t), {
      callback: (_e, m) => {
        let ev: CloudEvent;
        try {
          ev = decodeJson(m.data, CloudEvent, t);
        } catch {
          return;
        }
        const d = ev.data;
        if (d.name !== o.name || d.hostId !== o.hostId) return;
        cancel();
        if (eventType(ev) === o.failed) {
          const code = typeof d.code === 'string' ? d.code : 'FAILED';
          settle.reject(
            new AloftError(
              code,
              typeof d.error === 'string' ? d.error : `${o.name} failed (${code})`,
              typeof d.hint === 'string' ? { hint: d.hint } : {},
            ),
          );
        } else settle.resolve(d);
      },
    }),
  );
  const timer = setTimeout(() => {
    cancel();
    settle.reject(
      new AloftError(
        'TIMEOUT',
        `no outcome for ${o.name} within ${o.timeoutMs} ms; it may still be starting`,
        {
          hint: `follow it with: aloft events --type ${[...o.ok, o.failed].join(',')}`,
        },
      ),
    );
  }, o.timeoutMs);
  function cancel(): void {
    clearTimeout(timer);
    for (const sub of subs) sub.unsubscribe();
  }
  return { done, cancel };
}
