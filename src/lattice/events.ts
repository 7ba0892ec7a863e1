import { z } from 'zod';
import { EVENT_TYPES, type EventType } from './subjects.ts';

/** Every event type is prefixed with this in the CloudEvents `type` attribute. */
export const EVENT_TYPE_PREFIX = 'dev.aloft.';

/** A CloudEvents 1.0 event in JSON structured mode. */
export const CloudEvent = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  time: z.string(),
  datacontenttype: z.literal('application/json').optional(),
  subject: z.string().optional(),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type CloudEvent = z.infer<typeof CloudEvent>;

/**
 * Builds a CloudEvent. `source` names the emitter, e.g. `aloft://default/host/NB3…`.
 *
 * @example
 * makeEvent('host_lost', 'aloft://default/observer/x', { hostId }, { subject: hostId });
 */
export function makeEvent(
  type: EventType,
  source: string,
  data: Record<string, unknown>,
  options: { subject?: string; now?: Date } = {},
): CloudEvent {
  return {
    specversion: '1.0',
    id: globalThis.crypto.randomUUID(),
    source,
    type: EVENT_TYPE_PREFIX + type,
    time: (options.now ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    ...(options.subject ? { subject: options.subject } : {}),
    data,
  };
}

/** The short type (`host_lost`) of a CloudEvent, or undefined when it is not one of Aloft's. */
export function eventType(event: CloudEvent): EventType | undefined {
  const short = event.type.startsWith(EVENT_TYPE_PREFIX)
    ? event.type.slice(EVENT_TYPE_PREFIX.length)
    : '';
  return (EVENT_TYPES as readonly string[]).includes(short) ? (short as EventType) : undefined;
}
