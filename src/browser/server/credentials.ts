import { randomBytes } from 'node:crypto';
import { fromPublic } from '@nats-io/nkeys';
import { isServerKey } from '../../nats/index.ts';
import {
  AloftError,
  silentLogger,
  systemClock,
  type Clock,
  type Logger,
} from '../../support/index.ts';
import {
  CredentialsRequest,
  challengeText,
  fromBase64Url,
  type JoinChallenge,
  type TabCredentials,
} from '../config.ts';
import type { TabIssuer } from './issuer.ts';

/** Why the service refused: the page's script tells transient failures from final refusals. */
export const JOIN_CODES = {
  /** The body is not a credentials request. */
  invalid: 'JOIN_INVALID_REQUEST',
  /** The nonce is unknown, used or expired: ask for a new challenge. */
  challenge: 'JOIN_CHALLENGE_INVALID',
  /** The signature does not verify against the host id: not the key's holder. Final. */
  proof: 'JOIN_PROOF_INVALID',
  /** This host id may not have credentials any more (`evict`). Final. */
  evicted: 'JOIN_EVICTED',
  /** Too many challenges outstanding: try again shortly. */
  busy: 'JOIN_BUSY',
} as const;

export interface TabCredentialsOptions {
  lattice: string;
  issuer: TabIssuer;
  /** How long each tab's user JWT is valid. Default 1 h; the tab renews it halfway. */
  ttlMs?: number;
  /** How long a challenge nonce may be used. Default 30 s. */
  challengeTtlMs?: number;
  /** Challenges outstanding at once, at most. Default 10 000. */
  maxPending?: number;
  clock?: Clock;
  logger?: Logger;
}

/** Issues browser-tab credentials to whoever proves it holds a host key. */
export interface TabCredentialsService {
  /** A fresh single-use nonce. @throws {AloftError} `JOIN_BUSY` */
  challenge(): JoinChallenge;
  /**
   * Checks the request (nonce issued here, unused and current; signature by `hostId` over
   * `challengeText`; host not evicted) and issues the tab's user JWT.
   *
   * @throws {AloftError} one of {@link JOIN_CODES}
   */
  issue(body: unknown): Promise<TabCredentials>;
  /** Refuses credentials to `hostId` from now on (its current JWT still runs out at its expiry). */
  evict(hostId: string, reason: string): void;
}

export const DEFAULT_TAB_TTL_MS = 3_600_000;

/**
 * The credentials exchange of `/join`: `challenge()` then `issue({ hostId, nonce, signature })`.
 * A tab asks again for each renewal; its host id stays the same, its JWT is new. Every issue is
 * logged (host id, expiry): the audit trail of who joined.
 *
 * @example
 * const creds = tabCredentialsService({ lattice: 'default', issuer });
 * const { nonce } = creds.challenge();
 * const jwt = (await creds.issue({ hostId, nonce, signature })).jwt;
 */
export function tabCredentialsService(options: TabCredentialsOptions): TabCredentialsService {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const ttlMs = options.ttlMs ?? DEFAULT_TAB_TTL_MS;
  const challengeTtl = options.challengeTtlMs ?? 30_000;
  const maxPending = options.maxPending ?? 10_000;
  if (!Number.isInteger(ttlMs) || ttlMs < 2000) {
    throw new AloftError('INVALID_INPUT', `a tab credential lifetime of ${ttlMs} ms is too short`, {
      hint: 'use at least 2 s (the default is 1 h)',
    });
  }
  /** nonce → monotonic expiry */
  const pending = new Map<string, number>();
  const evicted = new Map<string, string>();
  const refuse = (code: string, message: string, retryable = false): AloftError =>
    new AloftError(code, message, { retryable });

  const prune = (now: number): void => {
    for (const [nonce, until] of pending) if (until <= now) pending.delete(nonce);
  };

  return {
    challenge() {
      const now = clock.monotonic();
      if (pending.size >= maxPending) prune(now);
      if (pending.size >= maxPending) {
        throw refuse(JOIN_CODES.busy, 'too many tabs are joining at once; try again shortly', true);
      }
      const nonce = randomBytes(24).toString('base64url');
      pending.set(nonce, now + challengeTtl);
      return { nonce, expiresInMs: challengeTtl };
    },
    async issue(body) {
      const parsed = CredentialsRequest.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw refuse(
          JOIN_CODES.invalid,
          `credentials request: ${issue?.path.join('.') || '(body)'}: ${issue?.message ?? 'invalid'}`,
        );
      }
      const { hostId, nonce, signature } = parsed.data;
      const until = pending.get(nonce);
      pending.delete(nonce); // single use, whatever happens next
      if (until === undefined || until <= clock.monotonic()) {
        throw refuse(JOIN_CODES.challenge, 'the challenge is unknown, used or expired', true);
      }
      if (!isServerKey(hostId)) {
        throw refuse(JOIN_CODES.invalid, 'hostId is not a valid nkey server public key');
      }
      let verified = false;
      try {
        verified = fromPublic(hostId).verify(
          new TextEncoder().encode(challengeText(options.lattice, hostId, nonce)),
          fromBase64Url(signature),
        );
      } catch {
        verified = false;
      }
      if (!verified) {
        log.warn('tab credentials refused: bad proof', { hostId });
        throw refuse(JOIN_CODES.proof, `the signature does not prove holding the key ${hostId}`);
      }
      const why = evicted.get(hostId);
      if (why !== undefined) {
        log.info('tab credentials refused: evicted', { hostId, reason: why });
        throw refuse(
          JOIN_CODES.evicted,
          `this tab may not serve lattice ${options.lattice} any more: ${why}`,
        );
      }
      const { jwt, inboxPrefix } = await options.issuer.issue(hostId, ttlMs);
      log.info('tab credentials issued', {
        hostId,
        expiresAt: new Date(clock.now() + ttlMs).toISOString(),
      });
      return { jwt, inboxPrefix, expiresInMs: ttlMs, renewAfterMs: Math.floor(ttlMs / 2) };
    },
    evict(hostId, reason) {
      evicted.set(hostId, reason);
      log.info('tab evicted: no more credentials', { hostId, reason });
    },
  };
}
