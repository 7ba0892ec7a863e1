import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HostIndex } from './host-index.ts';
import type { HostEntry } from './routing.ts';

const entry = (
  hostId: string,
  components: Record<string, number>,
  providers: string[] = [],
): HostEntry => ({
  hostId,
  labels: {},
  cordoned: false,
  components,
  providers,
  load: { inFlight: 0, capacity: 10 },
  lastSeenMs: 0,
  intervalMs: 1000,
  suspectUntilMs: 0,
});
const ids = (es: HostEntry[]): string[] => es.map((e) => e.hostId).sort();

describe('HostIndex', () => {
  it('finds the hosts serving a component or provider, following updates and removals', () => {
    const index = new HostIndex();
    index.set(entry('a', { echo: 2, kv: 1 }, ['redis']));
    index.set(entry('b', { echo: 1 }));
    assert.deepEqual(ids(index.candidates('echo')), ['a', 'b']);
    assert.deepEqual(ids(index.candidates('redis', 'provider')), ['a']);
    assert.deepEqual(ids(index.candidates('redis')), []);

    index.set(entry('a', { kv: 1, echo: 0 }, [])); // echo scaled to zero, provider stopped
    assert.deepEqual(ids(index.candidates('echo')), ['b']);
    assert.deepEqual(ids(index.candidates('kv')), ['a']);
    assert.deepEqual(ids(index.candidates('redis', 'provider')), []);

    assert.equal(index.delete('b')?.hostId, 'b');
    assert.deepEqual(ids(index.candidates('echo')), []);
    assert.equal(index.delete('b'), undefined);
    assert.equal(index.size, 1);
  });

  it('returns the current entry object, so in-place timing updates are seen', () => {
    const index = new HostIndex();
    const e = entry('a', { echo: 1 });
    index.set(e);
    e.suspectUntilMs = 99;
    assert.equal(index.candidates('echo')[0]?.suspectUntilMs, 99);
  });

  it('always agrees with filtering every entry (random heartbeats and removals)', () => {
    const names = ['echo', 'kv', 'http', 'blob'];
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        host: fc.integer({ min: 0, max: 5 }),
        components: fc.dictionary(fc.constantFrom(...names), fc.integer({ min: 0, max: 3 })),
        providers: fc.subarray(names),
      }),
      fc.record({ kind: fc.constant('delete' as const), host: fc.integer({ min: 0, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const index = new HostIndex();
        const all = new Map<string, HostEntry>();
        for (const o of ops) {
          const id = `h${o.host}`;
          if (o.kind === 'set') {
            const e = entry(id, o.components, o.providers);
            index.set(e);
            all.set(id, e);
          } else {
            index.delete(id);
            all.delete(id);
          }
        }
        for (const name of names) {
          const serving = [...all.values()].filter((e) => (e.components[name] ?? 0) > 0);
          const providing = [...all.values()].filter((e) => e.providers.includes(name));
          assert.deepEqual(ids(index.candidates(name)), ids(serving));
          assert.deepEqual(ids(index.candidates(name, 'provider')), ids(providing));
        }
        assert.equal(index.size, all.size);
      }),
      { numRuns: 300 },
    );
  });
});
