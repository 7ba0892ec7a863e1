import type { Msg, MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import type { z } from 'zod';
import { errorFromHeaders, errorHeaders, LatticeCodes, LatticeError } from './errors.ts';
import { decodeJson, encodeJson } from './codec.ts';
import { credentialsOf, describeCredentials } from './credentials.ts';

export interface RequestOptions {
  timeoutMs: number;
  headers?: MsgHdrs;
}

/**
 * Sends a request and returns the reply, turning every way of failing into a `LatticeError`:
 * `NO_RESPONDERS` (never reached anyone; retryable), `TIMEOUT` (ambiguous; retryable only for
 * idempotent work), or the code the responder put in the error headers.
 */
export async function request(
  nc: NatsConnection,
  subject: string,
  payload: Uint8Array | string,
  options: RequestOptions,
): Promise<Msg> {
  let reply: Msg;
  try {
    reply = await nc.request(subject, payload, {
      timeout: options.timeoutMs,
      ...(options.headers ? { headers: options.headers } : {}),
    });
  } catch (err) {
    throw toLatticeError(err, subject, options.timeoutMs, describeCredentials(credentialsOf(nc)));
  }
  const failure = errorFromHeaders(reply.headers);
  if (failure) throw failure;
  return reply;
}

/** `request` with a JSON body, validating the JSON reply against `schema`. */
export async function requestJson<T extends z.ZodType>(
  nc: NatsConnection,
  subject: string,
  body: unknown,
  schema: T,
  options: RequestOptions,
): Promise<z.infer<T>> {
  const reply = await request(nc, subject, encodeJson(body), options);
  return decodeJson(reply.data, schema, `reply from ${subject}`);
}

/**
 * Maps nats.js request failures onto lattice error codes. A permission violation becomes
 * `PERMISSION_DENIED` naming the subject and `who` (the credentials, e.g. "the host credentials of
 * lattice payments (host@payments)"); it is terminal: another attempt would be refused too.
 */
export function toLatticeError(
  err: unknown,
  subject: string,
  timeoutMs: number,
  who = 'these credentials',
): LatticeError {
  const text = err instanceof Error ? `${err.name} ${err.message}` : String(err);
  const violation = permissionViolation(err);
  if (violation) {
    const op = violation.operation === 'subscription' ? 'subscribe to' : 'publish to';
    return new LatticeError(
      LatticeCodes.PERMISSION_DENIED,
      `permission denied: ${who} may not ${op} ${violation.subject || subject}`,
      { retryable: false, cause: err },
    );
  }
  if (/no ?responders/i.test(text) || /503/.test(text)) {
    return new LatticeError(LatticeCodes.NO_RESPONDERS, `nothing is serving ${subject}`, {
      retryable: true,
      cause: err,
    });
  }
  if (/timeout/i.test(text)) {
    return new LatticeError(
      LatticeCodes.TIMEOUT,
      `no reply from ${subject} within ${timeoutMs} ms`,
      {
        retryable: true,
        cause: err,
      },
    );
  }
  return new LatticeError(LatticeCodes.TRANSPORT, `request to ${subject} failed: ${text}`, {
    retryable: true,
    cause: err,
  });
}

/** Replies with a JSON body. */
export function replyJson(msg: Msg, body: unknown, headers?: MsgHdrs): void {
  if (msg.reply) msg.respond(encodeJson(body), headers ? { headers } : undefined);
}

/** Replies with an error carried in headers and an empty body. */
export function replyError(msg: Msg, err: unknown): void {
  if (msg.reply) msg.respond(new Uint8Array(0), { headers: errorHeaders(err) });
}

/** The NATS permission violation in `err` or its causes (nats.js wraps it in a RequestError). */
export function permissionViolation(
  err: unknown,
): { operation: string; subject: string } | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === 'PermissionViolationError') {
      const v = e as Error & { operation?: string; subject?: string };
      return { operation: v.operation ?? 'publish', subject: v.subject ?? '' };
    }
  }
  return undefined;
}
