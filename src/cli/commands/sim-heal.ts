import { faultCommand } from './sim-fault.ts';

export const command = faultCommand(
  'heal',
  'Resume hung processes and mend partitions (all, one cloud, or the link between two)',
);
