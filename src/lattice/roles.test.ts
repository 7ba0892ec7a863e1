import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  INBOX_TEMPLATE,
  LATTICE_ROLES,
  READ_ONLY_VERBS,
  inboxPrefixFor,
  latticeAccount,
  rolePermissions,
  type LatticeRole,
} from './roles.ts';
import { permits, subjectMatches } from './subject-match.ts';
import { CONTROL_VERBS, subjectsFor } from './subjects.ts';

const me = 'UMEEXAMPLEUSERKEY';
const perms = (role: LatticeRole, appSubjects?: string[]) =>
  rolePermissions('a', role, {
    inboxPrefix: inboxPrefixFor(me),
    ...(appSubjects ? { appSubjects } : {}),
  });
const s = subjectsFor('a');
const host = 'NHOSTEXAMPLE';
const mutating = CONTROL_VERBS.filter((v) => !(READ_ONLY_VERBS as readonly string[]).includes(v));

describe('subject matching', () => {
  it('matches like nats-server', () => {
    assert.ok(subjectMatches('aloft.a.>', 'aloft.a.ctl.v1.host.ping'));
    assert.ok(!subjectMatches('aloft.a.>', 'aloft.a'));
    assert.ok(subjectMatches('aloft.*.hb.*', 'aloft.a.hb.N1'));
    assert.ok(!subjectMatches('aloft.*.hb.*', 'aloft.a.hb.N1.x'));
    assert.ok(subjectMatches('>', '$JS.API.INFO'));
    // A subscription pattern is matched with its wildcards as literal tokens.
    assert.ok(!subjectMatches('aloft.a.>', 'aloft.>'));
    assert.ok(subjectMatches('aloft.a.>', 'aloft.a.*'));
    assert.ok(!permits({ allow: ['>'], deny: ['aloft.a.ctl.>'] }, 'aloft.a.ctl.v1.x'));
    assert.ok(permits({ allow: [], deny: [] }, 'anything'), 'no allow list: everything');
  });
});

