import { join, resolve } from 'node:path';
import { writeFileSync } from 'node:fs';
import {
  connectLattice,
  CloudEvent,
  decodeJson,
  requestJson,
  schemas,
  subjectsFor,
  watchHosts,
} from '../../lattice/index.ts';
import { buildComponent } from '../../runtime/index.ts';
import {
  DEFAULT_SIM,
  readSimState,
  renderFrame,
  startLoad,
  startSim,
  stopSim,
  type SimState,
} from '../../sim/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { dataDir } from '../local-state.ts';

const root = resolve(import.meta.dirname, '..', '..', '..');

export const command: Command = {
  summary: 'Simulate several clouds on this machine, deploy a sample component, drive load, watch',
  usage:
    'aloft sim up [--clouds aws,gcp,azure] [--hosts-per-cloud 2] [--topology cluster|supercluster] [--rate 50] [--duration SECONDS] [--down]',
  options: {
    clouds: { type: 'string' },
    'hosts-per-cloud': { type: 'string' },
    topology: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    down: { type: 'boolean' },
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
    });
    state.supervisorPid = process.pid;
    writeFileSync(join(dir, 'sim', 'sim.json'), JSON.stringify(state, null, 2) + '\n');
    const urls = Object.values(state.clouds).flatMap((c) => c.nats.map((n) => n.url));
    const nc = await connectLattice({ servers: urls, name: 'aloft-sim' });
    const view = await watchHosts(nc, { lattice: state.lattice });
    try {
      const component = 'echo';
      await deploy(state, nc, component, dir, io.err);
      io.err(`deployed ${component} on every host; driving ${rate} calls/s from each cloud`);
      const load = startLoad({
        nc,
        lattice: state.lattice,
        view,
        component,
        operation: 'echo',
        clouds,
        ratePerCloud: rate,
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

/** Builds the sample component (cached by content hash) and starts it on every host. */
async function deploy(
  state: SimState,
  nc: Awaited<ReturnType<typeof connectLattice>>,
  component: string,
  dir: string,
  progress: (line: string) => void,
): Promise<void> {
  progress('building the sample component (cached after the first build)…');
  const built = await buildComponent({
    entry: join(root, 'examples', 'echo-as', 'index.ts'),
    cacheDir: join(dir, 'cache', 'components'),
    outFile: join(dir, 'sim', 'echo.wasm'),
  });
  const ref = built.path ?? join(dir, 'sim', 'echo.wasm');
  const s = subjectsFor(state.lattice);
  const hosts = Object.values(state.clouds).flatMap((c) => c.hosts);
  const pending = new Set(hosts.map((h) => h.hostId));
  let allStarted!: () => void;
  const done = new Promise<void>((r) => (allStarted = r));
  const sub = nc.subscribe(s.event('component_started'), {
    callback: (_e, m) => {
      const ev = decodeJson(m.data, CloudEvent, 'event');
      if (typeof ev.data.hostId === 'string') pending.delete(ev.data.hostId);
      if (pending.size === 0) allStarted();
    },
  });
  await nc.flush();
  for (const h of hosts) {
    await requestJson(
      nc,
      s.control('component.start', h.hostId),
      { name: component, ref, count: 1 },
      schemas.Ack,
      { timeoutMs: 5000 },
    );
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AloftError('TIMEOUT', 'the sample component did not start on every host within 60 s'),
        ),
      60_000,
    );
  });
  try {
    await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
  }
}
