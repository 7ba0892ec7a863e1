import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import {
  connectLattice,
  assertLatticeName,
  latticeAccount,
  openSecurityState,
  LATTICE_ROLES,
  BROWSER_ISSUER,
} from '../../lattice/index.ts';
import { ensureAuth, findNatsServer, isPortOpen, startNatsServer } from '../../nats/index.ts';
import { spawnAloft } from '../../host/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import {
  dataDir,
  liveProcesses,
  readUpState,
  removeUpState,
  writeUpState,
  type UpState,
} from '../local-state.ts';
import { stopPid } from '../../nats/index.ts';
import { parseNatsUrls } from '../nats-url.ts';
import { DEV_KEYS, ensureKey } from '../key-files.ts';
import { natsAuth, natsAuthArgs, natsAuthOptions } from '../nats-auth.ts';
import { dashboardPort } from './dashboard.ts';

const DEFAULT_PORT = 4222;

export const command: Command = {
  summary:
    'Start a local lattice: NATS with JetStream and accounts (unless --nats-url names one), a host, a reconciler, the dashboard',
  usage:
    'aloft up [--data-dir DIR] [--port N] [--lattice NAME] [--no-host] [--dashboard-port N] [--insecure] | aloft up --nats-url URL [--creds-dir DIR [--browser-issuer FILE] | --creds FILE] [--tls-ca FILE --tls-cert FILE --tls-key FILE] [--js-domain NAME]',
  options: {
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    'nats-url': { type: 'string' },
    lattice: { type: 'string' },
    'no-host': { type: 'boolean' },
    'dashboard-port': { type: 'string' },
    insecure: { type: 'boolean' },
    'creds-dir': { type: 'string' },
    'browser-issuer': { type: 'string' },
    ...natsAuthOptions,
  },
  async run({ values, io }) {
    const dir = dataDir(values['data-dir'] as string | undefined, io.env, io.cwd);
    const lattice = assertLatticeName(
      (values.lattice as string | undefined) ?? io.env.ALOFT_LATTICE ?? 'default',
    );
    const existing = readUpState(dir);
    if (existing && liveProcesses(existing).length > 0) {
      io.out(`aloft is already running from ${dir} (started ${existing.startedAt}):`);
      describe(existing, io.out);
      io.out('Stop it with: aloft down');
      return 0;
    }
    const natsUrlFlag = (values['nats-url'] as string | undefined) ?? io.env.NATS_URL;
    const state: UpState = natsUrlFlag
      ? await useExternal(natsUrlFlag, lattice, externalAuth(values, io, lattice))
      : await startEmbedded(dir, lattice, values.port as string | undefined, !values.insecure);
    writeUpState(dir, state);
    /** How a process of `role` connects: its credentials (and the TLS and domain given to up). */
    const authArgs = (role: 'host' | 'reconciler' | 'observer'): string[] => {
      const creds = state.auth?.creds[role];
      const shared = natsAuth(values, io.env, io.cwd, { role, lattice });
      return natsAuthArgs({ ...shared, ...(creds ? { credsFile: creds } : {}) });
    };
    const admin = natsAuth(values, io.env, io.cwd, { role: 'admin', lattice, up: state });
    const dev = await developmentKeys(dir, state.natsUrl, lattice, admin, io.out).catch(
      async (err: unknown) => {
        await stopAll(state);
        removeUpState(dir);
        throw err;
      },
    );
    if (!values['no-host']) {
      try {
        const host = await spawnAloft(
          'host',
          [
            'host',
            '--nats-url',
            state.natsUrl,
            '--lattice',
            lattice,
            '--data-dir',
            dir,
            '--name',
            'local',
            ...authArgs('host'),
            '--trusted-issuers',
            dev.issuer,
            '--secrets-key',
            dev.secretsFile,
          ],
          join(dir, 'logs'),
        );
        const id = (JSON.parse(host.announcement) as { hostId?: string }).hostId ?? '';
        state.processes.push({ role: 'host', pid: host.pid, detail: `local (${id.slice(0, 12)})` });
        writeUpState(dir, state);
        const reconciler = await spawnAloft(
          'reconciler',
          [
            'reconciler',
            '--nats-url',
            state.natsUrl,
            '--lattice',
            lattice,
            '--id',
            'local',
            ...authArgs('reconciler'),
          ],
          join(dir, 'logs'),
        );
        state.processes.push({ role: 'reconciler', pid: reconciler.pid, detail: 'local' });
        writeUpState(dir, state);
      } catch (err) {
        await stopAll(state);
        removeUpState(dir);
        throw err;
      }
    }
    try {
      const port = await dashboardPort(values['dashboard-port'] as string | undefined);
      const dash = await spawnAloft(
        'dashboard',
        [
          'dashboard',
          '--nats-url',
          state.natsUrl,
          '--lattice',
          lattice,
          '--port',
          String(port),
          ...(state.websocketUrl ? ['--ws-url', state.websocketUrl] : []),
          '--json',
          ...authArgs('observer'),
          // Tabs that open /join become hosts, each a NATS user of its own host id, signed here.
          ...(state.auth?.browserIssuer ? ['--browser-issuer', state.auth.browserIssuer] : []),
        ],
        join(dir, 'logs'),
      );
      const url = (JSON.parse(dash.announcement) as { url?: string }).url ?? '';
      state.processes.push({ role: 'dashboard', pid: dash.pid, detail: url });
      state.dashboardUrl = url;
      writeUpState(dir, state);
    } catch (err) {
      await stopAll(state);
      removeUpState(dir);
      throw err;
    }
    describe(state, io.out);
    io.out(`State in ${dir}. Stop everything with: aloft down`);
    return 0;
  },
};

