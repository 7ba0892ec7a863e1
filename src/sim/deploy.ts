import { join, resolve } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { watchHosts } from '../lattice/index.ts';
import { openAppStore } from '../reconciler/index.ts';
import { writeFileSync } from 'node:fs';
import { buildComponent, validateComponent } from '../runtime/index.ts';
import { signComponent } from '../security/index.ts';
import { simIssuer } from './keys.ts';
import { AloftError } from '../support/index.ts';
import type { SimState } from './state.ts';

const root = resolve(import.meta.dirname, '..', '..');

/** The response header the simulation's ingresses add: which host (and cloud) ran the component. */
export const SERVED_BY_HEADER = 'aloft-served-by';

/** The sample application's name and its component's name. */
export const SAMPLE = { app: 'sim-counter', component: 'counter' } as const;

/**
 * Builds the sample application (`examples/counter`: HTTP, key-value, messaging; cached by content
 * hash) and deploys it: the counter spread evenly over the clouds' worker hosts (a lost cloud's
 * share is re-placed on the survivors and comes back when it returns), key-value (JetStream, R3
 * across clouds in the stretched cluster) and messaging providers on every worker, and one
 * http-server provider per cloud on that cloud's ingress host. Resolves once every instance runs.
 */
export async function deploySample(
  state: SimState,
  nc: NatsConnection,
  progress: (line: string) => void = () => undefined,
  options: { cacheDir?: string } = {},
): Promise<void> {
  const dir = state.dataDir;
  progress('building the sample application (cached after the first build)…');
  const built = await buildComponent({
    entry: join(root, 'examples', 'counter', 'index.ts'),
    cacheDir: options.cacheDir ?? join(dir, 'cache', 'components'),
    outFile: join(dir, 'sim', 'counter.wasm'),
  });
  const image = built.path ?? join(dir, 'sim', 'counter.wasm');
  // Hosts of the simulation run signed components only, as in production.
  const signed = await signComponent(built.component, {
    issuerSeed: simIssuer(dir).seed,
    name: SAMPLE.component,
    caps: validateComponent(built.component).capabilities,
  });
  writeFileSync(image, signed.bytes);
  const clouds = Object.keys(state.clouds);
  const total = clouds.length * state.hostsPerCloud;
  const ingress: Record<string, string> = {};
  for (const [cloud, c] of Object.entries(state.clouds)) {
    if (c.ingress) ingress[cloud] = c.ingress.listen;
  }
  const manifest = counterManifest({
    app: SAMPLE.app,
    version: built.key.slice(0, 12),
    image,
    instances: total,
    ingress,
  });
  const apps = await openAppStore(nc, state.lattice);
  const stored = await apps.put(manifest, `${SAMPLE.app}.yaml`);
  await apps.deploy(stored.app, stored.version);
  progress(
    `deployed ${SAMPLE.app}: ${total} instances of ${SAMPLE.component} over ${clouds.join(', ')}, an HTTP ingress in each`,
  );
  const view = await watchHosts(nc, { lattice: state.lattice });
  const ready = (): boolean => {
    const hosts = view.entries();
    const instances = hosts.reduce((n, e) => n + (e.components[SAMPLE.component] ?? 0), 0);
    const ingresses = hosts.filter(
      (e) => e.labels.role === 'ingress' && e.providers.includes(`http-${e.labels.cloud ?? ''}`),
    ).length;
    return instances >= total && ingresses >= Object.keys(ingress).length;
  };
  try {
    await view.waitFor(ready, 120_000);
  } catch {
    throw new AloftError(
      'TIMEOUT',
      `the sample application did not reach ${total} instances and its ingresses within 120 s`,
      { hint: `see the logs in ${join(dir, 'sim', 'logs')}` },
    );
  } finally {
    await view.stop();
  }
}

