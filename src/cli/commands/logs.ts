import { readComponentLogs, type ComponentLogLine } from '../../lattice/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { latticeOptions, withLattice } from '../lattice-client.ts';
import { formatLogLine, matchesFilter, parseDuration } from '../log-lines.ts';

export const command: Command = {
  summary: "Show a component's logs from every host in the lattice (--follow to keep watching)",
  usage:
    'aloft logs <component> [--follow] [--host ID|NAME] [--cloud NAME] [--since 15m] [--tail N] [--json]',
  options: {
    ...latticeOptions,
    follow: { type: 'boolean', short: 'f' },
    host: { type: 'string' },
    cloud: { type: 'string' },
    since: { type: 'string' },
    tail: { type: 'string' },
    json: { type: 'boolean' },
  },
  run: ({ values, positionals, io }) => {
    const component = positionals[0];
    if (!component || positionals.length > 1) {
      throw new AloftError('USAGE', 'name one component', { hint: 'aloft logs <component>' });
    }
    const tail = values.tail === undefined ? 200 : Number(values.tail);
    if (!Number.isInteger(tail) || tail < 0) {
      throw new AloftError('USAGE', `--tail ${String(values.tail)} is not a whole number`);
    }
    const since =
      values.since === undefined
        ? undefined
        : new Date(Date.now() - parseDuration(values.since as string, '--since'));
    const follow = values.follow === true;
    const filter = {
      host: values.host as string | undefined,
      cloud: values.cloud as string | undefined,
    };
    const print = (line: ComponentLogLine): void =>
      io.out(values.json ? JSON.stringify(line) : formatLogLine(line));

    return withLattice(values, io, async ({ nc, lattice, timeoutMs }) => {
      const abort = new AbortController();
      const onSignal = (): void => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      // History must arrive within the timeout; following may then last until Ctrl-C.
      const slow = setTimeout(() => abort.abort(), Math.max(timeoutMs, 1000));
      const history: ComponentLogLine[] = [];
      let caughtUp = false;
      try {
        for await (const e of readComponentLogs(nc, lattice, {
          component,
          follow,
          signal: abort.signal,
          ...(since ? { since } : {}),
        })) {
          if (e.kind === 'caught-up') {
            caughtUp = true;
            clearTimeout(slow);
            for (const line of history.slice(Math.max(0, history.length - tail))) print(line);
            history.length = 0;
            if (follow)
              io.err(`following ${component}'s logs in lattice ${lattice} (Ctrl-C to stop)`);
            continue;
          }
          if (!matchesFilter(e.line, filter)) continue;
          if (caughtUp) print(e.line);
          else history.push(e.line);
        }
      } finally {
        clearTimeout(slow);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (!caughtUp) {
        throw new AloftError('TIMEOUT', `the log history of ${component} did not arrive in time`, {
          retryable: true,
          hint: 'the lattice may be recovering; try again, or use --timeout-ms',
        });
      }
      return 0;
    });
  },
};
