import { AloftError } from '../support/index.ts';

/**
 * Names that become one token of a NATS subject or part of a JetStream bucket name: lattice names,
 * host ids, component and provider names. Letters, digits, `_` and `-`; no dots, spaces or
 * wildcards (which would change which subjects match).
 */
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** Lattice names are lower-case tokens, as they also name JetStream buckets and NATS accounts. */
const LATTICE = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export function isValidLatticeName(name: string): boolean {
  return LATTICE.test(name);
}

/** @throws {AloftError} `INVALID_INPUT` naming what is wrong with the lattice name. */
export function assertLatticeName(name: string): string {
  if (!isValidLatticeName(name)) {
    throw new AloftError(
      'INVALID_INPUT',
      `invalid lattice name ${JSON.stringify(name)}: use 1-32 lower-case letters, digits, "-" or "_", starting with a letter or digit`,
    );
  }
  return name;
}

export function isValidToken(name: string): boolean {
  return TOKEN.test(name);
}

/** @throws {AloftError} `INVALID_INPUT` when `name` cannot be a subject token. */
export function assertToken(name: string, what: string): string {
  if (!isValidToken(name)) {
    throw new AloftError(
      'INVALID_INPUT',
      `invalid ${what} ${JSON.stringify(name)}: use 1-63 letters, digits, "-" or "_", starting with a letter or digit`,
    );
  }
  return name;
}
