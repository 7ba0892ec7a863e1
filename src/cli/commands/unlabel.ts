import { AloftError } from '../../support/index.ts';
import { hostVerb } from './host-verb.ts';

export const command = hostVerb({
  verb: 'host.labels.del',
  summary: 'Remove labels from a host',
  usage: 'aloft unlabel <host> key [key …]',
  body: (keys) => {
    if (keys.length === 0) throw new AloftError('USAGE', 'give at least one label key');
    return { keys };
  },
  done: 'unlabelled',
});
