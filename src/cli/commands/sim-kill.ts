import { faultCommand } from './sim-fault.ts';

export const command = faultCommand(
  'kill',
  'SIGKILL every process of a simulated cloud (an outage)',
);