describe('lattice roles', () => {
  it('keeps every role inside its lattice when app subjects are named', () => {
    for (const role of LATTICE_ROLES) {
      const p = perms(role, ['orders.>']);
      for (const subject of [
        'aloft.b.ctl.v1.host.stop.N1',
        'aloft.b.evt.host_lost',
        'aloft.b.rpc.echo.any',
        'aloft.b.hb.N1',
      ]) {
        assert.equal(permits(p.pub, subject), false, `${role} may publish ${subject}`);
        assert.equal(permits(p.sub, subject), false, `${role} may subscribe ${subject}`);
      }
      for (const pattern of [...p.pub.allow, ...p.sub.allow]) {
        assert.match(
          pattern,
          /^(aloft\.a\.|\$JS\.|\$KV\.|\$O\.|_INBOX\.UMEE|orders\.)/,
          `${role}: ${pattern}`,
        );
      }
    }
  });

  it('reads replies only from the user own inbox', () => {
    for (const role of LATTICE_ROLES) {
      const p = perms(role, ['orders.>']);
      assert.ok(permits(p.sub, `_INBOX.${me}.abc.1`), role);
      assert.ok(!permits(p.sub, '_INBOX.UOTHER.abc.1'), role);
      assert.ok(!permits(p.sub, '_INBOX.>'), role);
    }
    assert.equal(INBOX_TEMPLATE, '_INBOX.{{subject()}}');
  });

  it('host: serves and reports but issues no command, even with app subjects as wide as >', () => {
    const p = perms('host');
    for (const verb of mutating) {
      assert.equal(permits(p.pub, s.control(verb, host)), false, verb);
      assert.equal(permits(p.pub, s.control(verb)), false, verb);
    }
    assert.ok(permits(p.pub, s.control('host.ping', host)), 'liveness probe');
    for (const ok of [
      s.heartbeat(host),
      s.event('component_started'),
      s.rpcOnHost('echo', host),
      '$KV.aloft_a_state.link.x',
      '$KV.aloft_a_kv_orders.k',
      'counters.changed',
    ]) {
      assert.ok(permits(p.pub, ok), ok);
    }
    for (const never of [
      '$KV.aloft_a_apps.deployment.x',
      s.lease.vote,
      s.lease.release,
      s.event('reconciler_acting'),
      '$O.aloft_a_artifacts.C.x',
      '$JS.API.STREAM.DELETE.KV_aloft_a_apps',
      '$JS.API.STREAM.PURGE.KV_aloft_a_apps',
      '$JS.API.STREAM.UPDATE.KV_aloft_a_state',
      '$JS.API.ACCOUNT.PURGE.A',
    ]) {
      assert.equal(permits(p.pub, never), false, never);
    }
    assert.ok(permits(p.sub, s.control('component.start', host)));
    assert.ok(permits(p.sub, s.control('link.put')));
    assert.equal(p.responses, true);
  });

  it('caller: publishes calls, reads nothing but its replies', () => {
    const p = perms('caller');
    assert.ok(permits(p.pub, s.rpcAny('echo')));
    for (const no of [
      s.heartbeat(host),
      s.event('host_lost'),
      s.control('host.ping', host),
      '$JS.API.INFO',
      s.capabilityAny('kv'),
      '$KV.aloft_a_state.x',
    ]) {
      assert.equal(permits(p.pub, no), false, no);
    }
    for (const no of [s.heartbeatsAll, s.eventsAll, '$KV.aloft_a_state.>', s.rpcAny('echo')]) {
      assert.equal(permits(p.sub, no), false, no);
    }
  });

  it('reconciler and observer: the one commands, the other only reads', () => {
    const r = perms('reconciler');
    for (const verb of mutating) assert.ok(permits(r.pub, s.control(verb, host)), verb);
    assert.ok(permits(r.pub, '$KV.aloft_a_apps.deployment.x'));
    for (const lease of [s.lease.vote, s.lease.release]) {
      assert.ok(permits(r.pub, lease), lease);
      assert.ok(permits(r.sub, lease), lease);
    }
    assert.equal(r.responses, true, 'it answers the other reconcilers’ votes');
    assert.equal(permits(r.pub, '$KV.aloft_a_state.link.x'), false);
    const o = perms('observer');
    for (const verb of mutating) assert.equal(permits(o.pub, s.control(verb, host)), false, verb);
    assert.ok(permits(o.pub, s.control('host.inventory', host)));
    assert.ok(permits(o.sub, s.eventsAll));
    assert.equal(permits(o.pub, '$KV.aloft_a_apps.x'), false);
  });

  it('provider: serves capability calls and publishes nothing of its own', () => {
    const p = perms('provider');
    assert.ok(permits(p.sub, s.capabilityAny('fs-kv')));
    assert.ok(permits(p.sub, s.capabilityOnHost('fs-kv', host)));
    assert.equal(permits(p.sub, s.rpcAny('echo')), false);
    assert.equal(permits(p.pub, s.capabilityAny('fs-kv')), false);
    assert.equal(permits(p.pub, 'anything.at.all'), false);
    assert.equal(p.responses, true);
  });

  it('latticeAccount: roles as templates, users tagged, a browser issuer instead of a browser user', () => {
    const plan = latticeAccount('pay', { roles: ['host', 'observer'] });
    assert.ok(plan.roles.host && plan.roles.observer && plan.roles.admin);
    assert.ok(plan.roles.host.sub.allow.includes('_INBOX.{{subject()}}.>'));
    const [h, o] = plan.users;
    assert.deepEqual(h, {
      name: 'host',
      label: 'host@pay',
      role: 'host',
      tags: ['aloft-role:host', 'aloft-lattice:pay'],
    });
    assert.equal(o?.role, 'observer');
    assert.equal(plan.users.length, 2);
    // Tabs are users of their own host id, signed by the issuer: no shared browser credential.
    assert.deepEqual(plan.issuers, ['browser']);
    assert.ok(!(LATTICE_ROLES as readonly string[]).includes('browser'));
  });

  it('lets only administrators write the security bucket (policy, secrets); hosts read it', () => {
    const policy = '$KV.aloft_a_security.policy';
    const secret = '$KV.aloft_a_security.secret.db';
    const purge = '$JS.API.STREAM.PURGE.KV_aloft_a_security';
    const read = '$JS.API.CONSUMER.CREATE.KV_aloft_a_security.x';
    for (const role of LATTICE_ROLES) {
      const p = perms(role).pub;
      const writes = [policy, secret, purge].map((x) => permits(p, x));
      assert.deepEqual(writes, role === 'admin' ? [true, true, true] : [false, false, false], role);
    }
    assert.ok(permits(perms('host').pub, read), 'a host reads the policy');
    assert.ok(permits(perms('host').pub, '$KV.aloft_a_state.claims.orders'), 'and records claims');
  });
});
