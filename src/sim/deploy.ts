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

/**
 * Builds the sample component (cached by content hash) and deploys it as an application spread
 * evenly over the clouds, so the reconciler re-places a lost cloud's share on the survivors
 * (fallback) and moves it back when the cloud returns.
 */
export async function deploySample(
  state: SimState,
  nc: NatsConnection,
  component: string,
  progress: (line: string) => void = () => undefined,
): Promise<void> {
  const dir = state.dataDir;
  progress('building the sample component (cached after the first build)…');
  const built = await buildComponent({
    entry: join(root, 'examples', 'echo-as', 'index.ts'),
    cacheDir: join(dir, 'cache', 'components'),
    outFile: join(dir, 'sim', 'echo.wasm'),
  });
  const image = built.path ?? join(dir, 'sim', 'echo.wasm');
  // Hosts of the simulation run signed components only, as in production.
  const signed = await signComponent(built.component, {
    issuerSeed: simIssuer(dir).seed,
    name: component,
    caps: validateComponent(built.component).capabilities,
  });
  writeFileSync(image, signed.bytes);
  const clouds = Object.keys(state.clouds);
  const total = clouds.length * state.hostsPerCloud;
  const manifest = spreadManifest({
    app: 'sim-echo',
    version: built.key.slice(0, 12),
    component,
    image,
    instances: total,
    clouds,
  });
  const apps = await openAppStore(nc, state.lattice);
  const stored = await apps.put(manifest, 'sim-echo.yaml');
  await apps.deploy(stored.app, stored.version);
  progress(
    `deployed application sim-echo: ${total} instances of ${component} spread over ${clouds.join(', ')}`,
  );
  const view = await watchHosts(nc, { lattice: state.lattice });
  try {
    await view.waitFor(
      (v) => v.entries().reduce((n, e) => n + (e.components[component] ?? 0), 0) >= total,
      120_000,
    );
  } catch {
    throw new AloftError(
      'TIMEOUT',
      `the sample application did not reach ${total} instances within 120 s`,
      {
        hint: `see the logs in ${join(dir, 'sim', 'logs')}`,
      },
    );
  } finally {
    await view.stop();
  }
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
    ...o.clouds.flatMap((c) => [
      `              - name: ${c}`,
      '                requirements:',
      `                  cloud: ${c}`,
      '                weight: 1',
    ]),
    '',
  ].join('\n');
}
