import {
  natsMessaging,
  subscriptionFromConfig,
  type BrokerMessage,
  type MessageSubscription,
  type SubscriptionSpec,
} from '../messaging/index.ts';
import { intConfig, startWith, unknownFunction, type ProviderFactory } from '../provider.ts';

/**
 * `messaging-nats`: `messaging.publish` / `messaging.request` for components, and subscriptions
 * declared in link config delivered to the linked component's message handler.
 *
 * Link config: `subscriptions` (subjects, comma- or space-separated; wildcards allowed) and
 * `queue`. Without `queue`, a link's subscriptions join the queue group `<component>.<link>`, so a
 * message is delivered once however many hosts run this provider. Provider config:
 * `max_concurrent` deliveries per subscription (64), `delivery_timeout_ms` (30 000).
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
          const deliver = (msg: BrokerMessage): Promise<void> =>
            ctx.deliverMessage(source, msg, timeoutMs);
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
          case 'publish':
            return m.publish(call.args[0] as BrokerMessage);
          case 'request':
            return m.request(
              call.args[0] as string,
              call.args[1] as Uint8Array,
              Number(call.args[2] ?? 0),
            );
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
