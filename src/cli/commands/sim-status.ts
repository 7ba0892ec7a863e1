import { isAlive } from '../../nats/index.ts';
import { readSimState } from '../../sim/index.ts';
import type { Command } from '../command.ts';
import { dataDir } from '../local-state.ts';

export const command: Command = {
  summary: "Show the simulation's clouds, processes and conditions",
  usage: 'aloft sim status [--json]',
  options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' } },
  run({ values, io }) {
    const state = readSimState(dataDir(values['data-dir'] as string | undefined, io.env, io.cwd));
    if (!state) {
      io.out('no simulation is running (start one with: aloft sim up)');
      return Promise.resolve(0);
    }
    if (values.json) {
      io.out(JSON.stringify(state, null, 2));
      return Promise.resolve(0);
    }
    io.out(`lattice ${state.lattice}, ${state.topology} topology, started ${state.startedAt}`);
    for (const [cloud, c] of Object.entries(state.clouds)) {
      const alive = (pids: { pid: number }[]): string =>
        `${pids.filter((p) => isAlive(p.pid)).length}/${pids.length}`;
      io.out(
        `  ${cloud.padEnd(8)} ${c.region.padEnd(14)} ${c.condition.padEnd(12)} nats ${alive(c.nats)}  hosts ${alive(c.hosts)}  ${c.nats.map((n) => n.url).join(',')}`,
      );
    }
    return Promise.resolve(0);
  },
};
