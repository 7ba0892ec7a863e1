import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inboxPrefixFor } from './roles.ts';
import { permits } from './subject-match.ts';
import { CONTROL_VERBS, EVENT_TYPES, LATTICE_WIDE_VERBS, subjectsFor } from './subjects.ts';
import { TAB_EVENTS, tabPermissions } from './tab-permissions.ts';

const me = 'NTABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const other = 'NTABBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
const node = 'NNODEXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX';
const inbox = inboxPrefixFor('UTABAAAA');
const p = tabPermissions('a', me, { inboxPrefix: inbox });
const s = subjectsFor('a');

describe('a browser tab’s permissions: its own host id and nothing addressed to another', () => {
  it('serves the calls, capability calls and commands addressed to its host id', () => {
    assert.ok(permits(p.sub, s.rpcOnHost('echo', me)));
    assert.ok(permits(p.sub, s.rpcOnHost('*', me)), 'one subscription for every component');
    assert.ok(permits(p.sub, s.capabilityOnHost('kv', me)));
    for (const verb of CONTROL_VERBS.filter((v) => !LATTICE_WIDE_VERBS.includes(v)))
      assert.ok(permits(p.sub, s.control(verb, me)), verb);
    assert.ok(permits(p.sub, s.control('host.ping')), 'the ping scatter');
    assert.ok(permits(p.sub, `${inbox}.x.y`), 'its own inbox');
    assert.equal(p.responses, true, 'answers what it received');
    assert.deepEqual(p.connectionTypes, ['WEBSOCKET']);
  });

  it('cannot subscribe to anything addressed to another host, a queue group, or another inbox', () => {
    for (const host of [other, node]) {
      assert.equal(permits(p.sub, s.rpcOnHost('echo', host)), false, host);
      assert.equal(permits(p.sub, s.rpcOnHost('*', host)), false, host);
      assert.equal(permits(p.sub, s.capabilityOnHost('kv', host)), false, host);
      for (const verb of CONTROL_VERBS)
        assert.equal(permits(p.sub, s.control(verb, host)), false, `${verb} ${host}`);
    }
    for (const no of [
      s.rpcAny('echo'),
      s.capabilityAny('kv'),
      `${s.root}.rpc.>`,
      `${s.root}.rpc.echo.*`,
      `${s.root}.ctl.v1.>`,
      `${s.root}.ctl.v1.host.stop.*`,
      '_INBOX.>',
      '_INBOX.UOTHER.x',
      `${s.root}.log.echo`,
      `${s.root}.evt.component_started`,
      'aloft.b.rpc.echo.' + me,
    ]) {
      assert.equal(permits(p.sub, no), false, no);
    }
    for (const verb of LATTICE_WIDE_VERBS)
      assert.equal(permits(p.sub, s.control(verb)), false, verb);
  });

  it('publishes its own heartbeat and events about itself, never another host’s or a command', () => {
    assert.ok(permits(p.pub, s.heartbeat(me)));
    assert.equal(permits(p.pub, s.heartbeat(other)), false);
    assert.equal(permits(p.pub, s.heartbeat(node)), false);
    assert.equal(permits(p.pub, s.heartbeatsAll), false);
    for (const type of EVENT_TYPES)
      assert.equal(permits(p.pub, s.event(type)), TAB_EVENTS.includes(type), type);
    for (const never of ['host_lost', 'link_put', 'config_put', 'command_failed'] as const)
      assert.ok(!TAB_EVENTS.includes(never), never);
    for (const verb of CONTROL_VERBS) {
      for (const host of [me, other, node, undefined])
        assert.equal(permits(p.pub, s.control(verb, host)), false, `${verb} ${host ?? ''}`);
    }
  });

  it('calls out like any caller, logs, and only reads the state bucket', () => {
    assert.ok(permits(p.pub, s.rpcOnHost('echo', node)), 'its components call others');
    assert.ok(permits(p.pub, s.capabilityOnHost('kv', node)), 'capabilities over the lattice');
    assert.ok(permits(p.pub, s.capabilityAny('kv')));
    assert.ok(permits(p.pub, s.logs('echo')));
    assert.ok(permits(p.pub, '$JS.API.CONSUMER.CREATE.KV_aloft_a_state.x.y'));
    for (const no of [
      '$KV.aloft_a_state.link.x',
      '$JS.API.STREAM.CREATE.KV_aloft_a_state',
      '$JS.API.STREAM.INFO.KV_aloft_a_apps',
      '$JS.API.CONSUMER.CREATE.OBJ_aloft_a_artifacts.x',
      '$O.aloft_a_artifacts.C.x',
      'aloft.b.hb.' + me,
      'orders.created',
    ]) {
      assert.equal(permits(p.pub, no), false, no);
    }
  });

  it('refuses what is not a host id', () => {
    assert.throws(() => tabPermissions('a', 'N.>', { inboxPrefix: inbox }), /not a host id/);
    assert.throws(() => tabPermissions('a', '*', { inboxPrefix: inbox }), /not a host id/);
  });
});
