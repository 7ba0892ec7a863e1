import { stopSim } from '../../sim/index.ts';
import type { Command } from '../command.ts';
import { dataDir } from '../local-state.ts';

export const command: Command = {
  summary: 'Stop every process of the simulation and remove its data',
  usage: 'aloft sim down',
  options: { 'data-dir': { type: 'string' } },
  async run({ values, io }) {
    const stopped = await stopSim(
      dataDir(values['data-dir'] as string | undefined, io.env, io.cwd),
    );
    io.out(stopped.length ? `stopped ${stopped.join(', ')}` : 'no simulation was running');
    return 0;
  },
};
