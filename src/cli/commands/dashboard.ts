import { assertLatticeName } from '../../lattice/index.ts';
import { isAlive, isPortOpen } from '../../nats/index.ts';
import { cloudPids, readSimState } from '../../sim/index.ts';
import { AloftError, jsonLogger, parseLogLevel } from '../../support/index.ts';
import { startDashboard, type SimControls } from '../../web/index.ts';
import type { Command } from '../command.ts';
import { dataDir, readUpState } from '../local-state.ts';
import { parseNatsUrls } from '../nats-url.ts';
import { simControls } from '../sim-controls.ts';

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
  summary: 'Serve the live web dashboard of a lattice (fault buttons for a running simulation)',
  usage: 'aloft dashboard [--port N] [--nats-url URL] [--lattice NAME] [--data-dir DIR] [--json]',
  options: {
    port: { type: 'string' },
    'nats-url': { type: 'string' },
    lattice: { type: 'string' },
    'data-dir': { type: 'string' },
    json: { type: 'boolean' },
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
    const dashboard = await startDashboard({
      lattice,
      connection: { servers },
      port: await dashboardPort(values.port as string | undefined),
      ...(controls ? { sim: controls } : {}),
      logger: jsonLogger(process.stderr, parseLogLevel(io.env.ALOFT_LOG_LEVEL)),
    });
    if (values.json) io.out(JSON.stringify({ url: dashboard.url, lattice }));
    else {
      io.out(`dashboard: ${dashboard.url}  (lattice ${lattice}${sim ? ', simulation' : ''})`);
      io.err('Ctrl-C stops it');
    }
    const stop = (): void => {
      void dashboard.stop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await dashboard.closed();
    return 0;
  },
};
