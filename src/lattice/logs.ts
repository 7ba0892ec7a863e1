import { nanos, type NatsConnection } from '@nats-io/nats-core';
import {
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { decodeJson } from './codec.ts';
import { LatticeCodes, LatticeError } from './errors.ts';
import { assertLatticeName, assertToken } from './names.ts';
import { ComponentLogLine } from './schemas.ts';
import { subjectsFor } from './subjects.ts';
import { latticeJetStream, latticeJetStreamManager } from './jetstream.ts';

/** How long and how much of the component log lines the lattice keeps. */
export const LOG_RETENTION = { maxAgeMs: 60 * 60 * 1000, maxBytes: 64 * 1024 * 1024 } as const;

/** The JetStream stream that keeps a lattice's recent component log lines: `aloft_L_logs`. */
export function logStreamName(lattice: string): string {
  assertLatticeName(lattice);
  return `aloft_${lattice}_logs`;
}

/**
 * Makes sure the lattice's log stream exists: it captures `aloft.L.log.>` (what hosts publish
 * for the `logging` capability) for an hour, up to 64 MiB, oldest dropped first, one replica
 * (log history is a convenience; live following does not depend on it). An existing stream is
 * left as it is, so an operator may change its limits.
 */
export async function ensureLogStream(nc: NatsConnection, lattice: string): Promise<void> {
  const name = logStreamName(lattice);
  const jsm = await latticeJetStreamManager(nc, { timeout: 2000 });
  try {
    await jsm.streams.info(name);
    return;
  } catch (err) {
    if (!/not found/i.test(String(err))) throw err;
  }
  const config: Partial<StreamConfig> & { name: string } = {
    name,
    subjects: [subjectsFor(lattice).logsAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(LOG_RETENTION.maxAgeMs),
    max_bytes: LOG_RETENTION.maxBytes,
    num_replicas: 1,
    duplicate_window: nanos(1000),
  };
  try {
    await jsm.streams.add(config);
  } catch (err) {
    // Another host created it at the same moment.
    if (!/already in use/i.test(String(err))) throw err;
  }
}

/** What {@link readComponentLogs} yields: a line, or the moment the history has been read. */
export type LogEvent =
  { kind: 'line'; line: ComponentLogLine; history: boolean } | { kind: 'caught-up' };

/**
 * A component's log lines across the lattice: first those kept in the log stream (since
 * `since`), then a `caught-up` event, then — with `follow` — new lines as hosts publish them,
 * until `signal` aborts. Without a log stream, following still works (live lines only).
 *
 * @throws {LatticeError} `NOT_FOUND` when there is no log stream and `follow` is off.
 * @example
 * for await (const e of readComponentLogs(nc, 'default', { component: 'counter', follow: false })) {
 *   if (e.kind === 'line') print(e.line);
 * }
 */
export async function* readComponentLogs(
  nc: NatsConnection,
  lattice: string,
  options: { component: string; since?: Date; follow: boolean; signal?: AbortSignal },
): AsyncGenerator<LogEvent> {
  assertToken(options.component, 'component name');
  const subject = subjectsFor(lattice).logs(options.component);
  const stream = logStreamName(lattice);
  const jsm = await latticeJetStreamManager(nc, { timeout: 3000 });
  const exists = await jsm.streams.info(stream).then(
    () => true,
    (err: unknown) => {
      if (/not found/i.test(String(err))) return false;
      throw err;
    },
  );
  if (!exists) {
    if (!options.follow) {
      throw new LatticeError(LatticeCodes.NOT_FOUND, `lattice ${lattice} keeps no log history`, {
        hint: `hosts create the ${stream} stream when they start; follow live lines with --follow`,
      });
    }
    yield { kind: 'caught-up' };
    yield* live(nc, subject, options.signal);
    return;
  }
  const last = await jsm.streams.getMessage(stream, { last_by_subj: subject });
  const since = options.since;
  let caughtUp = !last || (since !== undefined && last.time.getTime() < since.getTime());
  if (caughtUp) {
    yield { kind: 'caught-up' };
    if (!options.follow) return;
  }
  const consumer = await latticeJetStream(nc).consumers.get(stream, {
    filter_subjects: subject,
    ...(since
      ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: since.toISOString() }
      : { deliver_policy: DeliverPolicy.All }),
  });
  const messages = await consumer.consume();
  const stop = (): void => void messages.stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const m of messages) {
      const history = !caughtUp;
      try {
        yield { kind: 'line', line: decodeJson(m.data, ComponentLogLine, 'log line'), history };
      } catch {
        // not a log line we understand (another version): leave it out
      }
      if (!caughtUp && last && m.seq >= last.seq) {
        caughtUp = true;
        yield { kind: 'caught-up' };
        if (!options.follow) return;
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
    await messages.close().catch(() => undefined);
  }
}

async function* live(
  nc: NatsConnection,
  subject: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<LogEvent> {
  const sub = nc.subscribe(subject);
  const stop = (): void => sub.unsubscribe();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const m of sub) {
      try {
        yield {
          kind: 'line',
          line: decodeJson(m.data, ComponentLogLine, 'log line'),
          history: false,
        };
      } catch {
        // not a log line we understand
      }
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    sub.unsubscribe();
  }
}
