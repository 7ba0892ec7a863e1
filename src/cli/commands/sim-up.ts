import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { connectLattice, watchHosts } from '../../lattice/index.ts';
import {
  DEFAULT_SIM,
  deploySample,
  readSimState,
  renderFrame,
  startLoad,
  startSim,
  stopSim,
} from '../../sim/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { dataDir } from '../local-state.ts';

export const command: Command = {
  summary: 'Simulate several clouds on this machine, deploy a sample component, drive load, watch',
  usage:
    'aloft sim up [--clouds aws,gcp,azure] [--hosts-per-cloud 2] [--topology cluster|supercluster] [--rate 50] [--duration SECONDS] [--down] [--auth]',
  options: {
    clouds: { type: 'string' },
    'hosts-per-cloud': { type: 'string' },
    topology: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    down: { type: 'boolean' },
    auth: { type: 'boolean' },
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
    io.err(
      `starting ${clouds.length} clouds (${clouds.join(', ')}), ${hostsPerCloud} hosts each, ${topology} topology…`,
    );
    const state = await startSim({
      clouds,
      hostsPerCloud,
      topology,
      lattice: DEFAULT_SIM.lattice,
      dataDir: dir,
      auth: values.auth === true,
    });
    state.supervisorPid = process.pid;
    writeFileSync(join(dir, 'sim', 'sim.json'), JSON.stringify(state, null, 2) + '\n');
    const urls = Object.values(state.clouds).flatMap((c) => c.nats.map((n) => n.url));
    const admin = state.auth?.creds.admin;
    const nc = await connectLattice({
      servers: urls,
      name: 'aloft-sim',
      ...(admin ? { credsFile: admin } : {}),
    });
    const view = await watchHosts(nc, { lattice: state.lattice });
    try {
      const component = 'echo';
      await deploySample(state, nc, component, io.err);
      io.err(`driving ${rate} calls/s from each cloud`);
      const load = await startLoad({
        lattice: state.lattice,
        urls: Object.fromEntries(
          Object.entries(state.clouds).map(([c, cs]) => [c, cs.nats.map((n) => n.url)]),
        ),
        component,
        operation: 'echo',
        ratePerCloud: rate,
        ...(state.auth?.creds.ingress ? { credsFile: state.auth.creds.ingress } : {}),
        maxSeconds: duration,
        activeClouds: () => {
          const now = readSimState(dir);
          return Object.entries(now?.clouds ?? {})
            .filter(([, c]) => c.condition === 'up')
            .map(([name]) => name);
        },
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
                (frame.at(-3) ?? ''),
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
      io.out(`load finished: ${totals.ok} calls ok, ${totals.errors} failed`);
    } finally {
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
