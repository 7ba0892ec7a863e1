import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  applyCommands,
  planSpread,
  reconcile,
  type Candidate,
  type DesiredApp,
  type Observed,
  type ObservedHost,
  type Scaler,
  type Spread,
} from '../../src/reconciler/index.ts';
import { app, component, countsOf, host, lattice } from './fixtures.ts';

const CLOUDS = ['aws', 'gcp', 'azure'] as const;
const ZONES = ['a', 'b'] as const;

const arbRequirements = fc.oneof(
  fc.constant({}),
  fc.constantFrom(...CLOUDS).map((cloud) => ({ cloud })),
  fc.constantFrom(...ZONES).map((zone) => ({ zone })),
  fc
    .tuple(fc.constantFrom(...CLOUDS), fc.constantFrom(...ZONES))
    .map(([cloud, zone]) => ({ cloud, zone })),
);
const arbSpread = (i: number): fc.Arbitrary<Spread> =>
  fc.record({
    name: fc.constant(`s${i}`),
    requirements: arbRequirements,
    weight: fc.integer({ min: 0, max: 100 }),
    fallback: fc.constantFrom('any' as const, 'none' as const),
  });
const arbSpreadScaler: fc.Arbitrary<Scaler> = fc
  .integer({ min: 0, max: 3 })
  .chain((n) =>
    fc.record({
      kind: fc.constant('spread' as const),
      instances: fc.integer({ min: 1, max: 12 }),
      spreads: fc.tuple(...Array.from({ length: n }, (_, i) => arbSpread(i))),
    }),
  )
  .filter((s) => s.spreads.length === 0 || s.spreads.some((x) => x.weight > 0));

/** True about once in `n`. */
const oneIn = (n: number): fc.Arbitrary<boolean> =>
  fc.integer({ min: 1, max: n }).map((x) => x === 1);

const IMAGES = ['ghcr.io/example/api:1.0.0', 'ghcr.io/example/api:0.9.0'];
/** Hosts with labels, some cordoned, some already running this app's `api` (either image) or another app's. */
const arbHosts: fc.Arbitrary<ObservedHost[]> = fc
  .array(
    fc.record({
      cloud: fc.constantFrom(...CLOUDS),
      zone: fc.constantFrom(...ZONES),
      cordoned: oneIn(8),
      count: fc.integer({ min: 0, max: 3 }),
      image: fc.constantFrom(...IMAGES),
      since: fc.integer({ min: 0, max: 1000 }),
      healthy: oneIn(10).map((b) => !b),
      foreign: oneIn(10),
    }),
    { maxLength: 10 },
  )
  .map((specs) =>
    specs.map((s, i) =>
      host(
        `h${String(i).padStart(2, '0')}`,
        { cloud: s.cloud, zone: s.zone },
        {
          cordoned: s.cordoned,
          components:
            s.count === 0
              ? []
              : [
                  {
                    name: 'api',
                    ref: s.image,
                    count: s.count,
                    app: s.foreign ? 'other' : 'shop',
                    version: 'v0',
                    since: s.since,
                    healthy: s.healthy,
                  },
                ],
        },
      ),
    ),
  );

const desiredWith = (scaler: Scaler): DesiredApp[] => [app('shop', [component('api', scaler)])];

/** Reconcile → apply until no commands; returns the rounds that issued commands and the end state. */
function converge(desired: DesiredApp[], o: Observed): { o: Observed; rounds: number } {
  for (let rounds = 0; rounds < 4; rounds++) {
    const cmds = reconcile(desired, o);
    if (cmds.length === 0) return { o, rounds };
    o = applyCommands(o, cmds, 2000 + rounds);
  }
  throw new Error('no convergence within 4 rounds');
}