/**
 * The local lattice looks like production: hosts run only signed components. `up` makes a
 * development issuer (which `aloft build` signs with by default) and a secrets key in
 * `<data dir>/keys` (mode 0600), and, when the lattice has no policy yet, writes one that trusts
 * that issuer and seals secrets for that key. Unsigned components stay refused.
 */
async function developmentKeys(
  dir: string,
  natsUrl: string,
  lattice: string,
  auth: ReturnType<typeof natsAuth>,
  out: (line: string) => void,
): Promise<{ issuer: string; secretsFile: string }> {
  const keys = DEV_KEYS.dir(dir);
  const issuer = ensureKey(keys, DEV_KEYS.issuer, 'account');
  const secrets = ensureKey(keys, DEV_KEYS.secrets, 'curve');
  const nc = await connectLattice({
    servers: natsUrl.split(','),
    connectTimeoutMs: 3000,
    name: 'aloft-up',
    ...auth,
  });
  try {
    const security = await openSecurityState(nc, lattice);
    await security.ready();
    if (!security.policy()) {
      await security.putPolicy({
        trustedIssuers: [issuer.publicKey],
        allowUnsigned: false,
        secretsRecipient: secrets.publicKey,
        updatedAt: new Date().toISOString(),
      });
      out(
        `  policy:    trusts the development issuer; secrets sealed for ${secrets.publicKey.slice(0, 12)}…`,
      );
    }
    await security.stop();
  } finally {
    await nc.close();
  }
  out(
    `  issuer:    ${issuer.publicKey} (${issuer.path}${issuer.created ? ', new' : ''}): "aloft build" signs with it`,
  );
  return { issuer: issuer.publicKey, secretsFile: secrets.path };
}

/**
 * Credentials for a lattice on an external NATS: `--creds-dir DIR` holding `<role>.creds` (as
 * `aloft nats config` writes them under `creds/<lattice>/`), or one `--creds` file for every
 * process; `--browser-issuer FILE` (`keys/<lattice>.issuer-browser.json`) for the tabs of /join.
 */
function externalAuth(
  values: Record<string, unknown>,
  io: { env: NodeJS.ProcessEnv; cwd: string },
  lattice: string,
): UpState['auth'] {
  const dir = values['creds-dir'] as string | undefined;
  if (!dir) return undefined;
  const abs = resolve(io.cwd, dir);
  const issuer = values['browser-issuer'] as string | undefined;
  const creds: Record<string, string> = {};
  for (const role of LATTICE_ROLES) {
    const file = join(abs, `${role}.creds`);
    if (existsSync(file)) creds[role] = file;
  }
  if (!creds.admin && !creds.host) {
    throw new AloftError('INVALID_INPUT', `no admin.creds or host.creds in ${abs}`, {
      hint: `point --creds-dir at the credentials of lattice ${lattice}, e.g. nats-config/creds/${lattice}`,
    });
  }
  return { dir: abs, creds, ...(issuer ? { browserIssuer: resolve(io.cwd, issuer) } : {}) };
}

