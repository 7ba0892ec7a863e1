import { parseLabel } from '../../host/index.ts';
import { AloftError } from '../../support/index.ts';
import { hostVerb } from './host-verb.ts';

export const command = hostVerb({
  verb: 'host.labels.put',
  summary: "Set labels on a host (remove one with 'aloft unlabel')",
  usage: 'aloft label <host> key=value [key=value …]',
  body: (pairs) => {
    if (pairs.length === 0) throw new AloftError('USAGE', 'give at least one key=value');
    return { labels: Object.fromEntries(pairs.map(parseLabel)) };
  },
  done: 'labelled',
});
