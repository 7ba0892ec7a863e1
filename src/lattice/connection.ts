import { existsSync } from 'node:fs';
import { connect, type NatsConnection, type ConnectionOptions } from '@nats-io/transport-node';
import { AloftError, silentLogger, type Logger } from '../support/index.ts';
import {
  parseCredentials,
  readCredentialsFile,
  rememberCredentials,
  type CredentialsInfo,
} from './credentials.ts';
import { inboxPrefixFor } from './roles.ts';
import { rememberJetStreamDomain } from './jetstream.ts';

/** Files for TLS to NATS: the CA that signed the servers' certificates, and this client's own. */
export interface TlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** How to reach the lattice's NATS. Credentials and TLS are passed through to nats.js. */
export interface LatticeConnectionOptions {
  /** One or more server URLs; the client fails over between them and learns more from the cluster. */
  servers: string | string[];
  /** The connection's name as shown in NATS monitoring. */
  name?: string;
  logger?: Logger;
  /** A `.creds` file's content (user JWT + nkey seed). */
  credentials?: string;
  /** A `.creds` file to read (instead of `credentials`). */
  credsFile?: string;
  /** nkey seed and user public key for nkey authentication. */
  nkeySeed?: string;
  user?: string;
  pass?: string;
  token?: string;
  tls?: TlsFiles;
  /** Give up on the first connect after this long. Default 5 s. */
  connectTimeoutMs?: number;
  /** Milliseconds between reconnect attempts. Default 150. */
  reconnectWaitMs?: number;
  /** Milliseconds between client pings; two missed pings drop the connection. Default 2000. */
  pingIntervalMs?: number;
  /**
   * The JetStream domain holding the lattice's state, when this connection reaches it over a leaf
   * node (`aloft nats config --topology leaf` names it in clients.json). Default: none.
   */
  jsDomain?: string;
}

/**
 * Connects to NATS for the lattice: reconnects forever with a short wait, pings often enough to
 * notice a dead server within seconds, and reports every status change to the logger.
 *
 * With credentials Aloft issued (`aloft nats config`, `aloft up`), replies arrive under the user's
 * own inbox prefix (`_INBOX.<user key>`), the only inbox its permissions let it read.
 *
 * Messages published while disconnected are dropped by nats.js: callers that need delivery retry.
 *
 * @throws {AloftError} `NATS_UNREACHABLE` when no server answers within the connect timeout,
 *   `NATS_AUTH_FAILED` when the server refuses the credentials, `INVALID_INPUT` for unreadable
 *   credential or TLS files.
 * @example
 * const nc = await connectLattice({ servers: ['nats://127.0.0.1:4222'], name: 'host-1', logger });
 */
export async function connectLattice(options: LatticeConnectionOptions): Promise<NatsConnection> {
  const log = options.logger ?? silentLogger;
  const servers = Array.isArray(options.servers) ? options.servers : [options.servers];
  const connectTimeout = options.connectTimeoutMs ?? 5000;
  // nats.js keeps dialling on a first connect that fails after the server's INFO (TLS or
  // credentials refused) when that INFO named cluster peers: it adds them back each time. Give up
  // once the connect timeout has passed, so that a refusal is an error, not a hang.
  const firstDeadline = performance.now() + connectTimeout;
  let connected = false;
  const opts: ConnectionOptions = {
    servers,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectWaitMs ?? 150,
    reconnectJitter: 50,
    pingInterval: options.pingIntervalMs ?? 2000,
    maxPingOut: 2,
    timeout: connectTimeout,
    noAsyncTraces: true,
    ignoreClusterUpdates: false,
    waitOnFirstConnect: false,
    reconnectToServer: () => {
      if (!connected && performance.now() > firstDeadline) {
        throw new Error(`no server accepted the connection within ${connectTimeout} ms`);
      }
      return null;
    },
  };
  if (options.user !== undefined) opts.user = options.user;
  if (options.pass !== undefined) opts.pass = options.pass;
  if (options.token !== undefined) opts.token = options.token;
  if (options.tls) opts.tls = checkTlsFiles(options.tls);
  let credentials = options.credentials;
  let info: CredentialsInfo | undefined;
  if (options.credsFile !== undefined) {
    const read = readCredentialsFile(options.credsFile);
    credentials = read.text;
    info = read.info;
  } else if (credentials !== undefined) {
    info = parseCredentials(credentials);
  }
  if (info?.role) opts.inboxPrefix = inboxPrefixFor(info.user);
  if (credentials !== undefined || options.nkeySeed !== undefined) {
    const { credsAuthenticator, nkeyAuthenticator } = await import('@nats-io/transport-node');
    const enc = new TextEncoder();
    opts.authenticator = credentials
      ? credsAuthenticator(enc.encode(credentials))
      : nkeyAuthenticator(enc.encode(options.nkeySeed ?? ''));
  }
  let nc: NatsConnection;
  try {
    nc = await connect(opts);
    connected = true;
  } catch (err) {
    throw connectError(err, servers, options.tls !== undefined);
  }
  if (info) rememberCredentials(nc, info);
  rememberJetStreamDomain(nc, options.jsDomain);
  void watchStatus(nc, log.child({ nats: options.name ?? 'client' }));
  return nc;
}

