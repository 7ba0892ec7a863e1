import { stopPid } from '../../nats/index.ts';
import type { Command } from '../command.ts';
import { dataDir, readUpState, removeUpState } from '../local-state.ts';

export const command: Command = {
  summary: 'Stop exactly what "aloft up" started',
  usage: 'aloft down [--data-dir DIR]',
  options: { 'data-dir': { type: 'string' } },
  async run({ values, io }) {
    const dir = dataDir(values['data-dir'] as string | undefined, io.env, io.cwd);
    const state = readUpState(dir);
    if (!state) {
      io.out(`nothing to stop: no running lattice recorded in ${dir}`);
      return 0;
    }
    // Stop in reverse start order: hosts before the NATS they use.
    for (const p of [...state.processes].reverse()) {
      await stopPid(p.pid);
      io.out(`stopped ${p.role} (pid ${p.pid})`);
    }
    removeUpState(dir);
    if (state.externalNats) io.out(`left external NATS at ${state.natsUrl} running`);
    return 0;
  },
};
