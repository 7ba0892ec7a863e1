import type { NatsConnection } from '@nats-io/nats-core';

/**
 * Probes what a connection's credentials allow, by asking the real server: nats-server answers a
 * refused SUB or PUB with `-ERR 'Permissions Violation …'` before the PONG of the next flush, so
 * after a flush the answer is known.
 */
export function permissionProbe(nc: NatsConnection) {
  const refusedPublishes: string[] = [];
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type !== 'error') continue;
      const e = s.error as { name?: string; operation?: string; subject?: string };
      if (e.name === 'PermissionViolationError' && e.operation === 'publish' && e.subject)
        refusedPublishes.push(e.subject);
    }
  })();
  const settle = async (): Promise<void> => {
    await nc.flush();
    await new Promise((r) => setImmediate(r));
  };
  return {
    /** True when the server accepts a subscription to `subject`. */
    async canSubscribe(subject: string): Promise<boolean> {
      const sub = nc.subscribe(subject);
      await settle();
      const refused = sub.isClosed();
      if (!refused) sub.unsubscribe();
      return !refused;
    },
    /** True when the server accepts a message published to `subject`. */
    async canPublish(subject: string): Promise<boolean> {
      nc.publish(subject, '{}');
      await settle();
      return !refusedPublishes.includes(subject);
    },
  };
}
