import { faultCommand } from './sim-fault.ts';

export const command = faultCommand(
  'hang',
  'SIGSTOP every process of a simulated cloud (a gray failure)',
);
