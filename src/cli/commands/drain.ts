import { hostVerb } from './host-verb.ts';

export const command = hostVerb({
  verb: 'host.drain',
  summary: 'Cordon a host, let in-flight calls finish, then stop its components',
  usage: 'aloft drain <host> [--grace-ms N]',
  options: { 'grace-ms': { type: 'string' } },
  body: (_args, values) => ({ graceMs: Number(values['grace-ms'] ?? 10_000) }),
  done: 'draining',
});
