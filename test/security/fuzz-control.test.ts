// Issue 8 acceptance: the control interface is fuzzed (property-based, bounded in time): for
// every verb, input its schema refuses gets INVALID_REQUEST and changes nothing (not the host,
// not the lattice state); garbage written into the state the hosts watch (links, config, claims,
// the security policy, secrets) neither crashes a host nor widens what it trusts; invalid
// manifests given to the application store change nothing. (This extends the property test that
// lived in test/host/control.test.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm, type KV } from '@nats-io/kv';
import type { z } from 'zod';
import {
  bucketsFor,
  CONTROL_VERBS,
  connectLattice,
  decodeJson,
  encodeJson,
  openLatticeState,
  openSecurityState,
  schemas,
  subjectsFor,
  type ControlVerb,
  type LatticeState,
  type SecurityState,
} from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { startHost, type Host } from '../../src/host/index.ts';
import { openAppStore } from '../../src/reconciler/index.ts';
import { generateKey } from '../../src/security/index.ts';
import { pollUntil } from '../../src/support/index.ts';
import { signedFixture } from '../runtime/fixtures.ts';
import { controlCode, startAndWait, text, utf8, writeComponent } from '../support/lattice.ts';
import { TEST_ISSUER, TEST_TRUST } from '../support/signing.ts';
import { tempDir } from '../support/tmp.ts';

const lattice = 'fuzz';

/** The schema each verb's body must satisfy. */
const SCHEMA: Record<ControlVerb, z.ZodType> = {
  'host.ping': schemas.EmptyRequest,
  'host.inventory': schemas.EmptyRequest,
  'host.stop': schemas.DrainRequest,
  'host.cordon': schemas.EmptyRequest,
  'host.uncordon': schemas.EmptyRequest,
  'host.drain': schemas.DrainRequest,
  'host.labels.put': schemas.LabelsPutRequest,
  'host.labels.del': schemas.LabelsDeleteRequest,
  'component.start': schemas.ComponentStartRequest,
  'component.scale': schemas.ComponentScaleRequest,
  'component.stop': schemas.ComponentStopRequest,
  'provider.start': schemas.ProviderStartRequest,
  'provider.stop': schemas.ProviderStopRequest,
  'link.put': schemas.Link,
  'link.del': schemas.LinkDeleteRequest,
  'config.put': schemas.ConfigPutRequest,
  'config.del': schemas.ConfigDeleteRequest,
};
const LATTICE_WIDE = new Set<ControlVerb>(['link.put', 'link.del', 'config.put', 'config.del']);
const FIELDS = [
  'name',
  'ref',
  'count',
  'kind',
  'config',
  'labels',
  'keys',
  'graceMs',
  'source',
  'target',
  'interface',
  'values',
  'epoch',
  'limits',
  'app',
  'version',
];

/** A body: raw bytes, a JSON value of any kind, or an object with the verbs' field names. */
const body = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.json().map(utf8),
  fc
    .oneof(
      fc.integer(),
      fc.string(),
      fc.constant(null),
      fc.boolean(),
      fc.array(fc.anything(), { maxLength: 3 }),
    )
    .map((v) => encodeJson(v)),
  fc
    .dictionary(
      fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })),
      fc.anything({ maxDepth: 2 }),
      { maxKeys: 5 },
    )
    .map((o) => encodeJson(o)),
);

/** True when `data` is input the verb's schema accepts (the fuzz sends only what it refuses). */
function acceptable(verb: ControlVerb, data: Uint8Array): boolean {
  let value: unknown;
  try {
    value = data.length ? JSON.parse(text(data)) : {};
  } catch {
    return false;
  }
  return SCHEMA[verb].safeParse(value).success;
}

