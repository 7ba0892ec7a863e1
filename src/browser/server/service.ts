import { readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  connectLattice,
  getArtifact,
  noSecurityState,
  openSecurityState,
  type LatticeConnectionOptions,
  type LatticePolicy,
  type SecurityState,
} from '../../lattice/index.ts';
import {
  deferred,
  errorMessage,
  isAloftError,
  silentLogger,
  type Logger,
} from '../../support/index.ts';
import type { JoinConfigInput } from '../config.ts';
import type { BrowserBundle } from './bundle.ts';
import { browserBundle } from './bundle-cache.ts';
import { renderJoinPage, renderNoWebSocketPage } from './page.ts';
import { send, type JoinRoute } from './http.ts';

export type { JoinRoute } from './http.ts';
import { tabCredentialsService } from './credentials.ts';
import { credentialRoutes } from './credential-routes.ts';
import type { TabIssuer } from './issuer.ts';

export interface JoinServiceOptions {
  lattice: string;
  /** How this server reaches NATS itself, to serve artifacts to tabs over HTTP. */
  connection: Omit<LatticeConnectionOptions, 'logger' | 'name'>;
  /** NATS WebSocket URLs handed to the tab. None: `/join` explains how to configure one. */
  websocketUrls: string[];
  /**
   * When NATS has accounts: signs each tab a user of its own (`tabIssuer`). The page then proves
   * it holds its host key at `/join/challenge` + `/join/credentials` and gets a short-lived JWT.
   * Without one, tabs connect with no credentials (a NATS without auth).
   */
  issuer?: TabIssuer;
  /** Lifetime of each tab's JWT. Default 1 h. */
  credentialsTtlMs?: number;
  /** Where tabs read `sha256:` artifacts first. Default: the lattice's store, then HTTP. */
  artifactSources?: ('store' | 'http')[];
  heartbeatMs?: number;
  /** Account public keys whose signed components tabs run (besides the lattice policy's). */
  trustedIssuers?: string[];
  logger?: Logger;
}

/** The browser-host pages of a dashboard server: `/join` and the files and data it needs. */
export interface JoinService {
  /** Handlers by path, for `startDashboard({ routes })`. */
  readonly routes: Record<string, JoinRoute>;
  /**
   * Refuses credentials to the tab `hostId` from now on: at its next renewal (halfway through its
   * JWT's life) it stops serving and says why. Its current JWT runs out at its expiry.
   */
  evict(hostId: string, reason: string): void;
  state(): 'running' | 'stopped';
  stop(): Promise<void>;
  closed(): Promise<void>;
}

const bindgenDir = (): string =>
  path.join(path.dirname(fileURLToPath(import.meta.resolve('jco-runtime/component'))), '..', 'obj');

/**
 * Serves browser-tab hosts from the dashboard's server: `GET /join` is the page (cross-origin
 * isolated, the tab's config inside), `/join/host.js` and `/join/worker.js` the browser host,
 * bundled from Aloft's sources on first use (no build step), jco's bindings generator next to it,
 * and `/join/artifact?sha256=<hex>` components from the lattice's store, for tabs whose NATS
 * credentials may not read it. Holds its own NATS connection for that.
 *
 * @example
 * const join = await startJoinService({ lattice: 'default', connection: { servers: [natsUrl] }, websocketUrls: [wsUrl] });
 * const dash = await startDashboard({ lattice: 'default', connection: { servers: [natsUrl] }, routes: join.routes });
 */
