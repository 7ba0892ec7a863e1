import { startJoinService, tabIssuer, type JoinService } from '../browser/index.ts';
import type { LatticeConnectionOptions } from '../lattice/index.ts';
import { serverPorts } from '../nats/index.ts';
import type { SimState } from '../sim/index.ts';
import { AloftError, type Logger } from '../support/index.ts';
import { parseDuration } from './log-lines.ts';

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
 * The `/join` pages for a dashboard: browser tabs join `lattice` over `websocketUrls`; when NATS
 * has accounts, each tab gets a short-lived user of its own, signed with the lattice's browser
 * issuer (`issuerFile`, `keys/<lattice>.issuer-browser.json`) for its host id. The server itself
 * reads artifacts for tabs over `connection`.
 */
export function joinService(options: {
  lattice: string;
  connection: Omit<LatticeConnectionOptions, 'logger' | 'name'>;
  websocketUrls: string[];
  /** Account public keys whose signed components tabs run. */
  trustedIssuers?: string[];
  issuerFile?: string | undefined;
  /** `--browser-ttl`: each tab's JWT lifetime, e.g. `1h`. */
  ttl?: string | undefined;
  logger: Logger;
}): Promise<JoinService> {
  const issuer =
    options.issuerFile !== undefined ? tabIssuer(options.lattice, options.issuerFile) : undefined;
  const ttlMs = options.ttl !== undefined ? parseDuration(options.ttl, '--browser-ttl') : undefined;
  if (ttlMs !== undefined && (ttlMs < 10_000 || ttlMs > 86_400_000)) {
    throw new AloftError('USAGE', `--browser-ttl ${options.ttl} is out of range`, {
      hint: 'between 10s and 24h; the default, 1h, suits most lattices',
    });
  }
  if (!issuer && options.connection.credsFile !== undefined) {
    options.logger.warn(
      'NATS has accounts but this dashboard has no browser issuer: tabs that open /join cannot connect',
      { hint: 'pass --browser-issuer keys/<lattice>.issuer-browser.json' },
    );
  }
  return startJoinService({
    lattice: options.lattice,
    connection: options.connection,
    websocketUrls: options.websocketUrls,
    ...(options.trustedIssuers ? { trustedIssuers: options.trustedIssuers } : {}),
    ...(issuer ? { issuer } : {}),
    ...(ttlMs !== undefined ? { credentialsTtlMs: Math.round(ttlMs) } : {}),
    logger: options.logger,
  });
}