async function useExternal(flag: string, lattice: string, auth: UpState['auth']): Promise<UpState> {
  const servers = parseNatsUrls(flag);
  const credsFile = auth?.creds.admin ?? auth?.creds.host;
  const nc = await connectLattice({
    servers,
    connectTimeoutMs: 3000,
    name: 'aloft-up',
    ...(credsFile ? { credsFile } : {}),
  });
  await nc.close();
  return {
    startedAt: new Date().toISOString(),
    lattice,
    natsUrl: servers.join(','),
    externalNats: true,
    processes: [],
    ...(auth ? { auth } : {}),
  };
}

/**
 * The local lattice's accounts: operator and account keys kept in `<dir>/nats/auth` (reused by
 * later `up`s, so JetStream data filed under the account survives), one user per role.
 */
async function localAuth(dir: string, lattice: string) {
  const authDir = join(dir, 'nats', 'auth');
  const auth = await ensureAuth(authDir, {
    operator: 'aloft-local',
    accounts: [{ name: lattice, ...latticeAccount(lattice) }],
  });
  const browserIssuer = auth.issuers[lattice]?.[BROWSER_ISSUER];
  return {
    auth,
    state: {
      dir: authDir,
      creds: auth.creds[lattice] ?? {},
      ...(browserIssuer ? { browserIssuer } : {}),
    },
  };
}

async function startEmbedded(
  dir: string,
  lattice: string,
  portFlag: string | undefined,
  accounts: boolean,
): Promise<UpState> {
  const binary = findNatsServer();
  let port = DEFAULT_PORT;
  if (portFlag !== undefined) {
    port = Number(portFlag);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new AloftError('USAGE', `invalid --port ${JSON.stringify(portFlag)}`, {
        hint: 'use 1-65535',
      });
    }
  } else if (await isPortOpen(DEFAULT_PORT)) {
    port = -1; // 4222 is taken by something else: pick a free port rather than fail the default path
  }
  const local = accounts ? await localAuth(dir, lattice) : undefined;
  const server = await startNatsServer(
    {
      name: 'aloft-local',
      port,
      httpPort: -1,
      jetstream: { storeDir: join(dir, 'nats', 'jetstream') },
      websocket: { port: -1 },
      ...(local
        ? { operator: local.auth.operatorSpec({ type: 'full', dir: join(dir, 'nats', 'jwt') }) }
        : {}),
    },
    { dir: join(dir, 'nats'), binary, detached: true },
  );
  return {
    startedAt: new Date().toISOString(),
    lattice,
    natsUrl: server.url,
    externalNats: false,
    websocketUrl: server.websocketUrl,
    monitorUrl: server.monitorUrl,
    processes: [{ role: 'nats-server', pid: server.pid, detail: server.url }],
    ...(local ? { auth: local.state } : {}),
  };
}

function describe(state: UpState, out: (line: string) => void): void {
  out(`  lattice:   ${state.lattice}`);
  out(
    `  NATS:      ${state.natsUrl}${state.externalNats ? ' (external, not managed by aloft)' : ''}`,
  );
  if (state.websocketUrl) out(`  WebSocket: ${state.websocketUrl}`);
  if (state.auth) out(`  accounts:  credentials per role in ${state.auth.dir}`);
  else if (!state.externalNats) out('  accounts:  none (--insecure: any client may do anything)');
  if (state.monitorUrl) out(`  monitor:   ${state.monitorUrl}`);
  if (state.dashboardUrl) out(`  dashboard: ${state.dashboardUrl}`);
  if (state.dashboardUrl && state.websocketUrl)
    out(`  browser:   open ${state.dashboardUrl}join in a tab to make it a host`);
  for (const p of state.processes)
    out(`  ${p.role.padEnd(10)} pid ${p.pid}${p.detail ? `  ${p.detail}` : ''}`);
}

async function stopAll(state: UpState): Promise<void> {
  for (const p of [...state.processes].reverse()) await stopPid(p.pid);
}
