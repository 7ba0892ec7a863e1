import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { keepLocal, rankHosts, type HostEntry } from './routing.ts';

const entry = (
  hostId: string,
  labels: Record<string, string>,
  over: Partial<HostEntry> = {},
): HostEntry => ({
  hostId,
  labels,
  cordoned: false,
  components: { echo: 1 },
  providers: [],
  load: { inFlight: 0, capacity: 10 },
  lastSeenMs: 1000,
  intervalMs: 1000,
  suspectUntilMs: 0,
  ...over,
});
const fixed = (): number => 0.5;

describe('rankHosts', () => {
  const hosts = [
    entry('gcp-1', { cloud: 'gcp', region: 'eu' }),
    entry('aws-2', { cloud: 'aws', region: 'us' }),
    entry('aws-1', { cloud: 'aws', region: 'eu' }),
    entry('self', { cloud: 'aws', region: 'eu' }),
  ];

  it('orders same host, then same cloud and region, then same cloud, then anywhere', () => {
    const caller = { hostId: 'self', labels: { cloud: 'aws', region: 'eu' } };
    assert.deepEqual(rankHosts(hosts, 'echo', caller, 1500, fixed), [
      'self',
      'aws-1',
      'aws-2',
      'gcp-1',
    ]);
  });

  it('skips hosts without the component, cordoned hosts and hosts silent for three beats', () => {
    const list = [
      entry('no-echo', {}, { components: { other: 2 } }),
      entry('cordoned', {}, { cordoned: true }),
      entry('silent', {}, { lastSeenMs: 0 }),
      entry('ok', {}),
    ];
    assert.deepEqual(rankHosts(list, 'echo', {}, 3500, fixed), ['ok']);
  });

  it('puts a suspected host last and prefers the less loaded within a tier', () => {
    const list = [
      entry('busy', { cloud: 'aws' }, { load: { inFlight: 9, capacity: 10 } }),
      entry('idle', { cloud: 'aws' }, { load: { inFlight: 1, capacity: 10 } }),
      entry('suspect', { cloud: 'aws' }, { suspectUntilMs: 5000 }),
    ];
    assert.deepEqual(rankHosts(list, 'echo', { labels: { cloud: 'aws' } }, 1500, fixed), [
      'idle',
      'busy',
      'suspect',
    ]);
  });

  it('property: every live, uncordoned host serving the component appears exactly once', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            cloud: fc.constantFrom('aws', 'gcp', 'azure'),
            count: fc.integer({ min: 0, max: 2 }),
            cordoned: fc.boolean(),
            age: fc.integer({ min: 0, max: 5000 }),
          }),
          { maxLength: 12 },
        ),
        fc.constantFrom('aws', 'gcp'),
        (specs, cloud) => {
          const list = specs.map((s, i) =>
            entry(
              `h${i}`,
              { cloud: s.cloud },
              { components: { echo: s.count }, cordoned: s.cordoned, lastSeenMs: 5000 - s.age },
            ),
          );
          const ranked = rankHosts(list, 'echo', { labels: { cloud } }, 5000);
          const expected = list.filter(
            (e, i) => e.components.echo! > 0 && !e.cordoned && (specs[i]?.age ?? 0) <= 3000,
          );
          assert.deepEqual([...ranked].sort(), expected.map((e) => e.hostId).sort());
          // Same-cloud hosts all come before other clouds.
          const firstOther = ranked.findIndex(
            (id) => list.find((e) => e.hostId === id)?.labels.cloud !== cloud,
          );
          if (firstOther >= 0) {
            assert.ok(
              ranked
                .slice(firstOther)
                .every((id) => list.find((e) => e.hostId === id)?.labels.cloud !== cloud),
            );
          }
        },
      ),
    );
  });
});

describe('adaptiveTimeout', () => {
  it('waits 2 s without history, then 4× the recent worst between 100 and 750 ms', async () => {
    const { adaptiveTimeout } = await import('./caller.ts');
    assert.equal(adaptiveTimeout(undefined), 2000);
    assert.equal(adaptiveTimeout([1, 2, 3]), 2000);
    assert.equal(adaptiveTimeout(Array<number>(10).fill(1)), 100);
    assert.equal(adaptiveTimeout([...Array<number>(9).fill(1), 50]), 200);
    assert.equal(adaptiveTimeout([...Array<number>(9).fill(1), 900]), 750);
  });
});

describe('keepLocal', () => {
  const labels: Record<string, Record<string, string>> = {
    'aws-1': { cloud: 'aws' },
    'aws-2': { cloud: 'aws' },
    'gcp-1': { cloud: 'gcp' },
  };
  const caller = { hostId: 'self', labels: { cloud: 'aws' } };

  it("puts the caller's cloud first, suspected hosts included, keeping the ranked order", () => {
    // As rankHosts orders them when both aws hosts are suspected.
    assert.deepEqual(
      keepLocal(['gcp-1', 'aws-2', 'aws-1'], (h) => labels[h], caller),
      ['aws-2', 'aws-1', 'gcp-1'],
    );
    assert.deepEqual(
      keepLocal(['self', 'gcp-1'], (h) => labels[h], caller),
      ['self', 'gcp-1'],
    );
  });

  it('changes nothing for a caller without locality labels', () => {
    assert.deepEqual(
      keepLocal(['gcp-1', 'aws-1'], (h) => labels[h], {}),
      ['gcp-1', 'aws-1'],
    );
  });

  it('property: a permutation of its input', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(['aws-1', 'aws-2', 'gcp-1', 'self']), (ranked) => {
        const out = keepLocal(ranked, (h) => labels[h], caller);
        assert.deepEqual([...out].sort(), [...ranked].sort());
      }),
    );
  });
});
