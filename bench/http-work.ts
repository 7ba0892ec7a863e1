/**
 * The sample app's work done directly (no component): what the baseline servers of
 * `npm run bench -- http` do per request, with the same key-value library on the same JetStream
 * KV bucket the `keyvalue-nats` provider uses, the same change notification and, for an
 * increment, the same log line the component writes (a JSON line on the lattice's log subject
 * for `counter`, which the log stream keeps, as the host's `logging` provider does).
 */
import type { ServerResponse } from 'node:http';
import type { NatsConnection } from '@nats-io/nats-core';
import { encodeJson, subjectsFor } from '../src/lattice/index.ts';
import { natsKeyValue } from '../src/providers/index.ts';

export interface CounterWork {
  /** GET /counters/<name>: one key-value read. */
  get(name: string): Promise<number>;
  /** POST /counters/<name>: an atomic increment, a publish and a log line. */
  increment(name: string): Promise<number>;
  close(): Promise<void>;
}

/** What the host's logging provider publishes for the component's `log(level, 'counter', …)`. */
export function counterLogLine(lattice: string, level: string, msg: string): Uint8Array {
  return encodeJson({
    time: new Date().toISOString(),
    level,
    msg,
    component: 'counter',
    context: 'counter',
    hostId: 'plain',
    host: 'plain',
    lattice,
  });
}

export function counterWork(nc: NatsConnection, lattice: string): CounterWork {
  const kv = natsKeyValue({ nc, lattice });
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const logSubject = subjectsFor(lattice).logs('counter');
  return {
    get: async (name) => {
      const raw = await kv.get('counters', name);
      return raw === undefined ? 0 : Number(dec.decode(raw));
    },
    increment: async (name) => {
      const value = await kv.increment('counters', name, 1n);
      nc.publish('counters.changed', enc.encode(`${name}=${value}`));
      nc.publish(logSubject, counterLogLine(lattice, 'info', `${name} is now ${value}`));
      return Number(value);
    },
    close: () => kv.close(),
  };
}

/** Answers with `value` as JSON. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

/** The counter name of `/counters/<name>`, if the path is one. */
export const counterName = (path: string | undefined): string | undefined =>
  /^\/counters\/([A-Za-z0-9_-]{1,64})$/.exec(path ?? '')?.[1];
