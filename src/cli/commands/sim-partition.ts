import { faultCommand } from './sim-fault.ts';

export const command = faultCommand(
  'partition',
  'Isolate a simulated cloud from the others, or cut the link between two (network namespaces)',
);
