import { hostVerb } from './host-verb.ts';

export const command = hostVerb({
  verb: 'host.uncordon',
  summary: 'Make a cordoned host schedulable again',
  usage: 'aloft uncordon <host>',
  body: () => ({}),
  done: 'uncordoned',
});
