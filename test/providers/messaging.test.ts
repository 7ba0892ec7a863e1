// Messaging against a real nats-server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import { deferred } from '../../src/support/index.ts';
import {
  natsMessaging,
  subscriptionFromConfig,
  type BrokerMessage,
  type Delivery,
  type Messaging,
} from '../../src/providers/index.ts';
import { natsFixture } from './support.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('messaging over NATS', { timeout: 30_000 }, () => {
  let nats: Awaited<ReturnType<typeof natsFixture>>;
  let raw: NatsConnection;
  let m: Messaging;
  before(async () => {
    nats = await natsFixture('single');
    raw = await nats.connect();
    m = natsMessaging({ nc: nats.nc });
  });
  after(async () => {
    await m.close();
    await nats.stop();
  });

  it('publish reaches a subscriber with body and reply subject', async () => {
    const sub = raw.subscribe('orders.created', { max: 1 });
    await raw.flush();
    await m.publish({ subject: 'orders.created', replyTo: 'orders.ack', body: utf8('o-1') });
    for await (const msg of sub) {
      assert.equal(msg.string(), 'o-1');
      assert.equal(msg.reply, 'orders.ack');
    }
  });

  it('request returns the reply; no responders and timeouts have their own retryable codes', async () => {
    raw.subscribe('prices.get', {
      callback: (_e, msg) => void msg.respond(utf8(`price of ${msg.string()}`)),
    });
    raw.subscribe('prices.slow', { callback: () => undefined });
    await raw.flush();
    const reply = await m.request('prices.get', utf8('tea'), 1000);
    assert.equal(text(reply.body), 'price of tea');
    const t0 = performance.now();
    await assert.rejects(m.request('nobody.home', utf8(''), 5000), {
      code: 'MESSAGING_NO_RESPONDERS',
      retryable: true,
    });
    assert.ok(
      performance.now() - t0 < 1000,
      'no responders is reported at once, not after the timeout',
    );
    await assert.rejects(m.request('prices.slow', utf8(''), 100), {
      code: 'MESSAGING_TIMEOUT',
      retryable: true,
    });
  });

  it('components cannot publish to, request from or subscribe to platform subjects', async () => {
    await assert.rejects(
      m.publish({
        subject: 'aloft.default.ctl.v1.host.stop.X',
        replyTo: undefined,
        body: utf8(''),
      }),
      { code: 'MESSAGING_FORBIDDEN' },
    );
    await assert.rejects(m.request('$JS.API.INFO', utf8(''), 100), { code: 'MESSAGING_FORBIDDEN' });
    await assert.rejects(
      m.publish({ subject: 'svc.x', replyTo: 'aloft.default.ctl.v1.host.stop.X', body: utf8('') }),
      { code: 'MESSAGING_FORBIDDEN' },
    );
    await assert.rejects(
      m.publish({ subject: 'bad subject', replyTo: undefined, body: utf8('') }),
      {
        code: 'MESSAGING_INVALID',
      },
    );
    for (const s of ['>', '*.default.>', 'aloft.>', '_INBOX.>', 'a.>.b']) {
      assert.throws(
        () => m.subscribe({ subjects: [s], queue: undefined }, () => Promise.resolve()),
        s,
      );
    }
  });

  it('subscriptions from link config deliver matching messages; a handler can reply', async () => {
    const spec = subscriptionFromConfig({ subscriptions: 'jobs.* , events.>' });
    assert.deepEqual(spec, { subjects: ['jobs.*', 'events.>'], queue: undefined });
    const got: BrokerMessage[] = [];
    const three = deferred<void>();
    const sub = m.subscribe(spec, async (msg) => {
      got.push(msg);
      if (msg.replyTo)
        await m.publish({
          subject: msg.replyTo,
          replyTo: undefined,
          body: utf8(`done ${text(msg.body)}`),
        });
      if (got.length === 3) three.resolve();
    });
    await nats.nc.flush();
    raw.publish('jobs.a', utf8('1'));
    raw.publish('other.x', utf8('ignored'));
    raw.publish('events.x.y', utf8('2'));
    const reply = await raw.request('jobs.b', utf8('3'), { timeout: 2000 });
    assert.equal(reply.string(), 'done 3');
    await three.promise;
    assert.deepEqual(got.map((g) => `${g.subject}=${text(g.body)}`).sort(), [
      'events.x.y=2',
      'jobs.a=1',
      'jobs.b=3',
    ]);
    await sub.stop();
  });

  it('trace context travels in the headers of a publish and a request, and reaches the subscriber', async () => {
    const trace = {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'bank=1',
    };
    const deliveries: Delivery[] = [];
    const three = deferred<void>();
    const sub = m.subscribe({ subjects: ['traced.*'], queue: 'audit' }, async (msg, delivery) => {
      deliveries.push(delivery);
      if (msg.replyTo)
        await m.publish({ subject: msg.replyTo, replyTo: undefined, body: msg.body });
      if (deliveries.length === 3) three.resolve();
    });
    // What a plain NATS subscriber sees: the W3C headers, only when there is a trace.
    const seen = raw.subscribe('traced.*', { max: 3 });
    await nats.nc.flush();
    await raw.flush();
    await m.publish({ subject: 'traced.plain', replyTo: undefined, body: utf8('') });
    await m.publish({ subject: 'traced.one', replyTo: undefined, body: utf8('1') }, trace);
    const reply = await m.request('traced.two', utf8('2'), 2000, trace);
    assert.equal(text(reply.body), '2');
    await three.promise;
    const headers: (string | undefined)[][] = [];
    for await (const msg of seen)
      headers.push([msg.subject, msg.headers?.get('traceparent'), msg.headers?.get('tracestate')]);
    assert.deepEqual(headers, [
      ['traced.plain', undefined, undefined],
      ['traced.one', trace.traceparent, 'bank=1'],
      ['traced.two', trace.traceparent, 'bank=1'],
    ]);
    // Three messages, two carrying a trace: the subscriber's deliveries say which and how.
    await sub.stop();
    assert.equal(deliveries.length, 3);
    assert.deepEqual(
      deliveries.map((d) => [d.subscription, d.queue, d.trace?.traceparent]),
      [
        ['traced.*', 'audit', undefined],
        ['traced.*', 'audit', trace.traceparent],
        ['traced.*', 'audit', trace.traceparent],
      ],
    );
  });

  it('a queue group shares messages: each is delivered once across members', async () => {
    const counts = [0, 0];
    let total = 0;
    const all = deferred<void>();
    const n = 200;
    const members = [0, 1].map((i) =>
      m.subscribe({ subjects: ['work.items'], queue: 'workers' }, () => {
        counts[i]!++;
        if (++total === n) all.resolve();
        return Promise.resolve();
      }),
    );
    await nats.nc.flush();
    for (let i = 0; i < n; i++) raw.publish('work.items', utf8(String(i)));
    await all.promise;
    await raw.flush();
    await nats.nc.flush();
    assert.equal(counts[0]! + counts[1]!, n);
    assert.ok(counts[0]! > 0 && counts[1]! > 0, `both members served: ${counts.join('/')}`);
    await Promise.all(members.map((s) => s.stop()));
  });

  it('limits deliveries in progress, and stop drains: it waits for them and delivers what arrived', async () => {
    const limited = natsMessaging({ nc: nats.nc, maxConcurrent: 2 });
    let active = 0;
    let peak = 0;
    const gate = deferred<void>();
    const twoIn = deferred<void>();
    let finished = 0;
    limited.subscribe({ subjects: ['slow.jobs'], queue: undefined }, async () => {
      active++;
      peak = Math.max(peak, active);
      if (active === 2) twoIn.resolve();
      await gate.promise;
      active--;
      finished++;
    });
    await nats.nc.flush();
    for (let i = 0; i < 5; i++) raw.publish('slow.jobs', utf8(String(i)));
    await raw.flush();
    await twoIn.promise;
    assert.equal(peak, 2);
    const closing = limited.close();
    gate.resolve();
    await closing;
    assert.equal(active, 0);
    assert.equal(peak, 2);
    // Draining delivers what had already arrived.
    assert.equal(finished, 5);
  });
});
