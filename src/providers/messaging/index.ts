/** Messaging for components: NATS publish, request/reply and subscriptions from link config. */
export {
  natsMessaging,
  type BrokerMessage,
  type DeliverMessage,
  type Delivery,
  type MessageSubscription,
  type Messaging,
  type NatsMessagingOptions,
} from './messaging.ts';
export {
  checkSubject,
  subscriptionFromConfig,
  MessagingCodes,
  type SubscriptionSpec,
} from './subjects.ts';
