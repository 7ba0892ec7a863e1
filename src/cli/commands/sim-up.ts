import { connectLattice, watchHosts } from '../../lattice/index.ts';
import {
  DEFAULT_SIM,
  deploySample,
  journalFile,
  originClouds,
  readSimState,
  liveSimulations,
  renderFrame,
  SAMPLE,
  startLoad,
  warmUp,
  startRecorder,
  startSim,
  stopSim,
  writeSimState,
  type Recorder,
  simIssuer,
} from '../../sim/index.ts';
import { AloftError } from '../../support/index.ts';
import { jsonLogger, parseLogLevel } from '../../support/index.ts';
import { startDashboard, type Dashboard } from '../../web/index.ts';
import type { Command } from '../command.ts';
import { dataDir } from '../local-state.ts';
import { simControls } from '../sim-controls.ts';
import { dashboardPort } from './dashboard.ts';
import { joinService, simWebsocketUrls } from '../browser-hosts.ts';
import type { JoinService } from '../../browser/index.ts';

export const command: Command = {
  summary: 'Simulate several clouds on this machine, deploy a sample component, drive load, watch',
  usage:
    'aloft sim up [--clouds aws,gcp,azure] [--hosts-per-cloud 2] [--topology cluster|supercluster] [--rate 50] [--duration SECONDS] [--dashboard-port N] [--down] [--insecure]',
  options: {
    clouds: { type: 'string' },
    'hosts-per-cloud': { type: 'string' },
    topology: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    down: { type: 'boolean' },
    'dashboard-port': { type: 'string' },
    auth: { type: 'boolean' },
    insecure: { type: 'boolean' },
    'data-dir': { type: 'string' },
  },
  async run({ values, io }) {
    const dir = dataDir(values['data-dir'] as string | undefined, io.env, io.cwd);
    const topology = (values.topology as string | undefined) ?? DEFAULT_SIM.topology;
    if (topology !== 'cluster' && topology !== 'supercluster') {
      throw new AloftError('USAGE', `unknown topology ${JSON.stringify(topology)}`, {
        hint: 'use cluster or supercluster',
      });
    }
    const clouds = ((values.clouds as string | undefined) ?? DEFAULT_SIM.clouds.join(','))
      .split(',')
      .filter(Boolean);
    const hostsPerCloud = Number(values['hosts-per-cloud'] ?? DEFAULT_SIM.hostsPerCloud);
    const rate = Number(values.rate ?? 50);
    const duration = values.duration === undefined ? 24 * 3600 : Number(values.duration);
    if (!Number.isInteger(hostsPerCloud) || hostsPerCloud < 1 || hostsPerCloud > 10) {
      throw new AloftError('USAGE', '--hosts-per-cloud must be 1-10');
    }
    for (const other of await liveSimulations()) {
      io.err(
        `warning: another simulation is running (data dir ${other.owner}, ${other.processes} ${other.processes === 1 ? 'process' : 'processes'} in ${other.prefix}-*): both share this machine's cores, so neither's figures hold; stop it with "aloft sim down --data-dir ${other.owner}"`,
      );
    }
    io.err(
      `starting ${clouds.length} clouds (${clouds.join(', ')}), ${hostsPerCloud} hosts each, ${topology} topology…`,
    );
    const state = await startSim({
      clouds,
      hostsPerCloud,
      topology,
      lattice: DEFAULT_SIM.lattice,
      dataDir: dir,
      // NATS accounts and per-role credentials unless --insecure (--auth, the old opt-in, is the
      // default now).
      auth: values.insecure !== true,
    });
    state.supervisorPid = process.pid;
    writeSimState(state);
    const urls = Object.values(state.clouds).flatMap((c) => c.nats.map((n) => n.url));
    const admin = state.auth?.creds.admin;
    const nc = await connectLattice({
      servers: urls,
      name: 'aloft-sim',
      ...(admin ? { credsFile: admin } : {}),
    });
    const view = await watchHosts(nc, { lattice: state.lattice });
    let dashboard: Dashboard | undefined;
    let join: JoinService | undefined;
    let recorder: Recorder | undefined;
    try {
      const logger = jsonLogger(process.stderr, parseLogLevel(io.env.ALOFT_LOG_LEVEL ?? 'warn'));
      const websocketUrls = simWebsocketUrls(state);
      const connection = {
        servers: urls,
        ...(state.auth?.creds.observer ? { credsFile: state.auth.creds.observer } : {}),
      };
      join = await joinService({
        lattice: state.lattice,
        connection,
        websocketUrls,
        issuerFile: state.auth?.browserIssuer,
        // Tabs run what the simulation signed, like its hosts.
        trustedIssuers: [simIssuer(state.dataDir).publicKey],
        logger,
      });
      dashboard = await startDashboard({
        lattice: state.lattice,
        connection,
        port: await dashboardPort(values['dashboard-port'] as string | undefined),
        sim: simControls(dir),
        routes: join.routes,
        logger,
      });
      io.err(`dashboard: ${dashboard.url}`);
      if (websocketUrls.length > 0) io.err(`browser hosts: open ${dashboard.url}join in a tab`);
      const component = SAMPLE.component;
      if (state.network.mode === 'netns') {
        io.err(
          `each cloud runs in a network namespace (${state.network.plan.prefix}-*): partitions available`,
        );
      } else {
        io.err(
          `all clouds share this machine's loopback (${state.network.reason}): partitions unavailable`,
        );
      }
      await deploySample(state, nc, io.err);
      for (const [cloud, c] of Object.entries(state.clouds)) {
        if (c.ingress) io.err(`  ${cloud} ingress: ${c.ingress.url}/counters/${cloud}`);
      }
      const sampleRequests = [
        { method: 'GET', path: '/counters/{origin}' },
        { method: 'POST', path: '/counters/{origin}' },
      ] as const;
      io.err('warming up: requests to every ingress until they are answered fast…');
      const warmStart = performance.now();
      const warm = await warmUp({ ingress: originClouds(state), requests: sampleRequests });
      const warmS = ((performance.now() - warmStart) / 1000).toFixed(1);
      io.err(
        warm.warm
          ? `warm after ${warm.rounds} rounds (${warmS} s)`
          : `not warm after ${warm.rounds} rounds (${warmS} s); starting the load anyway`,
      );
      io.err(
        `driving ${rate} HTTP requests/s to each cloud's ingress (GET and POST /counters/<cloud>)`,
      );
      recorder = await startRecorder({
        nc,
        lattice: state.lattice,
        file: journalFile(dir),
        component,
        desired: Object.fromEntries(clouds.map((c) => [c, hostsPerCloud])),
        ratePerCloud: rate,
        topology,
      });
      // Up to three seconds of what a cloud answers may wait on it (a failover holds some
      // requests for up to ~1 s); more means the machine is too slow for the rate, and queueing
      // more would only make them time out.
      const inFlightCap = { seconds: 3, floor: 50 };
      const load = await startLoad({
        ingress: () => originClouds(readSimState(dir) ?? state),
        requests: sampleRequests,
        ratePerCloud: rate,
        maxSeconds: duration,
        inFlightCap,
        onSecond: (second) => recorder?.second(second),
      });
      const tty = process.stdout.isTTY;
      await new Promise<void>((resolveRun) => {
        const timer = setInterval(() => {
          const now = readSimState(dir) ?? state;
          const frame = renderFrame({
            state: now,
            view,
            last: load.history.at(-1),
            totals: load.totals(),
            component,
            dashboardUrl: dashboard?.url,
          });
          if (tty) io.out('\x1b[2J\x1b[H' + frame.join('\n'));
          else
            io.out(
              frame[0] +
                ' | ' +
                frame
                  .slice(3, 3 + clouds.length)
                  .map((l) => l.replace(/█+/g, '').replace(/\s+/g, ' '))
                  .join(' | ') +
                ' | ' +
                (frame.find((l) => l.startsWith('HTTP:')) ?? ''),
            );
          if ((load.history.at(-1)?.t ?? 0) >= duration) finish();
        }, 1000);
        const finish = (): void => {
          clearInterval(timer);
          process.off('SIGINT', finish);
          resolveRun();
        };
        process.once('SIGINT', finish);
      });
      await load.stop();
      const totals = load.totals();
      io.out(`load finished: ${totals.ok} requests ok, ${totals.errors} failed`);
      if (totals.skipped > 0) {
        io.err(
          `${totals.skipped} requests were not sent: a cloud already had ${inFlightCap.seconds} s of what it answers waiting; this machine could not keep up with ${rate} requests/s per cloud (try a lower --rate)`,
        );
      }
      io.err('the timeline of this run: aloft sim report');
    } finally {
      await dashboard?.stop();
      await join?.stop();
      await recorder?.stop();
      await view.stop();
      await nc.close();
      if (values.down) {
        await stopSim(dir);
        io.err('simulation stopped');
      } else {
        io.err('the simulation keeps running; stop it with: aloft sim down');
      }
    }
    return 0;
  },
};
