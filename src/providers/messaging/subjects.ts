import { AloftError } from '../../support/index.ts';

/** Stable codes of messaging failures. */
export const MessagingCodes = {
  /** The subject is malformed. */
  INVALID: 'MESSAGING_INVALID',
  /** The subject is reserved for the platform (`aloft.…`, `$…`) or could match such subjects. */
  FORBIDDEN: 'MESSAGING_FORBIDDEN',
  NO_RESPONDERS: 'MESSAGING_NO_RESPONDERS',
  TIMEOUT: 'MESSAGING_TIMEOUT',
  UNAVAILABLE: 'MESSAGING_UNAVAILABLE',
} as const;

const tokenRe = /^[^\s.*>]+$/;

/**
 * Checks a subject a component publishes or requests to (`wildcards: false`) or subscribes to
 * (`wildcards: true`). Components may not touch the lattice's own subjects (`aloft.…`), the
 * server's (`$…`), nor, for subscriptions, request inboxes (`_INBOX.…`) or patterns whose first
 * token is a wildcard (they would match `aloft.…` too). Replying to a `_INBOX.…` reply subject is
 * allowed.
 *
 * @throws {AloftError} `MESSAGING_INVALID` or `MESSAGING_FORBIDDEN`.
 */
export function checkSubject(subject: string, wildcards: boolean): void {
  const tokens = typeof subject === 'string' ? subject.split('.') : [];
  const valid =
    tokens.length > 0 &&
    subject.length <= 1024 &&
    tokens.every(
      (t, i) =>
        tokenRe.test(t) || (wildcards && (t === '*' || (t === '>' && i === tokens.length - 1))),
    );
  if (!valid) {
    throw new AloftError(
      MessagingCodes.INVALID,
      `${JSON.stringify(subject)} is not a valid ${wildcards ? 'subscription' : 'subject'}`,
    );
  }
  const first = tokens[0] ?? '';
  const reserved =
    first === 'aloft' ||
    first.startsWith('$') ||
    (wildcards && (first === '*' || first === '>' || first === '_INBOX'));
  if (reserved) {
    throw new AloftError(MessagingCodes.FORBIDDEN, `${subject} is reserved for the platform`, {
      hint: 'use subjects of your own, e.g. orders.created',
    });
  }
}

/** Subscriptions from a link's config: `subscriptions` (comma- or space-separated) and `queue`. */
export interface SubscriptionSpec {
  subjects: string[];
  queue: string | undefined;
}

/** Reads `{subscriptions: "orders.* events.>", queue: "workers"}` from link config. */
export function subscriptionFromConfig(config: Record<string, string>): SubscriptionSpec {
  const subjects = (config.subscriptions ?? '').split(/[\s,]+/).filter((s) => s.length > 0);
  const queue = config.queue?.trim() || undefined;
  return { subjects, queue };
}
