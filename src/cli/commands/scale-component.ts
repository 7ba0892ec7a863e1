import { AloftError } from '../../support/index.ts';
import { hostVerb } from './host-verb.ts';

export const command = hostVerb({
  verb: 'component.scale',
  summary: "Change a component's instance count on a host (0 stops it)",
  usage: 'aloft scale component <host> <name> <count>',
  body: ([name, count]) => {
    if (!name || count === undefined || !/^\d+$/.test(count))
      throw new AloftError('USAGE', 'give the component name and a count');
    return { name, count: Number(count) };
  },
  done: 'scaling component on',
});
