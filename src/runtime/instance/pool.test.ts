import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deferred, silentLogger, type Deferred } from '../../support/index.ts';
import type { WorkerReady } from '../protocol.ts';
import { InstancePool } from './pool.ts';
import type { InstanceWorker, WorkerSpawner } from './spawner.ts';

/** A spawner whose workers start only when the test says so, and which records terminations. */
function heldSpawner(): {
  spawner: WorkerSpawner;
  starts: Deferred<void>[];
  terminated: number[];
} {
  const starts: Deferred<void>[] = [];
  const terminated: number[] = [];
  const spawner: WorkerSpawner = {
    spawn: async () => {
      const id = starts.length;
      const started = deferred<void>();
      starts.push(started);
      await started.promise;
      const worker: InstanceWorker = {
        terminate: () => {
          terminated.push(id);
          return Promise.resolve();
        },
        onExit: () => undefined,
        ref: () => undefined,
        unref: () => undefined,
      };
      const ready: WorkerReady = { ready: true, instantiateMs: 0 };
      return { worker, ready };
    },
    close: () => Promise.resolve(),
  };
  return { spawner, starts, terminated };
}

describe('InstancePool', () => {
  it('stops a worker that finishes starting after the pool was closed', async () => {
    const { spawner, starts, terminated } = heldSpawner();
    const pool = new InstancePool({
      init: { glue: '', modules: {}, imports: [], memoryLimitBytes: 65_536, maxMessageBytes: 1024 },
      spawner,
      maxInstances: 1,
      minInstances: 1,
      overflowInstances: 0,
      pipelineDepth: 1,
      maxQueue: 1,
      maxMessageBytes: 1024,
      onHostCall: () => Promise.resolve({ ok: undefined }),
      logger: silentLogger,
    });
    const warm = pool.warm();
    assert.equal(starts.length, 1);
    await pool.close();
    starts[0]?.resolve();
    await warm.catch(() => undefined);
    // Its thread would otherwise keep running (and the process alive) for ever.
    assert.deepEqual(terminated, [0]);
  });
});