const spreads = (clouds: string[], extra: string[]): string[] =>
  clouds.flatMap((c) => [
    `              - name: ${c}`,
    '                requirements:',
    `                  cloud: ${c}`,
    ...extra.map((e) => `                  ${e}`),
    '                weight: 1',
  ]);

/**
 * The simulation's counter application (wadm's OAM shape): `instances` counters spread evenly
 * over the clouds' worker hosts, key-value and messaging on every worker, and one http-server
 * provider per cloud (`http-<cloud>`, listening at `ingress[cloud]`) on that cloud's ingress host.
 */
export function counterManifest(o: {
  app: string;
  version: string;
  image: string;
  instances: number;
  /** Listen address of each cloud's ingress. */
  ingress: Record<string, string>;
}): string {
  const clouds = Object.keys(o.ingress);
  const daemon = (name: string, image: string, config: string[]): string[] => [
    `    - name: ${name}`,
    '      type: capability',
    '      properties:',
    `        image: ${image}`,
    ...config,
    '      traits:',
    '        - type: daemonscaler',
    '          properties:',
    '            instances: 1',
    '            spread:',
    '              - name: workers',
    '                requirements:',
    '                  role: worker',
  ];
  return [
    'apiVersion: core.oam.dev/v1beta1',
    'kind: Application',
    'metadata:',
    `  name: ${o.app}`,
    '  annotations:',
    `    version: ${o.version}`,
    'spec:',
    '  components:',
    `    - name: ${SAMPLE.component}`,
    '      type: component',
    '      properties:',
    `        image: ${o.image}`,
    '      traits:',
    '        - type: spreadscaler',
    '          properties:',
    `            instances: ${o.instances}`,
    '            spread:',
    ...spreads(clouds, ['role: worker']),
    '        - type: link',
    '          properties:',
    '            target:',
    '              name: kv',
    '            namespace: wasi',
    '            package: keyvalue',
    '            interfaces: [store, atomics]',
    '        - type: link',
    '          properties:',
    '            target:',
    '              name: messaging',
    '            namespace: wasmcloud',
    '            package: messaging',
    '            interfaces: [consumer]',
    ...daemon('kv', 'aloft:keyvalue-nats', []),
    ...daemon('messaging', 'aloft:messaging-nats', []),
    ...clouds.flatMap((c) => [
      `    - name: http-${c}`,
      '      type: capability',
      '      properties:',
      '        image: aloft:http-server',
      '        config:',
      `          - name: http-${c}-listen`,
      '            properties:',
      `              address: "${o.ingress[c] ?? ''}"`,
      `              served_by_header: ${SERVED_BY_HEADER}`,
      '              request_timeout_ms: "20000"',
      '      traits:',
      '        - type: daemonscaler',
      '          properties:',
      '            instances: 1',
      '            spread:',
      `              - name: ${c}`,
      '                requirements:',
      `                  cloud: ${c}`,
      '                  role: ingress',
      '        - type: link',
      '          properties:',
      '            target:',
      `              name: ${SAMPLE.component}`,
      '            namespace: wasi',
      '            package: http',
      '            interfaces: [incoming-handler]',
    ]),
    '',
  ].join('\n');
}

/**
 * A manifest that spreads `instances` of one component evenly over hosts labelled with each of
 * `clouds` (wadm's OAM shape).
 */
export function spreadManifest(o: {
  app: string;
  version: string;
  component: string;
  image: string;
  instances: number;
  clouds: string[];
}): string {
  return [
    'apiVersion: core.oam.dev/v1beta1',
    'kind: Application',
    'metadata:',
    `  name: ${o.app}`,
    '  annotations:',
    `    version: ${o.version}`,
    'spec:',
    '  components:',
    `    - name: ${o.component}`,
    '      type: component',
    '      properties:',
    `        image: ${o.image}`,
    '      traits:',
    '        - type: spreadscaler',
    '          properties:',
    `            instances: ${o.instances}`,
    '            spread:',
    ...spreads(o.clouds, []),
    '',
  ].join('\n');
}
