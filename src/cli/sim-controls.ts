import { hangCloud, healAll, killCloud, readSimState, restoreCloud } from '../sim/index.ts';
import { AloftError } from '../support/index.ts';
import type { SimControls } from '../web/index.ts';

/**
 * The simulation's fault operations for the dashboard's buttons: the same functions as
 * `aloft sim kill|hang|restore|heal` and the chaos tests, acting on the simulation recorded in
 * `dataDir`. Partitions are not in this build yet: that button reports `UNAVAILABLE`.
 */
export function simControls(dataDir: string): SimControls {
  let cached: { at: number; clouds: ReturnType<SimControls['clouds']> } | undefined;
  return {
    clouds: () => {
      // The page asks at every push; sim.json changes only when a fault is applied.
      if (!cached || Date.now() - cached.at > 250) {
        const state = readSimState(dataDir);
        cached = {
          at: Date.now(),
          clouds: Object.fromEntries(
            Object.entries(state?.clouds ?? {}).map(([name, c]) => [
              name,
              { region: c.region, condition: c.condition },
            ]),
          ),
        };
      }
      return cached.clouds;
    },
    kill: (cloud) => {
      killCloud(dataDir, cloud);
      cached = undefined;
    },
    hang: (cloud) => {
      hangCloud(dataDir, cloud);
      cached = undefined;
    },
    restore: async (cloud) => {
      await restoreCloud(dataDir, cloud);
      cached = undefined;
    },
    heal: () => {
      healAll(dataDir);
      cached = undefined;
    },
    partition: (cloud) => {
      throw new AloftError(
        'UNAVAILABLE',
        `partitioning ${cloud} is not available in this build of the simulation yet`,
        { hint: 'kill or hang the cloud instead' },
      );
    },
    unavailable: ['partition'],
  };
}
