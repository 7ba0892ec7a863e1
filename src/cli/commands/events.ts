import { CloudEvent, decodeJson, subjectsFor } from '../../lattice/index.ts';
import type { Command } from '../command.ts';
import { latticeOptions, withLattice } from '../lattice-client.ts';

export const command: Command = {
  summary: "Follow the lattice's events (CloudEvents), optionally filtered by type",
  usage: 'aloft events [--type host_lost,component_started] [--count N] [--json]',
  options: {
    ...latticeOptions,
    type: { type: 'string' },
    count: { type: 'string' },
    json: { type: 'boolean' },
  },
  run: ({ values, io }) =>
    withLattice(values, io, async ({ nc, lattice }) => {
      const types = (values.type as string | undefined)?.split(',').filter(Boolean);
      const s = subjectsFor(lattice);
      const subjects = types?.length ? types.map((t) => s.event(t as never)) : [s.eventsAll];
      const max = values.count ? Number(values.count) : Infinity;
      let seen = 0;
      const subs = subjects.map((subject) => nc.subscribe(subject));
      const stop = (): void => subs.forEach((x) => x.unsubscribe());
      await nc.flush();
      io.err(`following ${subjects.join(', ')} (Ctrl-C to stop)`);
      process.once('SIGINT', stop);
      await Promise.all(
        subs.map(async (sub) => {
          for await (const m of sub) {
            try {
              const ev = decodeJson(m.data, CloudEvent, 'event');
              io.out(
                values.json
                  ? JSON.stringify(ev)
                  : `${ev.time} ${ev.type.replace('dev.aloft.', '').padEnd(22)} ${JSON.stringify(ev.data)}`,
              );
            } catch {
              continue;
            }
            if (++seen >= max) stop();
          }
        }),
      );
      return 0;
    }),
};
