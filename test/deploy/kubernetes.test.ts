import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { command as hostCommand } from '../../src/cli/commands/host.ts';
import { command as reconcilerCommand } from '../../src/cli/commands/reconciler.ts';
import { parseNatsUrls } from '../../src/cli/nats-url.ts';
import { LIVENESS } from '../../src/nats/index.ts';
import { REGIONS } from '../../src/sim/index.ts';
import { HEALTH_PATHS } from '../../src/telemetry/index.ts';

type Obj = Record<string, unknown>;
const root = resolve(import.meta.dirname, '..', '..');
const k8s = join(root, 'deploy', 'kubernetes');
const CLOUDS = ['aws', 'azure', 'gcp'];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Every YAML document under deploy/kubernetes, parsed strictly (a syntax error fails here). */
const docs = walk(k8s)
  .filter((f) => /\.ya?ml$/.test(f))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8')).map((d, i) => {
      assert.deepEqual(d.errors, [], `${relative(root, file)} document ${i + 1}`);
      return { file: relative(k8s, file), doc: d.toJS() as Obj };
    }),
  );
const at = (o: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], o);
const one = (file: string, kind?: string): Obj => {
  const found = docs.filter((d) => d.file === file && (!kind || d.doc.kind === kind));
  assert.equal(found.length, 1, `${file}${kind ? ` ${kind}` : ''}`);
  return found[0]?.doc ?? {};
};
const overlays = readdirSync(join(k8s, 'overlays')).sort();
/** An overlay's aloft-cloud ConfigMap literals. */
const cloudConfig = (cloud: string): Record<string, string> => {
  const gen = at(one(`overlays/${cloud}/kustomization.yaml`), 'configMapGenerator') as Obj[];
  const cm = gen.find((g) => g.name === 'aloft-cloud');
  return Object.fromEntries(
    ((cm?.literals ?? []) as string[]).map((l) => [
      l.slice(0, l.indexOf('=')),
      l.slice(l.indexOf('=') + 1),
    ]),
  );
};

const deployments = docs.filter((d) => d.doc.kind === 'Deployment');
const containerOf = (name: string): Obj => {
  const dep = deployments.find((d) => at(d.doc, 'metadata', 'name') === name);
  assert.ok(dep, `Deployment ${name}`);
  return at(dep.doc, 'spec', 'template', 'spec', 'containers', 0) as Obj;
};

/** Splits `aloft` args into the verb and its flags (with their values), as parseArgs reads them. */
function flags(args: string[]): { verb: string; flags: [string, string | undefined][] } {
  const [verb = '', ...rest] = args;
  const out: [string, string | undefined][] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] ?? '';
    assert.ok(a.startsWith('--'), `${verb}: unexpected positional argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) out.push([a.slice(2, eq), a.slice(eq + 1)]);
    else out.push([a.slice(2), undefined]);
    const last = out.at(-1);
    if (last && last[1] === undefined && !(rest[i + 1] ?? '--').startsWith('--'))
      last[1] = rest[++i];
  }
  return { verb, flags: out };
}

/** Expands `$(VAR)` as the kubelet does, from the container's env and the cloud's ConfigMap. */
function expand(value: string, container: Obj, cloud: string): string {
  return value.replace(/\$\(([A-Z_]+)\)/g, (_, name: string) => {
    const env = (container.env as Obj[]).find((e) => e.name === name);
    assert.ok(
      env,
      `$(${name}) is defined in the container's env (else the kubelet leaves it as is)`,
    );
    if (typeof env.value === 'string') return env.value;
    const key = at(env, 'valueFrom', 'configMapKeyRef', 'key');
    if (typeof key === 'string') {
      assert.equal(at(env, 'valueFrom', 'configMapKeyRef', 'name'), 'aloft-cloud');
      const v = cloudConfig(cloud)[key];
      assert.ok(v, `overlay ${cloud} defines ${key}`);
      return v;
    }
    assert.equal(at(env, 'valueFrom', 'fieldRef', 'fieldPath'), 'metadata.name');
    return 'pod-0';
  });
}

