import {
  hangCloud,
  healAll,
  healNetwork,
  killCloud,
  partitionCloud,
  readSimState,
  restoreCloud,
} from '../sim/index.ts';
import type { SimControls } from '../web/index.ts';

/**
 * The simulation's fault operations for the dashboard's buttons: the same functions as
 * `aloft sim kill|hang|restore|heal` and the chaos tests, acting on the simulation recorded in
 * `dataDir`. Where the simulation runs on loopback, partition is shown unavailable and its callback
 * answers `SIM_PARTITION_UNAVAILABLE` with the reason.
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
    heal: async (cloud) => {
      if (cloud) {
        // One cloud: resume it if hung, and mend its partition and cuts.
        const state = readSimState(dataDir);
        if (state?.clouds[cloud]?.condition === 'hung') await healAll(dataDir);
        else await healNetwork(dataDir, cloud);
      } else await healAll(dataDir);
      cached = undefined;
    },
    partition: async (cloud) => {
      await partitionCloud(dataDir, cloud);
      cached = undefined;
    },
    unavailable: readSimState(dataDir)?.network.mode === 'netns' ? [] : ['partition'],
  };
}
