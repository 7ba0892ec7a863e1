import { faultCommand } from './sim-fault.ts';

export const command = faultCommand(
  'latency',
  "Add delay to messages entering a simulated cloud's gateways (supercluster topology)",
);
