import {
  headers as natsHeaders,
  type MsgHdrs,
  type Msg,
  type NatsConnection,
  type Subscription,
} from '@nats-io/nats-core';
import { AloftError, silentLogger, type Logger } from '../../support/index.ts';
import { readTraceContext, traceHeaders, type TraceContext } from '../../telemetry/index.ts';
import { checkSubject, MessagingCodes, type SubscriptionSpec } from './subjects.ts';

/** A message as components see it (`aloft:platform/types` `message`). */
export interface BrokerMessage {
  subject: string;
  replyTo: string | undefined;
  body: Uint8Array;
}

/** How a message reached a subscription. */
export interface Delivery {
  /** The subject the subscription listens on (a pattern such as `orders.*`). */
  subscription: string;
  queue: string | undefined;
  /** The W3C trace context the publisher put in the message's headers, if any. */
  trace: TraceContext | undefined;
}

/** Receives one message; a rejection is logged (the message is not redelivered). */
export type DeliverMessage = (message: BrokerMessage, delivery: Delivery) => Promise<void>;

/** A running set of subscriptions. */
export interface MessageSubscription {
  readonly subjects: readonly string[];
  readonly queue: string | undefined;
  /** Stops receiving, then waits for deliveries in progress. */
  stop(): Promise<void>;
}

/**
 * Publish, request and subscribe over NATS core for components. A `trace` given to `publish` or
 * `request` travels in the message's headers (`traceparent`, `tracestate`), and subscribers get it
 * back in their {@link Delivery}, so the receiving side continues the trace.
 */
export interface Messaging {
  publish(message: BrokerMessage, trace?: TraceContext): Promise<void>;
  request(
    subject: string,
    body: Uint8Array,
    timeoutMs: number,
    trace?: TraceContext,
  ): Promise<BrokerMessage>;
  subscribe(spec: SubscriptionSpec, deliver: DeliverMessage): MessageSubscription;
  /** Stops every subscription. */
  close(): Promise<void>;
}

/** Options of {@link natsMessaging}. */
export interface NatsMessagingOptions {
  nc: NatsConnection;
  logger?: Logger;
  /** Deliveries in progress per subscription; further messages wait (then NATS buffers). Default 64. */
  maxConcurrent?: number;
  /** Cap of a request's timeout. Default 30 000 ms. */
  maxRequestTimeoutMs?: number;
}

/** NATS headers carrying `trace`; none (no header block at all) without one. */
function traceMsgHeaders(trace: TraceContext | undefined): MsgHdrs | undefined {
  if (!trace) return undefined;
  const h = natsHeaders();
  for (const [k, v] of Object.entries(traceHeaders(trace))) h.set(k, v);
  return h;
}

function toBroker(m: Msg): BrokerMessage {
  // A plain Uint8Array of its own: nats.js hands out Buffer views into its read buffer.
  const body = new Uint8Array(m.data);
  return { subject: m.subject, replyTo: m.reply || undefined, body };
}

function mapError(err: unknown, what: string): AloftError {
  if (err instanceof AloftError) return err;
  const e = err as Error;
  const noResponders =
    e.name === 'NoResponders' || (e.cause as Error | undefined)?.name === 'NoResponders';
  if (noResponders) {
    return new AloftError(MessagingCodes.NO_RESPONDERS, `${what}: nobody is subscribed`, {
      cause: err,
      retryable: true,
    });
  }
  if (e.name === 'TimeoutError' || (e.cause as Error | undefined)?.name === 'TimeoutError') {
    return new AloftError(MessagingCodes.TIMEOUT, `${what}: no reply in time`, {
      cause: err,
      retryable: true,
    });
  }
  return new AloftError(MessagingCodes.UNAVAILABLE, `${what}: ${e.message}`, {
    cause: err,
    retryable: true,
  });
}

/**
 * Messaging for components over the lattice's NATS connection: publish, request/reply, and
 * subscriptions (optionally in a queue group) whose messages go to a callback (the host calls the
 * component's `message-handler`). Components cannot reach the platform's own subjects.
 *
 * @example
 * const m = natsMessaging({ nc });
 * const sub = m.subscribe({ subjects: ['orders.*'], queue: 'billing' }, (msg) => host.deliver('billing', msg));
 */
export function natsMessaging(options: NatsMessagingOptions): Messaging {
  const { nc } = options;
  const log = options.logger ?? silentLogger;
  const maxConcurrent = options.maxConcurrent ?? 64;
  const maxTimeout = options.maxRequestTimeoutMs ?? 30_000;
  const subscriptions = new Set<MessageSubscription>();

  const subscribe = (spec: SubscriptionSpec, deliver: DeliverMessage): MessageSubscription => {
    for (const s of spec.subjects) checkSubject(s, true);
    let active = 0;
    const waiting: (() => void)[] = [];
    const inFlight = new Set<Promise<void>>();
    const consume = async (sub: Subscription, subscription: string): Promise<void> => {
      for await (const m of sub) {
        while (active >= maxConcurrent) await new Promise<void>((r) => waiting.push(r));
        active++;
        const trace = m.headers ? readTraceContext((k) => m.headers?.get(k)) : undefined;
        const p = deliver(toBroker(m), { subscription, queue: spec.queue, trace })
          .catch((err: unknown) =>
            log.warn('message delivery failed', { subject: m.subject, error: err }),
          )
          .finally(() => {
            active--;
            inFlight.delete(p);
            waiting.shift()?.();
          });
        inFlight.add(p);
      }
    };
    const subs = spec.subjects.map((s) => nc.subscribe(s, spec.queue ? { queue: spec.queue } : {}));
    const loops = subs.map((sub, i) => consume(sub, spec.subjects[i] ?? sub.getSubject()));
    const handle: MessageSubscription = {
      subjects: [...spec.subjects],
      queue: spec.queue,
      stop: async () => {
        subscriptions.delete(handle);
        await Promise.all(
          subs.filter((s) => !s.isClosed()).map((s) => s.drain().catch(() => undefined)),
        );
        await Promise.all(loops);
        await Promise.all([...inFlight]);
      },
    };
    subscriptions.add(handle);
    return handle;
  };

  return {
    publish: (message, trace) => {
      try {
        checkSubject(message.subject, false);
        // A reply subject is where the receiver answers: it must not point at the platform either.
        if (message.replyTo) checkSubject(message.replyTo, false);
        if (nc.isClosed())
          throw new AloftError(MessagingCodes.UNAVAILABLE, 'the NATS connection is closed', {
            retryable: true,
          });
        const headers = traceMsgHeaders(trace);
        nc.publish(message.subject, message.body, {
          ...(message.replyTo ? { reply: message.replyTo } : {}),
          ...(headers ? { headers } : {}),
        });
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(mapError(err, `publish to ${message.subject}`));
      }
    },
    request: async (subject, body, timeoutMs, trace) => {
      checkSubject(subject, false);
      const timeout = timeoutMs > 0 ? Math.min(timeoutMs, maxTimeout) : maxTimeout;
      const headers = traceMsgHeaders(trace);
      try {
        return toBroker(
          await nc.request(subject, body, { timeout, ...(headers ? { headers } : {}) }),
        );
      } catch (err) {
        throw mapError(err, `request to ${subject}`);
      }
    },
    subscribe,
    close: async () => {
      await Promise.all([...subscriptions].map((s) => s.stop()));
    },
  };
}
