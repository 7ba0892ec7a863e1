import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { silentLogger, type Logger } from '../support/index.ts';
import {
  decodeCapabilityCall,
  encodeCapabilityResult,
  type CapabilityCall,
} from './capability-codec.ts';
import { replyError } from './rpc.ts';
import { subjectsFor } from './subjects.ts';

/**
 * Serves capability calls for provider `name`: its queue group `aloft.L.cap.<name>.any` and, when
 * it runs inside a host, that host's own subject `aloft.L.cap.<name>.<hostId>`. This is all an
 * external provider needs (docs/providers.md): decode the JSON call, act, answer the value or an
 * error in headers.
 *
 * @example
 * const subs = serveCapability(nc, 'default', 'fs-kv', async (call) => store[call.function](...call.args));
 */
export function serveCapability(
  nc: NatsConnection,
  lattice: string,
  name: string,
  /** `header(name)` reads the request's headers (e.g. `traceparent`); undefined when absent. */
  handler: (
    call: CapabilityCall,
    request: { header(name: string): string | undefined },
  ) => Promise<unknown>,
  options: { hostId?: string; logger?: Logger } = {},
): Subscription[] {
  const s = subjectsFor(lattice);
  const log = options.logger ?? silentLogger;
  const handle = (msg: Msg): void => {
    void (async () => {
      try {
        const value = await handler(decodeCapabilityCall(msg.data), {
          header: (h) => msg.headers?.get(h) || undefined,
        });
        if (msg.reply) msg.respond(encodeCapabilityResult(value));
      } catch (err) {
        log.debug('capability call failed', { provider: name, error: err });
        replyError(msg, err);
      }
    })();
  };
  const subs = [
    nc.subscribe(s.capabilityAny(name), { queue: `cap.${name}`, callback: (_e, m) => handle(m) }),
  ];
  if (options.hostId) {
    subs.push(
      nc.subscribe(s.capabilityOnHost(name, options.hostId), { callback: (_e, m) => handle(m) }),
    );
  }
  return subs;
}
