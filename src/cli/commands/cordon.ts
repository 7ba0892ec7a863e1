import { hostVerb } from './host-verb.ts';

export const command = hostVerb({
  verb: 'host.cordon',
  summary: 'Mark a host unschedulable (it keeps serving what it runs)',
  usage: 'aloft cordon <host>',
  body: () => ({}),
  done: 'cordoned',
});
