import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { NatsServerNotFoundError } from './errors.ts';

/**
 * Finds the `nats-server` executable: `$ALOFT_NATS_SERVER`, then `$PATH`, then `/usr/sbin`
 * and `/usr/local/bin` (where Debian's package and manual installs put it).
 *
 * @throws {NatsServerNotFoundError} when none is executable.
 */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.ALOFT_NATS_SERVER;
  const candidates = explicit
    ? [explicit]
    : [
        ...(env.PATH ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((d) => join(d, 'nats-server')),
        '/usr/sbin/nats-server',
        '/usr/local/bin/nats-server',
      ];
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here; try the next place
    }
  }
  throw new NatsServerNotFoundError(
    explicit ? [explicit] : ['$PATH', '/usr/sbin', '/usr/local/bin'],
  );
}