export async function startJoinService(options: JoinServiceOptions): Promise<JoinService> {
  const log = options.logger ?? silentLogger;
  const nc: NatsConnection = await connectLattice({
    ...options.connection,
    name: 'aloft-join',
    logger: log,
  });
  // The lattice policy, read with this server's credentials: tabs trust its issuers (a tab's own
  // browser-role credentials may not read the security bucket).
  const security: SecurityState = await openSecurityState(nc, options.lattice, {
    create: false,
  }).catch((err: unknown) => {
    log.warn('the lattice policy cannot be read: tabs trust only --trusted-issuers', {
      error: err,
    });
    return noSecurityState();
  });
  let state: 'running' | 'stopped' = 'running';
  const done = deferred<void>();
  const bundle = (): Promise<BrowserBundle> => browserBundle();
  // Build in the background now, so the first tab does not wait for esbuild.
  bundle().catch((err: unknown) => log.error('browser host bundle failed', { error: err }));

  const script = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://join');
    const file = (await bundle()).files.get(url.pathname);
    if (!file) return send(res, 404, 'text/plain', `no file ${url.pathname}\n`);
    // Addressed by content hash from the page: cacheable for good.
    const versioned = url.searchParams.has('v');
    send(
      res,
      200,
      file.type,
      file.body,
      versioned ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
  };

  const joinPage = async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (options.websocketUrls.length === 0)
      return send(res, 503, 'text/html; charset=utf-8', renderNoWebSocketPage());
    const { hash } = await bundle();
    const config: JoinConfigInput = {
      lattice: options.lattice,
      servers: options.websocketUrls,
      workerUrl: `/join/worker.js?v=${hash}`,
      artifactUrl: '/join/artifact',
      ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
      // A tab with a NATS user of its own may not read the object store: HTTP first.
      ...(options.artifactSources || credentials
        ? { artifactSources: options.artifactSources ?? ['http', 'store'] }
        : {}),
      ...trustFor(options.trustedIssuers ?? [], security.policy()),
      ...(credentials
        ? { auth: { challengeUrl: '/join/challenge', credentialsUrl: '/join/credentials' } }
        : {}),
    };
    send(res, 200, 'text/html; charset=utf-8', renderJoinPage(config, `/join/host.js?v=${hash}`));
  };

  const artifact = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const hex = new URL(req.url ?? '/', 'http://join').searchParams.get('sha256') ?? '';
    if (!/^[0-9a-f]{64}$/.test(hex)) {
      return send(res, 400, 'text/plain', 'give ?sha256=<64 lower-case hex digits>\n');
    }
    try {
      const bytes = await getArtifact(nc, options.lattice, `sha256:${hex}`);
      send(res, 200, 'application/wasm', bytes, 'public, max-age=31536000, immutable');
    } catch (err) {
      const notFound = isAloftError(err, 'ARTIFACT_NOT_FOUND');
      if (!notFound) log.warn('artifact for a tab failed', { sha256: hex, error: err });
      send(res, notFound ? 404 : 502, 'text/plain', `${errorMessage(err)}\n`);
    }
  };

  const getOnly =
    (handler: JoinRoute): JoinRoute =>
    (req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return send(res, 405, 'text/plain', `${req.method ?? ''} is not allowed here\n`);
      return handler(req, res);
    };
  const credentials = options.issuer
    ? tabCredentialsService({
        lattice: options.lattice,
        issuer: options.issuer,
        logger: log,
        ...(options.credentialsTtlMs !== undefined ? { ttlMs: options.credentialsTtlMs } : {}),
      })
    : undefined;
  const routes: Record<string, JoinRoute> = {
    ...(credentials ? credentialRoutes(credentials) : {}),
    '/join': getOnly(joinPage),
    '/join/': getOnly(joinPage),
    '/join/host.js': getOnly(script),
    '/join/worker.js': getOnly(script),
    '/join/artifact': getOnly(artifact),
  };
  for (const name of readdirSync(bindgenDir())) {
    if (name.startsWith('js-component-bindgen-component.') && name.endsWith('.wasm'))
      routes[`/join/${name}`] = getOnly(script);
  }

  return {
    routes,
    evict: (hostId, reason) => credentials?.evict(hostId, reason),
    state: () => state,
    stop: async () => {
      if (state === 'stopped') return done.promise;
      state = 'stopped';
      await security.stop();
      await nc.close();
      done.resolve();
    },
    closed: () => done.promise,
  };
}

/** What a tab trusts: the server's `--trusted-issuers` plus the lattice policy's, read now. */
function trustFor(
  issuers: readonly string[],
  policy: LatticePolicy | undefined,
): Pick<JoinConfigInput, 'trustedIssuers' | 'allowUnsigned'> {
  const all = [...new Set([...issuers, ...(policy?.trustedIssuers ?? [])])];
  return {
    ...(all.length ? { trustedIssuers: all } : {}),
    ...(policy?.allowUnsigned ? { allowUnsigned: true } : {}),
  };
}