const candidatesOf = (o: Observed): Candidate[] =>
  o.hosts
    .filter((h) => h.components.every((w) => w.name !== 'api' || w.app === 'shop'))
    .map((h) => {
      const w = h.components.find((x) => x.name === 'api');
      return {
        hostId: h.hostId,
        labels: h.labels,
        cordoned: h.cordoned,
        units: w?.count ?? 0,
        since: w?.since ?? Infinity,
        healthy: w?.healthy ?? true,
        current: w ? w.ref === IMAGES[0] : true,
        load: w?.count ?? 0,
      };
    });
const matches = (labels: Record<string, string>, req: Record<string, string>): boolean =>
  Object.entries(req).every(([k, v]) => labels[k] === v);

describe('reconcile: properties', () => {
  it('converges in one step when nothing is replaced, in two when something is, and then stays put', () => {
    fc.assert(
      fc.property(arbSpreadScaler, arbHosts, (scaler, hosts) => {
        const desired = desiredWith(scaler);
        const o = lattice(hosts);
        const first = reconcile(desired, o);
        const grows = first.some(
          (c) => c.type === 'start' || (c.type === 'scale' && growsOn(o, c.hostId, c.count)),
        );
        const { rounds } = converge(desired, o);
        assert.ok(rounds <= (grows ? 2 : 1), `rounds ${rounds}, grows ${grows}`);
      }),
      { numRuns: 300 },
    );
  });

  it('never runs more than the target after convergence, and exactly the target minus what cannot be placed', () => {
    fc.assert(
      fc.property(arbSpreadScaler, arbHosts, (scaler, hosts) => {
        const { o } = converge(desiredWith(scaler), lattice(hosts));
        const total = Object.values(countsOf(o, 'api', 'shop')).reduce((a, b) => a + b, 0);
        assert.ok(total <= scaler.instances, `${total} > ${scaler.instances}`);
        const plan = planSpread(scaler, candidatesOf(o));
        const unplaced = plan.spreads.reduce((n, s) => n + s.unplaced, 0);
        assert.equal(total, scaler.instances - unplaced);
        // Every instance of this app runs the desired image.
        for (const h of o.hosts) {
          for (const w of h.components) if (w.app === 'shop') assert.equal(w.ref, IMAGES[0]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never puts two replicas of one spread on one host when it has enough distinct eligible hosts', () => {
    fc.assert(
      fc.property(arbSpreadScaler, arbHosts, (scaler, hosts) => {
        const { o } = converge(desiredWith(scaler), lattice(hosts));
        const candidates = candidatesOf(o);
        const plan = planSpread(scaler, candidates);
        plan.spreads.forEach((s, i) => {
          const spec = scaler.spreads[i] ?? { requirements: {} };
          const eligible = candidates.filter(
            (c) => !c.cordoned && matches(c.labels, spec.requirements),
          );
          if (eligible.length >= s.target) {
            for (const [h, n] of Object.entries(s.at))
              assert.ok(n <= 1, `${s.name} has ${n} on ${h}`);
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it('falls back only when a spread has no eligible host of its own, and never with fallback: none', () => {
    fc.assert(
      fc.property(arbSpreadScaler, arbHosts, (scaler, hosts) => {
        const candidates = candidatesOf(lattice(hosts));
        const plan = planSpread(scaler, candidates);
        plan.spreads.forEach((s, i) => {
          const spec = scaler.spreads[i] ?? { requirements: {}, fallback: 'any' };
          const own = candidates.filter((c) => matches(c.labels, spec.requirements));
          const ownEligible = own.filter((c) => !c.cordoned);
          if (s.onFallback) {
            assert.equal(ownEligible.length, 0);
            assert.equal(spec.fallback, 'any');
          } else {
            const ownIds = new Set(own.map((c) => c.hostId));
            for (const h of Object.keys(s.at))
              assert.ok(ownIds.has(h), `${s.name} on foreign ${h}`);
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it('decides the same whatever order hosts are observed in (two reconcilers pick the same survivors)', () => {
    fc.assert(
      fc.property(arbSpreadScaler, arbHosts, fc.func(fc.integer()), (scaler, hosts, key) => {
        const desired = desiredWith(scaler);
        const shuffled = [...hosts].sort((a, b) => key(a.hostId) - key(b.hostId));
        assert.deepEqual(reconcile(desired, lattice(shuffled)), reconcile(desired, lattice(hosts)));
      }),
      { numRuns: 600 },
    );
  });

  it('make before break: never removes capacity in a round that adds some, nor while additions are in flight', () => {
    fc.assert(
      fc.property(arbSpreadScaler, arbHosts, (scaler, hosts) => {
        const desired = desiredWith(scaler);
        let o = lattice(hosts);
        for (let round = 0; round < 3; round++) {
          const cmds = reconcile(desired, o);
          const adds = cmds.filter(
            (c) => c.type === 'start' || (c.type === 'scale' && growsOn(o, c.hostId, c.count)),
          );
          const removes = cmds.filter(
            (c) => c.type === 'stop' || (c.type === 'scale' && !growsOn(o, c.hostId, c.count)),
          );
          if (adds.length > 0) {
            assert.deepEqual(removes, [], 'removals wait for the additions to be observed');
            // Planned over the additions still in flight: nothing repeated, nothing removed.
            assert.deepEqual(
              reconcile(desired, applyCommands(o, cmds, 5000, { pending: true })),
              [],
            );
          }
          o = applyCommands(o, cmds, 3000 + round);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('undeploying converges to nothing of the app running, in one step, and leaves other apps alone', () => {
    fc.assert(
      fc.property(arbSpreadScaler, arbHosts, (scaler, hosts) => {
        const [deployed] = desiredWith(scaler);
        const gone = { ...deployed!, deployed: false };
        const o = lattice(hosts);
        const after = applyCommands(o, reconcile([gone], o), 1);
        assert.deepEqual(countsOf(after, 'api', 'shop'), {});
        assert.deepEqual(countsOf(after, 'api', 'other'), countsOf(o, 'api', 'other'));
        assert.deepEqual(reconcile([gone], after), []);
      }),
      { numRuns: 100 },
    );
  });

  it('capabilities: at most one per host, never above the target, a fixed point in one step', () => {
    fc.assert(
      fc.property(arbSpreadScaler, arbHosts, (scaler, hosts) => {
        const desired = [app('shop', [component('kv', scaler, { kind: 'capability' })])];
        // Some hosts already run the provider (this app's, either image).
        const o = lattice(
          hosts.map((h) => ({
            ...h,
            providers: h.components.map((w) => ({ ...w, name: 'kv', count: 1 })),
          })),
        );
        const { o: after, rounds } = converge(desired, o);
        assert.ok(rounds <= 2);
        let total = 0;
        for (const h of after.hosts) {
          const mine = h.providers.filter((w) => w.app === 'shop');
          assert.ok(mine.length <= 1);
          total += mine.length;
        }
        assert.ok(total <= scaler.instances);
      }),
      { numRuns: 300 },
    );
  });

  it('daemonscaler: N on every eligible matching host after convergence', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), arbRequirements, arbHosts, (n, req, hosts) => {
        const scaler: Scaler = {
          kind: 'daemon',
          instances: n,
          spreads: [{ name: 'd', requirements: req, weight: 100, fallback: 'any' }],
        };
        const { o } = converge(desiredWith(scaler), lattice(hosts));
        const counts = countsOf(o, 'api', 'shop');
        for (const c of candidatesOf(o)) {
          const want = matches(c.labels, req) && !c.cordoned ? n : undefined;
          if (want !== undefined) assert.equal(counts[c.hostId], want, c.hostId);
          if (!matches(c.labels, req)) assert.equal(counts[c.hostId], undefined);
        }
      }),
      { numRuns: 200 },
    );
  });
});

function growsOn(o: Observed, hostId: string, count: number): boolean {
  const w = o.hosts.find((h) => h.hostId === hostId)?.components.find((x) => x.name === 'api');
  return (w?.count ?? 0) < count;
}
