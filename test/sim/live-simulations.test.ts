// `sim up` warns about a simulation already running on the machine: one whose network namespaces
// hold processes, even when the `sim up` that made it has exited or its data directory is gone.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { liveSimulations, netnsUnavailable } from '../../src/sim/index.ts';
import { newPrefix, planNetwork } from '../../src/sim/network-plan.ts';

describe('live simulations', () => {
  it('finds a simulation by the processes in its namespaces, and forgets it once they are gone', async (t) => {
    const unavailable = await netnsUnavailable();
    if (unavailable) return t.skip(`network namespaces are unavailable: ${unavailable}`);
    const registry = mkdtempSync(join(tmpdir(), 'aloft-registry-'));
    const plan = planNetwork(newPrefix(), ['aws'], 200);
    const ns = plan.bridgeNs;
    execFileSync('ip', ['netns', 'add', ns]);
    let sleeper: ReturnType<typeof spawn> | undefined;
    try {
      writeFileSync(
        join(registry, `${plan.prefix}.json`),
        JSON.stringify({ plan, owner: '/tmp/gone-data-dir', pid: 1 << 30 }),
      );
      // Its namespace exists but holds nothing: a crashed run's leftovers, not a live simulation.
      assert.deepEqual(await liveSimulations(registry), []);

      sleeper = spawn('ip', ['netns', 'exec', ns, 'sleep', '60'], { stdio: 'ignore' });
      const pid = sleeper.pid;
      assert.ok(pid);
      // `ip netns exec` becomes `sleep` in the namespace: wait until the namespace lists it.
      let live = await liveSimulations(registry);
      for (let i = 0; i < 100 && live.length === 0; i++) {
        await new Promise((r) => setImmediate(r));
        live = await liveSimulations(registry);
      }
      assert.deepEqual(live, [{ owner: '/tmp/gone-data-dir', prefix: plan.prefix, processes: 1 }]);

      const exited = once(sleeper, 'exit');
      process.kill(pid, 'SIGKILL');
      await exited;
      sleeper = undefined;
      assert.deepEqual(await liveSimulations(registry), []);
    } finally {
      if (sleeper?.pid) process.kill(sleeper.pid, 'SIGKILL');
      execFileSync('ip', ['netns', 'del', ns]);
      rmSync(registry, { recursive: true, force: true });
    }
  });
});
