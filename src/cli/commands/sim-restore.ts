import { faultCommand } from './sim-fault.ts';

export const command = faultCommand('restore', 'Bring a killed or hung simulated cloud back');
