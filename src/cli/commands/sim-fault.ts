import {
  cutLink,
  hangCloud,
  healAll,
  healNetwork,
  killCloud,
  partitionCloud,
  restoreCloud,
  setLatency,
  type SimState,
} from '../../sim/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { dataDir } from '../local-state.ts';

type Verb = 'kill' | 'hang' | 'restore' | 'heal' | 'partition' | 'latency';

const USAGE: Record<Verb, string> = {
  kill: 'aloft sim kill <cloud>',
  hang: 'aloft sim hang <cloud>',
  restore: 'aloft sim restore <cloud>',
  heal: 'aloft sim heal [<cloud> [<other cloud>]]   (no cloud: everything)',
  partition:
    'aloft sim partition <cloud>                 (isolate it)\n' +
    '       aloft sim partition <cloud> <other>         (cut the link between two clouds)\n' +
    '       aloft sim partition --from <cloud> --to <other>   (drop only one direction)',
  latency: 'aloft sim latency <cloud> <ms>   (supercluster topology; 0 removes it)',
};

function summary(state: SimState): string {
  const clouds = Object.entries(state.clouds).map(([name, c]) =>
    c.latencyMs > 0 ? `${name}: ${c.condition} (+${c.latencyMs} ms)` : `${name}: ${c.condition}`,
  );
  const net = state.network;
  const cuts = net.mode === 'netns' ? net.cuts.map((c) => `${c.from}→${c.to}`) : [];
  return clouds.join(', ') + (cuts.length ? `; cut: ${cuts.join(' ')}` : '');
}

/**
 * `aloft sim kill|hang|restore|partition|heal|latency`: the same functions the chaos tests and the
 * dashboard call.
 */
export function faultCommand(verb: Verb, summaryLine: string): Command {
  return {
    summary: summaryLine,
    usage: USAGE[verb],
    options: {
      'data-dir': { type: 'string' },
      ...(verb === 'partition' ? { from: { type: 'string' }, to: { type: 'string' } } : {}),
    },
    async run({ values, positionals, io }) {
      const dir = dataDir(values['data-dir'] as string | undefined, io.env, io.cwd);
      const [a, b, ...rest] = positionals;
      const usage = (what: string): AloftError =>
        new AloftError('USAGE', what, { hint: `usage: ${USAGE[verb]}` });
      if (rest.length > 0) throw usage(`unexpected ${rest.join(' ')}`);
      let state: SimState;
      switch (verb) {
        case 'kill':
        case 'hang':
        case 'restore':
          if (!a || b) throw usage('give exactly one cloud (e.g. aws)');
          state =
            verb === 'kill'
              ? killCloud(dir, a)
              : verb === 'hang'
                ? hangCloud(dir, a)
                : await restoreCloud(dir, a);
          break;
        case 'heal':
          state = a ? await healNetwork(dir, a, b) : await healAll(dir);
          break;
        case 'partition': {
          const from = values.from as string | undefined;
          const to = values.to as string | undefined;
          if (from !== undefined || to !== undefined) {
            if (!from || !to || a) throw usage('give both --from and --to, and no other cloud');
            state = await cutLink(dir, from, to, { oneWay: true });
          } else if (!a) throw usage('give the cloud to isolate, or two clouds to cut apart');
          else state = b ? await cutLink(dir, a, b) : await partitionCloud(dir, a);
          break;
        }
        case 'latency': {
          if (!a || b === undefined) throw usage('give the cloud and the delay in ms');
          if (!/^\d+$/.test(b)) throw usage(`the delay must be whole milliseconds, not ${b}`);
          state = setLatency(dir, a, Number(b));
          break;
        }
      }
      io.out(summary(state));
      return 0;
    },
  };
}