describe('control interface and lattice state fuzzing', { timeout: 240_000 }, () => {
  const dir = tempDir('aloft-fuzz-');
  let topo: Topology;
  let nc: NatsConnection;
  let a: Host;
  let b: Host;
  let state: LatticeState;
  let security: SecurityState;

  before(async () => {
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    const common = {
      lattice,
      servers: topo.urls(),
      cacheDir: `${dir.path}/cache`,
      security: TEST_TRUST,
    };
    a = await startHost({ ...common, labels: { cloud: 'aws' }, name: 'a' });
    b = await startHost({ ...common, labels: { cloud: 'gcp', tier: 'one' }, name: 'b' });
    state = await openLatticeState(nc, lattice);
    security = await openSecurityState(nc, lattice);
    // State worth damaging: a component, a provider, a link, config, a policy, a secret.
    const ref = writeComponent(dir.path, 'probe', await signedFixture('probe-as'));
    assert.equal(
      (await startAndWait(nc, lattice, b.id, { name: 'probe', ref })).outcome,
      'component_started',
    );
    const s = subjectsFor(lattice);
    assert.equal(
      (
        await controlCode(nc, s.control('provider.start', b.id), {
          name: 'mem',
          kind: 'keyvalue-memory',
        })
      ).code,
      undefined,
    );
    assert.equal(
      (
        await controlCode(nc, s.control('link.put'), {
          source: 'probe',
          target: 'mem',
          interface: 'keyvalue',
        })
      ).code,
      undefined,
    );
    assert.equal(
      (await controlCode(nc, s.control('config.put'), { name: 'probe', values: { k: 'v' } })).code,
      undefined,
    );
    await security.putPolicy({ trustedIssuers: [], allowUnsigned: false });
    await pollUntil(
      () =>
        b.inventory().providers.length &&
        state.links().length &&
        state.config('probe') &&
        security.policy()
          ? true
          : undefined,
      { timeoutMs: 10_000, what: 'the initial state' },
    );
  });

  after(async () => {
    await state.stop();
    await security.stop();
    await Promise.all([a.stop(1000), b.stop(1000)]);
    await nc.close();
    await topo.destroy();
    dir.remove();
  });

  /** Everything a control request could change, on host b and in the lattice. */
  const snapshot = (): string => {
    const inv = b.inventory();
    return JSON.stringify({
      labels: b.labels(),
      state: b.state(),
      cordoned: inv.cordoned,
      components: inv.components.map((c) => [c.name, c.count, c.ref, c.sha256]),
      providers: inv.providers.map((p) => [p.name, p.kind]),
      trust: inv.trust,
      links: state
        .links()
        .map((l) => JSON.stringify(l))
        .sort(),
      config: state
        .configNames()
        .sort()
        .map((n) => [n, state.config(n)]),
      policy: security.policy(),
      secrets: security.secretNames(),
    });
  };

  it('property: every verb refuses what its schema refuses, promptly, and nothing changes', async () => {
    const s = subjectsFor(lattice);
    const before = snapshot();
    const seen = new Set<ControlVerb>();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CONTROL_VERBS), body, async (verb, data) => {
        fc.pre(!acceptable(verb, data));
        runs++;
        seen.add(verb);
        const reply = await nc.request(
          LATTICE_WIDE.has(verb) ? s.control(verb) : s.control(verb, b.id),
          data,
          { timeout: 3000 },
        );
        assert.equal(
          reply.headers?.get('Aloft-Error-Code'),
          'INVALID_REQUEST',
          `${verb} accepted ${JSON.stringify(text(data))}`,
        );
        assert.match(
          reply.headers?.get('Aloft-Error') ?? '',
          new RegExp(`^${verb.replace(/\./g, '\\.')} request`),
        );
        assert.equal(snapshot(), before, `${verb} was refused but changed something`);
      }),
      { numRuns: 2000, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: false },
    );
    assert.ok(runs >= 300, `only ${runs} requests in the time budget`);
    assert.deepEqual([...seen].sort(), [...CONTROL_VERBS].sort(), 'some verb was never fuzzed');
    // Changes to KV would arrive asynchronously: look again a moment later.
    await nc.flush();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(snapshot(), before);
    assert.equal(b.state(), 'running');
    const ping = await nc.request(s.control('host.ping', b.id), encodeJson({}), { timeout: 2000 });
    assert.equal(decodeJson(ping.data, schemas.HostSummary, 'ping').hostId, b.id);
    assert.equal(text(await a.caller.call('probe', 'echo', utf8('still here'))), 'still here');
  });

  it('property: garbage in the watched state crashes nothing and never widens trust', async () => {
    const kvm = new Kvm(nc);
    const stateKv: KV = await kvm.open(bucketsFor(lattice).state);
    const securityKv: KV = await kvm.open(bucketsFor(lattice).security);
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 48 }),
      fc.json().map(utf8),
      fc
        .dictionary(
          fc.constantFrom(
            'trustedIssuers',
            'allowUnsigned',
            'secretsRecipient',
            'source',
            'target',
            'interface',
            'v',
            'name',
            'sealed',
          ),
          fc.anything({ maxDepth: 2 }),
          { maxKeys: 4 },
        )
        .map((o) => encodeJson(o)),
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'link.x.keyvalue.default',
          'config.probe',
          'claims.probe',
          'policy',
          'secret.db',
        ),
        garbage,
        async (key, data) => {
          if (key === 'policy') {
            let value: unknown;
            try {
              value = JSON.parse(text(data));
            } catch {
              value = undefined;
            }
            fc.pre(!schemas.LatticePolicy.safeParse(value).success);
          }
          runs++;
          await (key === 'policy' || key.startsWith('secret.') ? securityKv : stateKv).put(
            key,
            data,
          );
          if (key !== 'policy') return;
          // A sentinel policy, then the garbage: once the host has read the garbage, it trusts
          // exactly its own flags (an unreadable policy is no policy), never more.
          const sentinel = generateKey('account').publicKey;
          await security.putPolicy({ trustedIssuers: [sentinel], allowUnsigned: false });
          await pollUntil(
            () => (b.inventory().trust?.trustedIssuers.includes(sentinel) ? true : undefined),
            { timeoutMs: 5000, what: 'the sentinel policy' },
          );
          await securityKv.put('policy', data);
          await pollUntil(
            () => (b.inventory().trust?.trustedIssuers.includes(sentinel) ? undefined : true),
            { timeoutMs: 5000, what: 'the garbage policy' },
          );
          assert.deepEqual(b.inventory().trust, {
            trustedIssuers: [TEST_ISSUER.publicKey],
            allowUnsigned: false,
            secretsKey: false,
          });
        },
      ),
      { numRuns: 60, interruptAfterTimeLimit: 30_000, markInterruptAsFailure: false },
    );
    assert.ok(runs >= 20, `only ${runs} writes`);
    assert.equal(b.state(), 'running');
    assert.equal(text(await a.caller.call('probe', 'echo', utf8('alive'))), 'alive');
    // The registry's garbage claims do not block a link (they are ignored, not trusted).
    const r = await controlCode(nc, subjectsFor(lattice).control('link.put'), {
      source: 'probe',
      target: 'mem',
      interface: 'keyvalue',
      name: 'again',
    });
    assert.equal(r.code, undefined, r.message);
  });

  it('property: invalid manifests put in the application store change nothing', async () => {
    const apps = await openAppStore(nc, lattice);
    const kv = await new Kvm(nc).open(bucketsFor(lattice).apps);
    const before = (await kv.status()).values;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.constant(
            'apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: x\nspec:\n  components: []\n',
          ),
        ),
        async (t) => {
          await assert.rejects(apps.put(t, 'fuzz.yaml'), (e: unknown) => {
            assert.match(String((e as { code?: string }).code), /^MANIFEST_/);
            refused++;
            return true;
          });
        },
      ),
      { numRuns: 200, interruptAfterTimeLimit: 10_000, markInterruptAsFailure: false },
    );
    assert.ok(refused >= 50, `only ${refused} manifests`);
    assert.equal((await kv.status()).values, before, 'the apps bucket changed');
  });
});
