import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserServer, Page } from 'playwright-core';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { decode } from '@nats-io/jwt';
import { createAccount, createServer } from '@nats-io/nkeys';
import {
  JoinConfig,
  startJoinService,
  tabIssuer,
  type JoinService,
} from '../../src/browser/index.ts';
import {
  CALL_HEADERS,
  connectLattice,
  createCaller,
  subjectsFor,
  watchHosts,
  type HostSummary,
  type HostsView,
} from '../../src/lattice/index.ts';
import { freePort, readIssuerFile, userJwt, userKeyOf } from '../../src/nats/index.ts';
import { startDashboard, type Dashboard } from '../../src/web/index.ts';
import { aloft } from '../support/cli.ts';
import { launchChromium } from '../support/chromium.ts';
import { recordEvents, writeComponent } from '../support/lattice.ts';
import {
  connectFromPage,
  credentialsFromPage,
  tryFromPage,
  type PageCreds,
  type PageTry,
} from '../support/page-nats.ts';
import { example } from '../support/samples.ts';
import { tempDir } from '../support/tmp.ts';

const LATTICE = 'default';
const s = subjectsFor(LATTICE);
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'browser');
/** An nkey seed of any type, as it would look in a page. */
const ANY_SEED = /\bS[A-Z][A-Z2-7]{56}\b/;

/** What nats-server's /connz says about one client connection (with `auth=true`). */
interface ConnInfo {
  name?: string;
  type?: string;
  authorized_user?: string;
  jwt?: string;
  tags?: string[];
}
interface TabClaims {
  sub: string;
  iss: string;
  exp: number;
  iat: number;
  nats: { pub: { allow: string[] }; sub: { allow: string[] }; allowed_connection_types: string[] };
}

/**
 * Browser tabs as hosts on a lattice with NATS accounts, as `aloft up` runs it by default: each
 * tab proves to the dashboard's /join that it holds a fresh host key and gets a short-lived NATS
 * user of its own, bound to that host id. Real parts throughout: nats-server in operator mode
 * with its WebSocket listener, the Node host, reconciler and dashboard that `aloft up` starts on
 * their own roles, chromium, the CLI on the admin's credentials, an AssemblyScript component.
 */
