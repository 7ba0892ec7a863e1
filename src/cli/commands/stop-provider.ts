import { AloftError } from '../../support/index.ts';
import { hostVerb } from './host-verb.ts';

export const command = hostVerb({
  verb: 'provider.stop',
  summary: 'Stop a capability provider on a host',
  usage: 'aloft stop provider <host> <name>',
  body: ([name]) => {
    if (!name) throw new AloftError('USAGE', 'give the provider name');
    return { name };
  },
  done: 'stopping provider on',
});
