import { faultCommand } from './sim-fault.ts';

export const command = faultCommand('heal', 'Resume every hung process of the simulation');