describe(
  'browser tabs under NATS accounts: one short-lived user per tab',
  { timeout: 300_000 },
  () => {
    const dir = tempDir('aloft-join-accounts-');
    const env = { ALOFT_HOME: dir.path };
    const cli = (...args: string[]) => aloft(args, env);
    const natsLog = join(dir.path, 'nats', 'aloft-local.log');
    const authDir = join(dir.path, 'nats', 'auth');
    const issuerFile = join(authDir, 'keys', `${LATTICE}.issuer-browser.json`);
    let dashboard = '';
    let monitor = '';
    let natsUrl = '';
    let wsUrl = '';
    let nodeId = '';
    let server: BrowserServer;
    let browser: Browser;
    const tabs: Record<'a' | 'b' | 'c', { page?: Page; id: string }> = {
      a: { id: '' },
      b: { id: '' },
      c: { id: '' },
    };
    /** Everything any of the pages received: HTTP bodies and WebSocket frames. */
    const served: string[] = [];
    let nc: NatsConnection;
    let events: ReturnType<typeof recordEvents>;
    let httpPort = 0;
    let echoRef = '';
    let join2: JoinService | undefined;
    let dash2: Dashboard | undefined;
    let view: HostsView | undefined;
    const violations = (): string[] =>
      readFileSync(natsLog, 'utf8')
        .split('\n')
        .filter((l) => /Violation/.test(l));
    const connz = async (): Promise<ConnInfo[]> =>
      ((await (await fetch(`${monitor}/connz?auth=true`)).json()) as { connections: ConnInfo[] })
        .connections;
    const pageOf = (t: 'a' | 'b' | 'c'): Page => {
      const p = tabs[t].page;
      assert.ok(p, `tab ${t} is open`);
      return p;
    };
    const logOf = (p: Page): Promise<string[]> =>
      p.evaluate<string[]>(`[...document.querySelectorAll('#log li')].map((li) => li.textContent)`);

    /** Opens `url` in a new page that records what it receives, and waits until it joined. */
    const openTab = async (t: 'a' | 'b' | 'c', url: string): Promise<void> => {
      const page = await browser.newPage();
      page.on('pageerror', (err) => console.log(`page error (${t}): ${err.message}`));
      page.on('response', (r) => {
        void r.text().then(
          (body) => served.push(body),
          () => undefined,
        );
      });
      page.on('websocket', (ws) =>
        ws.on('framereceived', (f) =>
          served.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('latin1')),
        ),
      );
      await page.goto(url);
      await page.waitForSelector('#state[data-state="running"], #state[data-state="error"]', {
        timeout: 30_000,
      });
      const problems = await page.textContent('#problems');
      assert.equal(await page.getAttribute('#state', 'data-state'), 'running', problems ?? '');
      tabs[t] = { page, id: (await page.textContent('#host-id')) ?? '' };
      assert.match(tabs[t].id, /^N[A-Z2-7]{55}$/);
    };

    before(async () => {
      const up = await cli('up', '--port', String(await freePort()), '--dashboard-port', '0');
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stdout, /accounts:\s+credentials per role/);
      dashboard = /dashboard:\s+(http:\S+)/.exec(up.stdout)?.[1] ?? '';
      monitor = /monitor:\s+(http:\S+)/.exec(up.stdout)?.[1] ?? '';
      natsUrl = /NATS:\s+(\S+)/.exec(up.stdout)?.[1] ?? '';
      wsUrl = /WebSocket:\s+(\S+)/.exec(up.stdout)?.[1] ?? '';
      assert.ok(dashboard && monitor && natsUrl && wsUrl, up.stdout);
      nc = await connectLattice({
        servers: [natsUrl],
        credsFile: join(authDir, 'creds', LATTICE, 'admin.creds'),
      });
      events = recordEvents(nc, LATTICE, [
        'host_lost',
        'host_stopped',
        'host_started',
        'component_started',
        'link_put',
      ]);
      const hosts = JSON.parse((await cli('get', 'hosts', '--json')).stdout) as HostSummary[];
      nodeId = hosts.find((h) => h.name === 'local')?.hostId ?? '';
      assert.ok(nodeId, 'aloft up started its Node host');
      ({ server, browser } = await launchChromium('browser tabs under accounts'));
    });

    after(async () => {
      await view?.stop();
      await dash2?.stop();
      await join2?.stop();
      await browser?.close().catch(() => undefined);
      await server?.close();
      events?.stop();
      await nc?.close();
      const down = await cli('down');
      assert.equal(down.code, 0, down.stderr);
      dir.remove();
    });

    it('two tabs join, each a NATS user of its own host id, signed by the lattice’s browser issuer', async () => {
      await openTab('a', `${dashboard}join?cloud=aws`);
      await openTab('b', `${dashboard}join?cloud=gcp`);
      assert.notEqual(tabs.a.id, tabs.b.id);
      const config = JoinConfig.parse(
        JSON.parse((await pageOf('a').textContent('#aloft-join')) ?? '{}') as unknown,
      );
      assert.deepEqual(config.auth, {
        challengeUrl: '/join/challenge',
        credentialsUrl: '/join/credentials',
      });
      const issuer = readIssuerFile(issuerFile);
      const conns = await connz();
      for (const [t, other] of [
        ['a', 'b'],
        ['b', 'a'],
      ] as const) {
        const { id } = tabs[t];
        const conn = conns.find((c) => c.name === `aloft-host tab-${id.slice(-5).toLowerCase()}`);
        assert.ok(conn?.jwt, `tab ${t}'s connection: ${conns.map((c) => c.name).join()}`);
        assert.equal(conn.type, 'websocket');
        assert.equal(conn.authorized_user, id, 'the server knows the connection by its host id');
        const claims = decode(conn.jwt) as unknown as TabClaims;
        assert.equal(claims.sub, userKeyOf(id), 'the user is the host key');
        assert.equal(claims.iss, issuer.publicKey, 'signed by the browser issuer');
        assert.ok(claims.exp - claims.iat <= 3600, 'short-lived: an hour by default');
        assert.deepEqual(claims.nats.allowed_connection_types, ['WEBSOCKET']);
        const grants = JSON.stringify([claims.nats.pub, claims.nats.sub]);
        assert.match(grants, new RegExp(`\\.hb\\.${id}"`));
        assert.doesNotMatch(grants, new RegExp(tabs[other].id), 'nothing of the other tab');
        assert.doesNotMatch(grants, new RegExp(nodeId), 'nothing of the Node host');
      }
      const listed = JSON.parse((await cli('get', 'hosts', '--json')).stdout) as HostSummary[];
      assert.deepEqual(listed.find((h) => h.hostId === tabs.a.id)?.labels, {
        runtime: 'browser',
        cloud: 'aws',
      });
      assert.deepEqual(listed.find((h) => h.hostId === tabs.b.id)?.labels, {
        runtime: 'browser',
        cloud: 'gcp',
      });
    });

    it('each tab serves its own work, reaching key-value over the lattice; nothing either does is refused', async () => {
      // Signed with the development issuer `aloft up` made: its hosts, and the tabs its dashboard
      // serves (from the lattice policy), trust that and nothing else.
      const file = writeComponent(dir.path, 'echo', await example('echo-as'));
      const signed = await cli(
        'claims',
        'sign',
        file,
        '--issuer',
        join(dir.path, 'keys', 'dev-issuer.nk'),
      );
      assert.equal(signed.code, 0, signed.stderr);
      const pushed = await cli('push', file);
      assert.equal(pushed.code, 0, pushed.stderr);
      echoRef = pushed.stdout.trim();
      httpPort = await freePort();
      const manifest = join(dir.path, 'two-tabs.yaml');
      writeFileSync(
        manifest,
        readFileSync(join(fixtures, 'two-tabs.yaml'), 'utf8')
          .replaceAll('IMAGE', echoRef)
          .replaceAll('PORT', String(httpPort)),
      );
      const deployed = await cli('app', 'deploy', manifest);
      assert.equal(deployed.code, 0, deployed.stderr);
      for (const t of ['a', 'b'] as const) {
        await events.waitFor(
          'component_started',
          (d) => d.name === 'echo' && d.hostId === tabs[t].id,
          30_000,
        );
      }
      // Each tab answers the calls addressed to it (the subject only it may serve).
      for (const t of ['a', 'b'] as const) {
        const reply = await nc.request(s.rpcOnHost('echo', tabs[t].id), `to ${t}`, {
          timeout: 5000,
          headers: headersFor('echo'),
        });
        assert.equal(reply.string(), `to ${t}`);
        await pageOf(t).waitForSelector('#components [data-component="echo"][data-ok="1"]', {
          timeout: 5000,
        });
      }
      const called = await cli('call', 'echo', 'echo', '--data', 'through the accounts');
      assert.equal(called.stdout, 'through the accounts\n', called.stderr);
      // HTTP on the Node host → echo in a tab → key-value on the Node host, over the lattice.
      const visits: string[] = [];
      for (const path of ['/one', '/two']) {
        const res = await fetch(`http://127.0.0.1:${httpPort}${path}`);
        assert.equal(res.status, 200, await res.clone().text());
        assert.equal(await res.text(), path);
        visits.push(res.headers.get('x-visits') ?? '');
      }
      assert.deepEqual(visits, ['1', '2']);
      // The server refused nothing, and neither tab logged a warning (a refused subject shows up
      // as one or the other).
      assert.deepEqual(violations(), []);
      for (const t of ['a', 'b'] as const) {
        const log = await logOf(pageOf(t));
        assert.deepEqual(
          log.filter((l) => / (warn|error) /.test(l)),
          [],
          log.join('\n'),
        );
      }
    });

    it('code in a page gets credentials for a key it holds, and they reach nothing addressed to another host', async () => {
      const page = pageOf('a');
      // Asking for tab B's host id, signing with another key: refused by the dashboard.
      assert.deepEqual(await credentialsFromPage(page, tabs.b.id), {
        ok: false,
        status: 403,
        code: 'JOIN_PROOF_INVALID',
      });
      const mine = await credentialsFromPage(page);
      assert.ok(mine.ok);
      const me = mine.creds.hostId;
      const other = subjectsFor('other');
      const loggedBefore = violations().length;
      const allowed: PageTry[] = [
        { kind: 'subscribe', subject: s.rpcOnHost('echo', me) },
        { kind: 'subscribe', subject: s.control('component.start', me) },
        { kind: 'publish', subject: s.heartbeat(me), body: 'not a heartbeat' },
      ];
      const refused: PageTry[] = [
        // Serving (and so reading) what is addressed to another tab or to the Node host.
        ...[tabs.a.id, tabs.b.id, nodeId].flatMap((h): PageTry[] => [
          { kind: 'subscribe', subject: s.rpcOnHost('echo', h) },
          { kind: 'subscribe', subject: s.control('component.start', h) },
        ]),
        { kind: 'subscribe', subject: s.control('host.stop', nodeId) },
        { kind: 'subscribe', subject: s.capabilityOnHost('kv', nodeId) },
        { kind: 'subscribe', subject: s.rpcAny('echo') },
        { kind: 'subscribe', subject: s.control('link.put') },
        { kind: 'subscribe', subject: '_INBOX.>' },
        { kind: 'subscribe', subject: 'aloft.other.>' },
        // Speaking for another host, or for the lattice.
        { kind: 'publish', subject: s.heartbeat(tabs.b.id) },
        { kind: 'publish', subject: s.heartbeat(nodeId) },
        {
          kind: 'publish',
          subject: s.event('host_lost'),
          body: JSON.stringify({ hostId: nodeId }),
        },
        { kind: 'publish', subject: `$KV.aloft_${LATTICE}_state.link.echo` },
        // Control requests, even the read-only ones.
        {
          kind: 'request',
          subject: s.control('component.start', nodeId),
          body: JSON.stringify({ name: 'intruder', ref: echoRef, count: 1 }),
        },
        { kind: 'request', subject: s.control('host.stop', tabs.b.id) },
        { kind: 'request', subject: s.control('host.ping', tabs.b.id) },
        { kind: 'request', subject: s.control('host.ping') },
        { kind: 'request', subject: s.control('link.put') },
        { kind: 'request', subject: other.control('component.start', nodeId) },
      ];
      const results = await tryFromPage(page, mine.creds, [...allowed, ...refused]);
      const ok = results.slice(0, allowed.length);
      const no = results.slice(allowed.length);
      assert.deepEqual(
        ok.map((r) => [r.subject, r.ok]),
        allowed.map((a) => [a.subject, true]),
        JSON.stringify(ok),
      );
      for (const t of no) {
        assert.equal(t.ok, false, `${t.kind} ${t.subject} was allowed`);
        assert.equal(t.error?.name, 'PermissionViolationError', JSON.stringify(t));
        assert.equal(t.error?.operation, t.kind === 'subscribe' ? 'subscription' : 'publish');
        assert.equal(t.error?.subject, t.subject);
      }
      console.log(
        `refused from the page: ${refused.length} subjects; allowed: its own ${allowed.length}`,
      );
      // The server logged each refusal against that page's own user; nothing changed anywhere.
      const logged = violations().slice(loggedBefore);
      assert.equal(logged.length, refused.length, logged.join('\n'));
      const user = userKeyOf(me);
      assert.ok(
        logged.every((l) => l.includes(me) || l.includes(user)),
        logged.join('\n'),
      );
      const inventory = await cli('get', 'inventory', 'local', '--json');
      assert.doesNotMatch(inventory.stdout, /intruder/, inventory.stderr);
      for (const t of ['a', 'b'] as const) {
        const reply = await nc.request(s.rpcOnHost('echo', tabs[t].id), 'still', {
          timeout: 5000,
          headers: headersFor('echo'),
        });
        assert.equal(reply.string(), 'still', `tab ${t} still serves its own calls`);
      }
      assert.ok(
        !events.seen.some(
          (e) =>
            (e.type === 'host_lost' || e.type === 'host_stopped') &&
            [nodeId, tabs.a.id, tabs.b.id].includes(String(e.event.data.hostId)),
        ),
        JSON.stringify(events.seen.map((e) => [e.type, e.event.data])),
      );
    });

    it('the server refuses an expired, a tampered and a foreign-signed JWT', async () => {
      const page = pageOf('b');
      const fresh = await credentialsFromPage(page);
      assert.ok(fresh.ok);
      assert.deepEqual(await connectFromPage(page, fresh.creds), { ok: true }, 'the control');

      const key = createServer();
      const seed = new TextDecoder().decode(key.getSeed());
      const asPage = (jwt: string): PageCreds => ({
        hostId: key.getPublicKey(),
        jwt,
        seed,
        inboxPrefix: `_INBOX.${userKeyOf(key.getPublicKey())}`,
      });
      const expired = await tabIssuer(LATTICE, issuerFile).issue(key.getPublicKey(), -120_000);
      // The page's own valid JWT with its permissions widened to everything, signature kept.
      const [head, body, sig] = fresh.creds.jwt.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TabClaims;
      claims.nats.sub.allow = ['>'];
      claims.nats.pub.allow = ['>'];
      const tampered = `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
      // Signed by a key the account does not list (say, a stolen page's forger).
      const issuer = readIssuerFile(issuerFile);
      const foreign = await userJwt('browser-tab', userKeyOf(key.getPublicKey()), {
        accountPublicKey: issuer.account,
        signingSeed: new TextDecoder().decode(createAccount().getSeed()),
        scoped: false,
      });
      for (const [what, creds] of [
        ['expired', asPage(expired.jwt)],
        ['tampered', { ...fresh.creds, jwt: tampered }],
        ['foreign-signed', asPage(foreign)],
      ] as const) {
        const result = await connectFromPage(page, creds);
        assert.equal(result.ok, false, `the ${what} JWT was accepted`);
        assert.match(
          result.error ?? '',
          /Authorization Violation|Expired/,
          `${what}: ${result.error}`,
        );
      }
    });

    it('nothing served to a page carries a seed: not the issuer’s, not any', async () => {
      const issuer = readIssuerFile(issuerFile);
      for (const path of ['/join', '/join/host.js', '/join/worker.js']) {
        served.push(await (await fetch(`${dashboard}${path.slice(1)}`)).text());
      }
      const everything = served.join('\n');
      assert.ok(everything.includes('"jwt":"'), 'the credentials responses were recorded');
      assert.ok(!everything.includes(issuer.seed), 'the issuer seed');
      assert.doesNotMatch(everything, ANY_SEED);
      console.log(`checked ${served.length} responses and frames, ${everything.length} bytes`);
    });

    it('a tab renews its credentials halfway through their life without failing a call; an evicted tab stops serving and says so', async () => {
      // A second /join with 6-second credentials, so that renewals happen within the test.
      join2 = await startJoinService({
        lattice: LATTICE,
        connection: {
          servers: [natsUrl],
          credsFile: join(authDir, 'creds', LATTICE, 'observer.creds'),
        },
        websocketUrls: [wsUrl],
        issuer: tabIssuer(LATTICE, issuerFile),
        credentialsTtlMs: 6000,
      });
      dash2 = await startDashboard({
        lattice: LATTICE,
        connection: {
          servers: [natsUrl],
          credsFile: join(authDir, 'creds', LATTICE, 'observer.creds'),
        },
        routes: join2.routes,
      });
      await openTab('c', `${dash2.url}join?tab=c`);
      const c = tabs.c.id;
      await events.waitFor(
        'component_started',
        (d) => d.name === 'echo-c' && d.hostId === c,
        30_000,
      );
      const jwtOfC = async (): Promise<string> =>
        (await connz()).find((x) => x.name === `aloft-host tab-${c.slice(-5).toLowerCase()}`)
          ?.jwt ?? '';
      const firstJwt = await jwtOfC();
      assert.ok(firstJwt);

      // Calls to echo-c (served by tab c only) while it renews twice.
      view = await watchHosts(nc, { lattice: LATTICE });
      const caller = createCaller(nc, { lattice: LATTICE, view });
      const renewals = pageOf('c').waitForFunction(
        `[...document.querySelectorAll('#log li')].filter((l) => l.textContent.includes('credentials renewed')).length >= 2`,
        undefined,
        { timeout: 20_000 },
      );
      let done = false;
      void renewals.finally(() => (done = true));
      let calls = 0;
      const failures: string[] = [];
      let slowest = 0;
      while (!done) {
        const started = performance.now();
        try {
          const out = await caller.call('echo-c', 'echo', new TextEncoder().encode(`n${calls}`), {
            timeoutMs: 10_000,
          });
          assert.equal(new TextDecoder().decode(out), `n${calls}`);
        } catch (err) {
          failures.push(String(err));
        }
        slowest = Math.max(slowest, performance.now() - started);
        calls++;
        await new Promise((r) => setTimeout(r, 20)); // a steady trickle, not a flood
      }
      await renewals;
      const renewed = (await logOf(pageOf('c'))).filter((l) => l.includes('credentials renewed'));
      console.log(
        `tab c: ${calls} calls during ${renewed.length} renewals, ${failures.length} failed, slowest ${Math.round(slowest)} ms; ${renewed.join(' | ')}`,
      );
      assert.deepEqual(failures, []);
      assert.ok(calls > 20, `${calls} calls`);
      const renewedJwt = await jwtOfC();
      assert.ok(renewedJwt && renewedJwt !== firstJwt, 'the connection runs on a new JWT');
      const [was, now] = [firstJwt, renewedJwt].map((j) => decode(j) as unknown as TabClaims);
      assert.equal(now?.sub, was?.sub, 'the same user: the host id did not change');
      assert.ok((now?.exp ?? 0) > (was?.exp ?? 0));
      assert.ok(
        !events.seen.some((e) => e.type === 'host_lost' && e.event.data.hostId === c),
        'renewal is not a host loss',
      );

      // Evicted: the next renewal is refused, and the tab leaves while its JWT is still good.
      const evictedAt = performance.now();
      join2.evict(c, 'evicted by the test');
      const stopped = await events.waitFor('host_stopped', (d) => d.hostId === c, 10_000);
      await pageOf('c').waitForSelector('#state[data-state="error"]', { timeout: 5000 });
      const problems = (await pageOf('c').textContent('#problems')) ?? '';
      assert.match(problems, /refused to renew this tab's credentials: .*evicted by the test/);
      console.log(
        `tab c evicted: host_stopped ${Math.round(stopped.atMs - evictedAt)} ms after evict()`,
      );
      assert.equal(await jwtOfC(), '', 'its connection is closed');
      assert.ok(!events.seen.some((e) => e.type === 'host_lost' && e.event.data.hostId === c));
    });

    it('closing a page is a host loss: host_lost, and its work stays with the other tab', async () => {
      const closedAt = performance.now();
      await pageOf('a').close();
      const lost = await events.waitFor('host_lost', (d) => d.hostId === tabs.a.id, 15_000);
      const lostMs = lost.atMs - closedAt;
      console.log(`after closing tab a: host_lost at ${Math.round(lostMs)} ms`);
      const res = await fetch(`http://127.0.0.1:${httpPort}/three`);
      assert.equal(res.status, 200, 'echo in tab b serves the HTTP requests');
      assert.equal(res.headers.get('x-visits'), '3');
      assert.ok(lostMs <= 3500, `host_lost ${Math.round(lostMs)} ms after the tab closed`);
    });
  },
);

/** The headers of a call to `operation`, as a caller sends them. */
function headersFor(operation: string): MsgHdrs {
  const h = natsHeaders();
  h.set(CALL_HEADERS.operation, operation);
  return h;
}
