import { resolve } from 'node:path';
import { assertLatticeName } from '../../lattice/index.ts';
import { isAlive, isPortOpen } from '../../nats/index.ts';
import { cloudPids, readSimState } from '../../sim/index.ts';
import { AloftError, jsonLogger, parseLogLevel } from '../../support/index.ts';
import { startDashboard, type Dashboard, type SimControls } from '../../web/index.ts';
import type { Command } from '../command.ts';
import { joinService, parseWebsocketUrls, simWebsocketUrls } from '../browser-hosts.ts';
import { assertPublicKey } from '../../security/index.ts';
import { keyList } from '../security-flags.ts';
import { dataDir, readUpState } from '../local-state.ts';
import { parseNatsUrls } from '../nats-url.ts';
import { simControls } from '../sim-controls.ts';
import { natsAuth, natsAuthOptions } from '../nats-auth.ts';

/** The dashboard's usual port; when it is taken, any free port is used instead. */
export const DEFAULT_DASHBOARD_PORT = 4280;

/** `--port` as a number: `undefined` means "the default, or any free port if it is taken". */
export async function dashboardPort(flag: string | undefined): Promise<number> {
  if (flag === undefined)
    return (await isPortOpen(DEFAULT_DASHBOARD_PORT)) ? 0 : DEFAULT_DASHBOARD_PORT;
  const port = Number(flag);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AloftError('USAGE', `invalid --port ${JSON.stringify(flag)}`, {
      hint: 'use 1-65535, or 0 for any free port',
    });
  }
  return port;
}

export const command: Command = {
  summary:
    'Serve the live web dashboard of a lattice (fault buttons for a running simulation) and /join, where a browser tab becomes a host',
  usage:
    'aloft dashboard [--port N] [--nats-url URL] [--lattice NAME] [--ws-url URL] [--browser-issuer FILE] [--browser-ttl 1h] [--trusted-issuers A…,A…] [--data-dir DIR] [--json] [--creds FILE] [--tls-ca FILE --tls-cert FILE --tls-key FILE]',
  options: {
    port: { type: 'string' },
    'nats-url': { type: 'string' },
    lattice: { type: 'string' },
    'ws-url': { type: 'string' },
    'browser-issuer': { type: 'string' },
    'browser-ttl': { type: 'string' },
    'trusted-issuers': { type: 'string' },
    'data-dir': { type: 'string' },
    json: { type: 'boolean' },
    ...natsAuthOptions,
  },
  async run({ values, io }) {
    const dir = dataDir(values['data-dir'] as string | undefined, io.env, io.cwd);
    const urlFlag = (values['nats-url'] as string | undefined) ?? io.env.NATS_URL;
    // Without an explicit NATS URL: a running simulation in the data dir, else `aloft up`'s NATS.
    const simState = urlFlag ? undefined : readSimState(dir);
    const sim =
      simState && Object.values(simState.clouds).some((c) => cloudPids(c).some(isAlive))
        ? simState
        : undefined;
    const up = readUpState(dir);
    const servers = sim
      ? Object.values(sim.clouds).flatMap((c) => c.nats.map((n) => n.url))
      : parseNatsUrls(urlFlag ?? up?.natsUrl ?? 'nats://127.0.0.1:4222');
    const lattice = assertLatticeName(
      (values.lattice as string | undefined) ??
        sim?.lattice ??
        io.env.ALOFT_LATTICE ??
        up?.lattice ??
        'default',
    );
    const controls: SimControls | undefined = sim ? simControls(dir) : undefined;
    // Read-only credentials: a simulation's or `aloft up`'s observer, unless given explicitly.
    const observer = sim?.auth?.creds.observer;
    const auth = natsAuth(values, io.env, io.cwd, {
      role: 'observer',
      lattice,
      up: urlFlag || sim ? undefined : up,
    });
    // Where browser tabs reach NATS: --ws-url, else the simulation's or `aloft up`'s listener.
    const wsFlag = values['ws-url'] as string | undefined;
    const websocketUrls = wsFlag
      ? parseWebsocketUrls(wsFlag)
      : sim
        ? simWebsocketUrls(sim)
        : !urlFlag && up?.websocketUrl
          ? [up.websocketUrl]
          : [];
    const logger = jsonLogger(process.stderr, parseLogLevel(io.env.ALOFT_LOG_LEVEL));
    const connection = { servers, ...(observer ? { credsFile: observer } : {}), ...auth };
    // Each tab joins as a user of its own, signed with the lattice's browser issuer:
    // --browser-issuer, else the simulation's or `aloft up`'s.
    const issuerFlag = values['browser-issuer'] as string | undefined;
    const browserIssuer =
      (issuerFlag !== undefined ? resolve(io.cwd, issuerFlag) : undefined) ??
      sim?.auth?.browserIssuer ??
      (urlFlag || sim ? undefined : up?.auth?.browserIssuer);
    const join = await joinService({
      lattice,
      connection,
      websocketUrls,
      issuerFile: browserIssuer,
      ttl: values['browser-ttl'] as string | undefined,
      // Tabs trust these issuers (and the lattice policy, read by this server).
      trustedIssuers: keyList(
        (values['trusted-issuers'] as string | undefined) ?? io.env.ALOFT_TRUSTED_ISSUERS,
      ).map((k) => assertPublicKey(k, 'account', '--trusted-issuers')),
      logger,
    });
    let dashboard: Dashboard;
    try {
      dashboard = await startDashboard({
        lattice,
        connection,
        port: await dashboardPort(values.port as string | undefined),
        ...(controls ? { sim: controls } : {}),
        routes: join.routes,
        logger,
      });
    } catch (err) {
      await join.stop();
      throw err;
    }
    const joinUrl = websocketUrls.length > 0 ? `${dashboard.url}join` : undefined;
    if (values.json) io.out(JSON.stringify({ url: dashboard.url, lattice, join: joinUrl }));
    else {
      io.out(`dashboard: ${dashboard.url}  (lattice ${lattice}${sim ? ', simulation' : ''})`);
      if (joinUrl) io.out(`browser hosts: open ${joinUrl} in a tab to make it a host`);
      io.err('Ctrl-C stops it');
    }
    const running = dashboard;
    const stop = (): void => {
      void running.stop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await dashboard.closed();
    await join.stop();
    return 0;
  },
};
