import { readFileSync } from 'node:fs';
import { startJoinService, type JoinService } from '../browser/index.ts';
import {
  inboxPrefixFor,
  parseCredentials,
  type LatticeConnectionOptions,
} from '../lattice/index.ts';
import { serverPorts } from '../nats/index.ts';
import type { SimState } from '../sim/index.ts';
import { AloftError, type Logger } from '../support/index.ts';

/**
 * The simulation's NATS WebSocket listeners: each server's port read back from its ports file, on
 * the address its clients reach it by (loopback, or its cloud's namespace address).
 */
export function simWebsocketUrls(sim: SimState): string[] {
  return Object.values(sim.clouds).flatMap((c) =>
    c.nats.flatMap((n) => {
      const ws = serverPorts(n.dir, n.pid)?.websocket;
      const host = URL.canParse(n.url) ? new URL(n.url).hostname : '127.0.0.1';
      return ws ? [`ws://${host}:${ws}`] : [];
    }),
  );
}

/** `--ws-url` as a list: each must be a `ws://` or `wss://` URL. */
export function parseWebsocketUrls(flag: string): string[] {
  const urls = flag
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  for (const u of urls) {
    if (!/^wss?:\/\/[^/]+/.test(u)) {
      throw new AloftError('USAGE', `invalid --ws-url ${JSON.stringify(u)}`, {
        hint: "give the NATS server's WebSocket listener, e.g. ws://127.0.0.1:8080",
      });
    }
  }
  return urls;
}

/**
 * The `/join` pages for a dashboard: browser tabs join `lattice` over `websocketUrls`, with the
 * credentials in `credsFile` when NATS has auth (a browser-role user, whose replies arrive only
 * in its own inbox). The server itself reads artifacts for tabs over `connection`.
 */
export function joinService(options: {
  lattice: string;
  connection: Omit<LatticeConnectionOptions, 'logger' | 'name'>;
  websocketUrls: string[];
  credsFile?: string | undefined;
  /** Account public keys whose signed components tabs run. */
  trustedIssuers?: string[];
  logger: Logger;
}): Promise<JoinService> {
  let credentials: string | undefined;
  if (options.credsFile !== undefined) {
    try {
      credentials = readFileSync(options.credsFile, 'utf8');
    } catch (err) {
      throw new AloftError(
        'INVALID_INPUT',
        `cannot read --browser-creds ${options.credsFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  }
  const user =
    credentials !== undefined
      ? parseCredentials(credentials, `--browser-creds ${options.credsFile}`).user
      : undefined;
  return startJoinService({
    lattice: options.lattice,
    connection: options.connection,
    websocketUrls: options.websocketUrls,
    ...(credentials !== undefined ? { credentials } : {}),
    ...(options.trustedIssuers ? { trustedIssuers: options.trustedIssuers } : {}),
    ...(user !== undefined ? { inboxPrefix: inboxPrefixFor(user) } : {}),
    logger: options.logger,
  });
}
