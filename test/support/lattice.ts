import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  CloudEvent,
  decodeJson,
  encodeJson,
  requestJson,
  schemas,
  subjectsFor,
  type EventType,
} from '../../src/lattice/index.ts';

/** Collects the lattice's events of the given types as they arrive. */
export function recordEvents(nc: NatsConnection, lattice: string, types: EventType[]) {
  const seen: { type: EventType; event: CloudEvent; atMs: number }[] = [];
  const waiters: (() => void)[] = [];
  const s = subjectsFor(lattice);
  const subs = types.map((type) =>
    nc.subscribe(s.event(type), {
      callback: (_e, m) => {
        seen.push({ type, event: decodeJson(m.data, CloudEvent, type), atMs: performance.now() });
        for (const w of waiters.splice(0)) w();
      },
    }),
  );
  return {
    seen,
    /** Resolves when the next event arrives, or after `ms`. */
    next: (ms: number) =>
      new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, ms);
      }),
    /** Resolves with the first matching event (already seen or future). */
    async waitFor(
      type: EventType,
      match: (data: Record<string, unknown>) => boolean = () => true,
      timeoutMs = 15_000,
    ) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const hit = seen.find((e) => e.type === type && match(e.event.data));
        if (hit) return hit;
        if (performance.now() > deadline)
          throw new Error(
            `no ${type} event within ${timeoutMs} ms; saw ${seen.map((e) => e.type).join(', ')}`,
          );
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
    stop: () => subs.forEach((sub) => sub.unsubscribe()),
  };
}

/** Sends `component.start` to a host and returns the acknowledgement. */
export function startComponent(
  nc: NatsConnection,
  lattice: string,
  hostId: string,
  body: { name: string; ref: string; count?: number },
) {
  return requestJson(
    nc,
    subjectsFor(lattice).control('component.start', hostId),
    { count: 1, ...body },
    schemas.Ack,
    { timeoutMs: 5000 },
  );
}

/** Writes component bytes to `dir/name.wasm` and returns the path. */
export function writeComponent(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, `${name}.wasm`);
  writeFileSync(path, bytes);
  return path;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);
export { encodeJson };

/**
 * Sends `component.start` and waits for its outcome: the `component_started` (or, for a name
 * already placed there, `component_scaled`) or `component_start_failed` event of that name on
 * that host.
 */
export async function startAndWait(
  nc: NatsConnection,
  lattice: string,
  hostId: string,
  body: { name: string; ref: string; count?: number },
  timeoutMs = 30_000,
): Promise<{ outcome: EventType; data: Record<string, unknown> }> {
  const events = recordEvents(nc, lattice, [
    'component_started',
    'component_scaled',
    'component_start_failed',
  ]);
  try {
    await startComponent(nc, lattice, hostId, body);
    const mine = (d: Record<string, unknown>): boolean =>
      d.name === body.name && d.hostId === hostId;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const first = events.seen.find((e) => mine(e.event.data));
      if (first) return { outcome: first.type, data: first.event.data };
      if (performance.now() > deadline)
        throw new Error(`no outcome for ${body.name} within ${timeoutMs} ms`);
      await events.next(200);
    }
  } finally {
    events.stop();
  }
}

/** Sends a control request; resolves with the reply's error code (undefined when accepted). */
export async function controlCode(
  nc: NatsConnection,
  subject: string,
  body: unknown,
): Promise<{ code: string | undefined; message: string | undefined; data: Uint8Array }> {
  const reply = await nc.request(subject, encodeJson(body), { timeout: 5000 });
  return {
    code: reply.headers?.get('Aloft-Error-Code') || undefined,
    message: reply.headers?.get('Aloft-Error') || undefined,
    data: reply.data,
  };
}
