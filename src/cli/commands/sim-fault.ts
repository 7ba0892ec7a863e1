import { hangCloud, healAll, killCloud, restoreCloud, type SimState } from '../../sim/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { dataDir } from '../local-state.ts';

/** `aloft sim kill|hang|restore <cloud>` and `aloft sim heal`: the same code the chaos tests use. */
export function faultCommand(verb: 'kill' | 'hang' | 'restore' | 'heal', summary: string): Command {
  return {
    summary,
    usage: verb === 'heal' ? 'aloft sim heal' : `aloft sim ${verb} <cloud>`,
    options: { 'data-dir': { type: 'string' } },
    async run({ values, positionals, io }) {
      const dir = dataDir(values['data-dir'] as string | undefined, io.env, io.cwd);
      const cloud = positionals[0];
      if (verb !== 'heal' && !cloud) throw new AloftError('USAGE', 'give the cloud (e.g. aws)');
      let state: SimState;
      if (verb === 'kill') state = killCloud(dir, cloud ?? '');
      else if (verb === 'hang') state = hangCloud(dir, cloud ?? '');
      else if (verb === 'restore') state = await restoreCloud(dir, cloud ?? '');
      else state = healAll(dir);
      io.out(
        Object.entries(state.clouds)
          .map(([name, c]) => `${name}: ${c.condition}`)
          .join(', '),
      );
      return 0;
    },
  };
}