function checkTlsFiles(tls: TlsFiles): TlsFiles {
  for (const [what, file] of [
    ['CA', tls.caFile],
    ['certificate', tls.certFile],
    ['key', tls.keyFile],
  ] as const) {
    if (file !== undefined && !existsSync(file)) {
      throw new AloftError('INVALID_INPUT', `TLS ${what} file ${file} does not exist`, {
        hint: 'check --tls-ca, --tls-cert and --tls-key (or NATS_TLS_CA, NATS_TLS_CERT, NATS_TLS_KEY)',
      });
    }
  }
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new AloftError(
      'INVALID_INPUT',
      'a TLS client certificate needs its key, and a key its certificate',
      {
        hint: 'pass both --tls-cert and --tls-key',
      },
    );
  }
  return { ...tls };
}

function connectError(err: unknown, servers: string[], tls: boolean): AloftError {
  const name = err instanceof Error ? err.name : '';
  const text = describe(err);
  if (name === 'AuthorizationError' || /authorization violation|authentication/i.test(text)) {
    return new AloftError(
      'NATS_AUTH_FAILED',
      `NATS at ${servers.join(', ')} refused the credentials: ${text}`,
      {
        cause: err,
        hint: 'pass the lattice credentials with --creds FILE (or NATS_CREDS); "aloft up" keeps them in its data directory',
      },
    );
  }
  return new AloftError('NATS_UNREACHABLE', `cannot reach NATS at ${servers.join(', ')}: ${text}`, {
    cause: err,
    retryable: true,
    hint: tls
      ? 'check the URL and the TLS files: the servers must trust this client certificate (--tls-cert, --tls-key) and the CA (--tls-ca) must have signed theirs'
      : 'check the URL, or start a local lattice with "aloft up"',
  });
}

async function watchStatus(nc: NatsConnection, log: Logger): Promise<void> {
  for await (const s of nc.status()) {
    switch (s.type) {
      case 'disconnect':
        log.warn('nats disconnected', { server: s.server });
        break;
      case 'reconnect':
        log.info('nats reconnected', { server: s.server });
        break;
      case 'reconnecting':
        log.debug('nats reconnecting');
        break;
      case 'error':
        log.warn('nats error', { error: s.error });
        break;
      case 'staleConnection':
        log.warn('nats connection stale');
        break;
      case 'ldm':
        log.warn('nats server entering lame duck mode', { server: s.server });
        break;
      case 'update':
      case 'ping':
      case 'forceReconnect':
      case 'slowConsumer':
      case 'close':
        log.debug(`nats ${s.type}`);
        break;
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    if (code === 'CONNECTION_REFUSED' || /refused/i.test(err.message)) return 'connection refused';
    return err.message.replace(/^.*reconnectToServer handler failed: /, '');
  }
  return String(err);
}