describe('deploy/kubernetes', () => {
  it('parses, and every object has a kind, a name and what its kind requires', () => {
    assert.ok(docs.length >= 14, `${docs.length} documents`);
    for (const { file, doc } of docs) {
      if (file.startsWith('nats/')) continue; // Helm values, checked below
      assert.ok(doc.kind, `${file}: kind`);
      if (doc.kind !== 'Kustomization') assert.ok(at(doc, 'metadata', 'name'), `${file}: name`);
    }
    for (const { file, doc } of deployments) {
      const labels = at(doc, 'spec', 'template', 'metadata', 'labels') as Obj;
      for (const [k, v] of Object.entries(at(doc, 'spec', 'selector', 'matchLabels') as Obj))
        assert.equal(labels[k], v, `${file}: the selector matches the pod template`);
      const c = at(doc, 'spec', 'template', 'spec', 'containers', 0) as Obj;
      assert.equal(c.image, 'aloft', `${file}: the image kustomize sets`);
      for (const k of ['requests', 'limits'])
        assert.ok(at(c, 'resources', k, 'memory') && at(c, 'resources', k, 'cpu'), `${file}: ${k}`);
    }
    const images = at(one('base/kustomization.yaml'), 'images') as Obj[];
    assert.deepEqual(
      images.map((i) => i.name),
      ['aloft'],
    );
  });

  it('kustomizations list files that exist', () => {
    for (const { file, doc } of docs.filter((d) => d.doc.kind === 'Kustomization')) {
      for (const r of (doc.resources ?? []) as string[])
        assert.ok(existsSync(join(k8s, dirname(file), r)), `${file}: ${r}`);
    }
  });

  for (const [name, command] of [
    ['aloft-host', hostCommand],
    ['aloft-reconciler', reconcilerCommand],
  ] as const) {
    it(`${name}: every flag it passes exists in the CLI's own option definitions, with a value`, () => {
      const c = containerOf(name);
      const parsed = flags(c.args as string[]);
      assert.equal(parsed.verb, name.replace('aloft-', ''));
      const options = command.options ?? {};
      for (const [flag, value] of parsed.flags) {
        const def = options[flag];
        assert.ok(def, `aloft ${parsed.verb} has no option --${flag}`);
        if (def.type === 'string') assert.ok(value, `--${flag} has a value`);
      }
      for (const cloud of overlays) {
        for (const [flag, value] of parsed.flags) {
          const v = expand(value ?? '', c, cloud);
          if (flag === 'nats-url') assert.doesNotThrow(() => parseNatsUrls(v));
          if (flag === 'label') assert.match(v, /^[a-z]+=[a-z0-9-]+$/);
          if (flag === 'health-port' || flag === 'grace-ms') assert.match(v, /^\d+$/);
        }
      }
    });

    it(`${name}: probes point at the health endpoints on the port it is told to serve`, () => {
      const c = containerOf(name);
      const port = Number(flags(c.args as string[]).flags.find(([f]) => f === 'health-port')?.[1]);
      const named = (c.ports as Obj[]).find((p) => p.name === 'health');
      assert.equal(named?.containerPort, port);
      for (const probe of ['livenessProbe', 'readinessProbe']) {
        assert.equal(at(c, probe, 'httpGet', 'port'), 'health', `${probe} port`);
      }
      assert.equal(at(c, 'livenessProbe', 'httpGet', 'path'), HEALTH_PATHS.live);
      assert.equal(at(c, 'readinessProbe', 'httpGet', 'path'), HEALTH_PATHS.ready);
      // Files the flags name are mounted from the Secrets that hold them.
      const mounts = (c.volumeMounts as Obj[]).map((m) => String(m.mountPath));
      for (const [flag, value] of flags(c.args as string[]).flags) {
        if (['creds', 'tls-ca', 'tls-cert', 'tls-key'].includes(flag))
          assert.ok(mounts.includes(dirname(value ?? '')), `--${flag} ${value} is mounted`);
      }
    });
  }

  it('a host is given time to drain: preStop + --grace-ms fit in terminationGracePeriodSeconds', () => {
    const dep = deployments.find((d) => at(d.doc, 'metadata', 'name') === 'aloft-host')?.doc;
    const c = containerOf('aloft-host');
    const graceMs = Number(flags(c.args as string[]).flags.find(([f]) => f === 'grace-ms')?.[1]);
    const pre = at(c, 'lifecycle', 'preStop', 'exec', 'command') as string[];
    assert.equal(pre[0], 'sleep');
    const budgetMs =
      Number(at(dep, 'spec', 'template', 'spec', 'terminationGracePeriodSeconds')) * 1000;
    assert.ok(graceMs >= 10_000, 'a drain long enough for in-flight calls');
    assert.ok(
      budgetMs >= Number(pre[1]) * 1000 + graceMs + 5000,
      `${budgetMs} ms for the whole stop`,
    );
    assert.equal(at(dep, 'spec', 'strategy', 'rollingUpdate', 'maxUnavailable'), 0);
  });

  it('the clouds agree: overlays, labels, NATS releases and GitOps entries', () => {
    assert.deepEqual(overlays, CLOUDS);
    const nats = readdirSync(join(k8s, 'nats'))
      .map((f) => /^values-(.+)\.yaml$/.exec(f)?.[1])
      .filter(Boolean)
      .sort();
    assert.deepEqual(nats, CLOUDS);
    for (const set of docs.filter((d) => d.doc.kind === 'ApplicationSet')) {
      const els = at(set.doc, 'spec', 'generators', 0, 'list', 'elements') as Obj[];
      assert.deepEqual(
        els.map((e) => e.cloud).sort(),
        CLOUDS,
        `${set.file}: ${String(at(set.doc, 'metadata', 'name'))}`,
      );
      const tpl = JSON.stringify(at(set.doc, 'spec', 'template'));
      for (const path of tpl.match(/deploy\/kubernetes\/[\w/{}.-]+/g) ?? []) {
        for (const cloud of CLOUDS) {
          const p = join(root, path.replace('{{.cloud}}', cloud));
          assert.ok(existsSync(p), `${set.file} refers to ${relative(root, p)}`);
        }
      }
    }
    for (const cloud of overlays) {
      const cfg = cloudConfig(cloud);
      assert.equal(cfg.cloud, cloud);
      assert.equal(cfg.region, REGIONS[cloud], `${cloud}'s region is the one the simulation uses`);
      const k = one(`overlays/${cloud}/kustomization.yaml`);
      assert.deepEqual(at(k, 'resources'), ['../../base']);
      assert.deepEqual(at(k, 'labels', 0, 'pairs'), {
        'aloft.dev/cloud': cloud,
        'aloft.dev/region': REGIONS[cloud],
      });
    }
  });

  it('NATS: one cluster stretched over the clouds, JetStream R3 one per cloud, TLS, accounts, fast pings', () => {
    const common = one('nats/values.yaml');
    assert.equal(at(common, 'config', 'cluster', 'enabled'), true);
    assert.equal(at(common, 'config', 'jetstream', 'enabled'), true);
    assert.equal(at(common, 'config', 'jetstream', 'fileStore', 'enabled'), true);
    assert.equal(at(common, 'config', 'jetstream', 'merge', 'unique_tag'), 'cloud:');
    for (const link of ['cluster', 'nats']) {
      assert.equal(at(common, 'config', link, 'tls', 'enabled'), true, `${link} TLS`);
      assert.equal(
        at(common, 'config', link, 'tls', 'merge', 'verify'),
        true,
        `${link} mutual TLS`,
      );
    }
    const merge = at(common, 'config', 'merge') as Obj;
    assert.equal(merge.ping_interval, LIVENESS.pingInterval);
    assert.equal(merge.ping_max, LIVENESS.pingMax);
    assert.equal(merge.write_deadline, LIVENESS.writeDeadline);
    assert.match(String(merge.operator), /\$NATS_OPERATOR_JWT/);
    assert.match(String(merge.system_account), /\$NATS_SYSTEM_ACCOUNT/);
    assert.equal(at(common, 'config', 'resolver', 'enabled'), true);
    const replicas = Number(at(common, 'config', 'cluster', 'replicas'));
    assert.ok(replicas >= 1);

    // Every release lists the same servers: its own by their in-cluster names, the others' by
    // their names across the interconnect.
    const global = (cloud: string, route: string): string =>
      route.replace(
        /^tls:\/\/nats-(\d)\.nats-headless:6222$/,
        `tls://nats-$1.${cloud}.nats.aloft.internal:6222`,
      );
    const sets = CLOUDS.map((cloud) => {
      const v = one(`nats/values-${cloud}.yaml`);
      assert.equal(at(v, 'config', 'serverNamePrefix'), `${cloud}-`);
      const tags = at(v, 'config', 'merge', 'server_tags') as string[];
      assert.ok(tags.includes(`cloud:${cloud}`), `${cloud} tags its servers with their cloud`);
      assert.ok(tags.includes(`region:${REGIONS[cloud]}`));
      const routes = at(v, 'config', 'cluster', 'merge', 'routes') as string[];
      for (const r of routes) assert.match(r, /^tls:\/\//, 'routes use TLS');
      assert.equal(routes.filter((r) => r.includes('nats-headless')).length, replicas);
      return routes.map((r) => global(cloud, r)).sort();
    });
    assert.equal(sets[0]?.length, replicas * CLOUDS.length);
    assert.deepEqual(sets[1], sets[0]);
    assert.deepEqual(sets[2], sets[0]);
  });

  it('the Dockerfile builds the image the manifests run', () => {
    const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
    assert.match(text, /^FROM node:20[-\w.]*$/m, 'the Node.js major the project targets');
    assert.match(text, /^ENTRYPOINT \["node", "\/opt\/aloft\/bin\/aloft\.js"\]$/m);
    assert.match(text, /^RUN npm ci --omit=dev/m);
    for (const [, src] of text.matchAll(/^COPY (\S+)/gm))
      for (const s of String(src).split(' ')) assert.ok(existsSync(join(root, s)), `COPY ${s}`);
    assert.match(text, /^USER node$/m); // uid 1000 in the node images
    for (const d of deployments)
      assert.equal(at(d.doc, 'spec', 'template', 'spec', 'securityContext', 'runAsUser'), 1000);
    // Every Secret the manifests mount is documented for operators.
    const readme = readFileSync(join(k8s, 'README.md'), 'utf8');
    for (const d of deployments)
      for (const v of at(d.doc, 'spec', 'template', 'spec', 'volumes') as Obj[]) {
        const secret = at(v, 'secret', 'secretName');
        if (typeof secret === 'string')
          assert.ok(readme.includes(`\`${secret}\``), `README documents ${secret}`);
      }
  });
});
