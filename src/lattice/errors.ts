import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';
import { AloftError } from '../support/index.ts';

/** Header names that carry an error across NATS instead of a payload. */
export const ERROR_HEADERS = {
  code: 'Aloft-Error-Code',
  message: 'Aloft-Error',
  retryable: 'Aloft-Retryable',
} as const;

/**
 * Codes every lattice participant understands. Others (e.g. `COMPONENT_TIMEOUT`) travel as is.
 * Retryable ones may succeed on another attempt or another instance.
 */
export const LatticeCodes = {
  /** Nobody is subscribed: the call never reached an instance, so it is always safe to retry. */
  NO_RESPONDERS: 'NO_RESPONDERS',
  /** No answer within the deadline: the callee may or may not have acted. */
  TIMEOUT: 'TIMEOUT',
  /** The request failed schema validation; the message says which field. */
  INVALID_REQUEST: 'INVALID_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** NATS refused the subject to these credentials (their role does not include it). Terminal. */
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  NOT_FOUND: 'NOT_FOUND',
  /** The callee is at capacity and shed the call without starting it. */
  BUSY: 'BUSY',
  /** The callee is stopping or cordoned and refused new work without starting it. */
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
  /** The request could not be completed by the transport (connection lost): may or may not have run. */
  TRANSPORT: 'TRANSPORT',
} as const;

/** An error that came back over the lattice, or a failure to get an answer at all. */
export class LatticeError extends AloftError {
  override name = 'LatticeError';
}

/** Headers describing `err` for a reply that carries an error instead of a payload. */
export function errorHeaders(err: unknown): MsgHdrs {
  const h = natsHeaders();
  if (err instanceof AloftError) {
    h.set(ERROR_HEADERS.code, err.code);
    h.set(ERROR_HEADERS.message, oneLine(err.message));
    h.set(ERROR_HEADERS.retryable, String(err.retryable));
  } else {
    h.set(ERROR_HEADERS.code, LatticeCodes.INTERNAL);
    h.set(ERROR_HEADERS.message, oneLine(err instanceof Error ? err.message : String(err)));
    h.set(ERROR_HEADERS.retryable, 'false');
  }
  return h;
}

/** The error a reply carries in its headers, or undefined for a successful reply. */
export function errorFromHeaders(h: MsgHdrs | undefined): LatticeError | undefined {
  const code = h?.get(ERROR_HEADERS.code);
  if (!h || !code) return undefined;
  return new LatticeError(code, h.get(ERROR_HEADERS.message) || code, {
    retryable: h.get(ERROR_HEADERS.retryable) === 'true',
  });
}

function oneLine(s: string): string {
  // Header values cannot hold line breaks.
  return s.replace(/[\r\n]+/g, ' ').slice(0, 2000);
}
