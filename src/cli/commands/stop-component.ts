import { AloftError } from '../../support/index.ts';
import { hostVerb } from './host-verb.ts';

export const command = hostVerb({
  verb: 'component.stop',
  summary: 'Stop a component on a host',
  usage: 'aloft stop component <host> <name>',
  body: ([name]) => {
    if (!name) throw new AloftError('USAGE', 'give the component name');
    return { name };
  },
  done: 'stopping component on',
});
