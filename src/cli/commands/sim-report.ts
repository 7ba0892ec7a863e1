import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  chartPng,
  deriveTimeline,
  journalFile,
  lastJournalFile,
  readJournal,
  renderMarkdown,
  renderReport,
} from '../../sim/index.ts';
import type { Command } from '../command.ts';
import { dataDir } from '../local-state.ts';

export const command: Command = {
  summary: "A simulation run's timeline (fault, detection, re-placement, recovery) and a PNG chart",
  usage:
    'aloft sim report [--png FILE] [--markdown] [--json] [--from JOURNAL]\n' +
    '  reads the running simulation’s journal, or the last one "aloft sim down" kept;\n' +
    '  writes the chart to --png (default <data dir>/sim-report.png)',
  options: {
    'data-dir': { type: 'string' },
    from: { type: 'string' },
    png: { type: 'string' },
    markdown: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  run({ values, io }) {
    const dir = dataDir(values['data-dir'] as string | undefined, io.env, io.cwd);
    const from = values.from as string | undefined;
    const file = from
      ? resolve(io.cwd, from)
      : existsSync(journalFile(dir))
        ? journalFile(dir)
        : lastJournalFile(dir);
    const timeline = deriveTimeline(readJournal(file));
    const png = resolve(
      io.cwd,
      (values.png as string | undefined) ?? resolve(dir, 'sim-report.png'),
    );
    writeFileSync(png, chartPng(timeline));
    if (values.json) {
      const { incidents, totals, start, t0 } = timeline;
      io.out(JSON.stringify({ journal: file, chart: png, start, t0, totals, incidents }, null, 2));
    } else if (values.markdown) {
      io.out(renderMarkdown(timeline, png).join('\n'));
    } else {
      io.out(renderReport(timeline).join('\n'));
      io.out(`\nchart: ${png}`);
    }
    return Promise.resolve(0);
  },
};
