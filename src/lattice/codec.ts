import type { z } from 'zod';
import { LatticeCodes, LatticeError } from './errors.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/**
 * Parses JSON bytes and validates them against `schema`.
 *
 * @throws {LatticeError} `INVALID_REQUEST` naming the first offending field path, e.g.
 *   `component.scale request: count: expected number, received string`.
 */
export function decodeJson<T extends z.ZodType>(
  data: Uint8Array,
  schema: T,
  what: string,
): z.infer<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch {
    throw new LatticeError(LatticeCodes.INVALID_REQUEST, `${what}: body is not valid JSON`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new LatticeError(
      LatticeCodes.INVALID_REQUEST,
      `${what}: ${path}${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
