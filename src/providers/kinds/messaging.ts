import { noopTracing, type SpanKind, type TraceContext } from '../../telemetry/index.ts';
import {
  natsMessaging,
  subscriptionFromConfig,
  type BrokerMessage,
  type Delivery,
  type MessageSubscription,
  type SubscriptionSpec,
} from '../messaging/index.ts';
import {
  intConfig,
  startWith,
  unknownFunction,
  type ProviderContext,
  type ProviderFactory,
} from '../provider.ts';

/** The code and message of a failure, for a span's status. */
const failure = (err: unknown): { code: string; message: string } => {
  const code = (err as { code?: unknown } | null)?.code;
  return {
    code: typeof code === 'string' && code !== '' ? code : 'INTERNAL',
    message: err instanceof Error ? err.message : String(err),
  };
};

/**
 * Runs `work` in a messaging span (OpenTelemetry's messaging conventions: `publish orders.new`,
 * producer; `process orders.*`, consumer), child of `parent`; `work` gets the context to send on.
 * With tracing off the parent is passed on unchanged, so the trace still crosses the message.
 */
async function messagingSpan<T>(
  ctx: ProviderContext,
  span: { operation: 'publish' | 'request' | 'process'; kind: SpanKind; destination: string },
  attributes: Record<string, string | number | undefined>,
  parent: TraceContext | undefined,
  work: (trace: TraceContext | undefined) => Promise<T>,
): Promise<T> {
  const tracing = ctx.tracing ?? noopTracing;
  // Reply inboxes are unique per request: named as a kind, not one span name per inbox.
  const temporary = span.destination.startsWith('_INBOX.');
  const s = tracing.startSpan(`${span.operation} ${temporary ? '(temporary)' : span.destination}`, {
    kind: span.kind,
    parent,
    attributes: tracing.enabled
      ? {
          'messaging.system': 'nats',
          'messaging.operation.name': span.operation,
          'messaging.operation.type': span.operation === 'process' ? 'process' : 'send',
          ...(temporary ? { 'messaging.destination.temporary': true } : {}),
          'aloft.host.id': ctx.hostId,
          'aloft.lattice': ctx.lattice,
          'aloft.cloud': ctx.labels().cloud,
          ...attributes,
        }
      : undefined,
  });
  try {
    const out = await work(s.context);
    s.end();
    return out;
  } catch (err) {
    s.end(failure(err));
    throw err;
  }
}

/**
 * `messaging-nats`: `messaging.publish` / `messaging.request` for components, and subscriptions
 * declared in link config delivered to the linked component's message handler.
 *
 * Link config: `subscriptions` (subjects, comma- or space-separated; wildcards allowed) and
 * `queue`. Without `queue`, a link's subscriptions join the queue group `<component>.<link>`, so a
 * message is delivered once however many hosts run this provider. Provider config:
 * `max_concurrent` deliveries per subscription (64), `delivery_timeout_ms` (30 000).
 *
 * Trace context crosses the message: a publish or request made for a traced call carries its
 * `traceparent` in the NATS headers, inside a producer (request: client) span, and a delivery
 * continues it in a consumer span whose child is the component's `$message` invocation.
 */
export const messagingNats: ProviderFactory = (ctx) =>
  startWith(() => {
    const m = natsMessaging({
      nc: ctx.nc,
      logger: ctx.logger,
      maxConcurrent: intConfig(ctx.config, 'max_concurrent', 64),
    });
    const timeoutMs = intConfig(ctx.config, 'delivery_timeout_ms', 30_000);
    const active = new Map<string, MessageSubscription>();
    const reconcile = (): void => {
      const desired = new Map<string, { source: string; spec: SubscriptionSpec }>();
      for (const l of ctx.linksTo()) {
        const spec = subscriptionFromConfig(l.config);
        if (spec.subjects.length === 0) continue;
        spec.queue ??= `${l.source}.${l.name}`;
        desired.set(JSON.stringify([l.source, spec.subjects, spec.queue]), {
          source: l.source,
          spec,
        });
      }
      for (const [key, sub] of active) {
        if (desired.has(key)) continue;
        active.delete(key);
        void sub.stop();
      }
      for (const [key, { source, spec }] of desired) {
        if (active.has(key)) continue;
        try {
          const deliver = (msg: BrokerMessage, delivery: Delivery): Promise<void> =>
            messagingSpan(
              ctx,
              { operation: 'process', kind: 'consumer', destination: delivery.subscription },
              {
                'messaging.destination.name': msg.subject,
                'messaging.destination.template': delivery.subscription,
                'messaging.consumer.group.name': delivery.queue,
                'messaging.message.body.size': msg.body.length,
                'aloft.component': source,
              },
              delivery.trace,
              (trace) => ctx.deliverMessage(source, msg, timeoutMs, trace),
            );
          active.set(key, m.subscribe(spec, deliver));
          ctx.logger.info('messaging subscription started', { component: source, ...spec });
        } catch (err) {
          ctx.logger.warn('messaging subscription refused', { component: source, error: err });
        }
      }
    };
    reconcile();
    const unsubscribe = ctx.onLinksChange(reconcile);
    return {
      interfaces: ['messaging'],
      handle: async (call) => {
        if (call.interface !== 'messaging') throw unknownFunction(call);
        switch (call.function) {
          case 'publish': {
            const msg = call.args[0] as BrokerMessage;
            return messagingSpan(
              ctx,
              { operation: 'publish', kind: 'producer', destination: msg.subject },
              {
                'messaging.destination.name': msg.subject,
                'messaging.message.body.size': msg.body.length,
                'aloft.component': call.component,
              },
              call.trace,
              (trace) => m.publish(msg, trace),
            );
          }
          case 'request': {
            const [subject, body, timeout] = call.args as [string, Uint8Array, unknown];
            return messagingSpan(
              ctx,
              { operation: 'request', kind: 'client', destination: subject },
              {
                'messaging.destination.name': subject,
                'messaging.message.body.size': body.length,
                'aloft.component': call.component,
              },
              call.trace,
              (trace) => m.request(subject, body, Number(timeout ?? 0), trace),
            );
          }
          default:
            throw unknownFunction(call);
        }
      },
      stop: async () => {
        unsubscribe();
        await m.close();
      },
    };
  });
