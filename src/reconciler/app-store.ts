import type { NatsConnection } from '@nats-io/nats-core';
import { z } from 'zod';
import { bucketsFor, decodeJson, encodeJson, openKvBucket, sha256Of } from '../lattice/index.ts';
import { AloftError } from '../support/index.ts';
import { ManifestError } from './errors.ts';
import { parseManifest } from './manifest/parse.ts';
import type { DesiredApp } from './model.ts';

/**
 * Applications in JetStream KV (`aloft_<lattice>_apps`): every version's manifest text, stored
 * once and never changed (`manifest.<app>.<version>`), and the deployment record
 * (`deployment.<app>`: the deployed version, whether it is deployed, and the history).
 */
const Deployment = z.object({
  app: z.string(),
  version: z.string(),
  deployed: z.boolean(),
  history: z.array(z.object({ version: z.string(), action: z.string(), at: z.string() })),
});
export type Deployment = z.infer<typeof Deployment>;

const StoredManifest = z.object({
  app: z.string(),
  version: z.string(),
  file: z.string(),
  text: z.string(),
  storedAt: z.string(),
});
export type StoredManifest = z.infer<typeof StoredManifest>;

const keyPart = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '_');
const manifestKey = (app: string, version: string): string =>
  `manifest.${keyPart(app)}.${keyPart(version)}`;
const deploymentKey = (app: string): string => `deployment.${keyPart(app)}`;

export interface AppStore {
  /** Validates and stores a manifest version. Storing identical text again is a no-op; different text under an existing version is refused. */
  put(text: string, file: string): Promise<{ app: string; version: string; warnings: string[] }>;
  /** Marks `version` (default: the newest stored) as the deployed one. */
  deploy(app: string, version?: string): Promise<Deployment>;
  undeploy(app: string): Promise<Deployment>;
  /** Deploys the version deployed before the current one. */
  rollback(app: string): Promise<Deployment>;
  /** Removes the app's manifests and deployment (undeploy first to stop its workloads). */
  delete(app: string): Promise<void>;
  list(): Promise<Deployment[]>;
  versions(app: string): Promise<StoredManifest[]>;
  deployment(app: string): Promise<Deployment | undefined>;
  /** Every app with a deployment record, as the reconciler's desired state. */
  desired(): Promise<DesiredApp[]>;
  /** Resolves on every change to the bucket. */
  watch(onChange: () => void): Promise<() => void>;
  /**
   * A live, in-memory copy of the desired state, kept current by a watch: reconciliation reads
   * it without touching JetStream, so it keeps deciding while a stream elects a new leader.
   */
  watchDesired(onChange: () => void): Promise<{ current(): DesiredApp[]; stop(): void }>;
}

export async function openAppStore(nc: NatsConnection, lattice: string): Promise<AppStore> {
  const kv = await openKvBucket(nc, bucketsFor(lattice).apps, 5);
  const getJson = async <T extends z.ZodType>(
    key: string,
    schema: T,
  ): Promise<z.infer<T> | undefined> => {
    const e = await kv.get(key);
    if (!e || e.operation !== 'PUT' || e.length === 0) return undefined;
    return decodeJson(e.value, schema, key);
  };
  const versions = async (app: string): Promise<StoredManifest[]> => {
    const out: StoredManifest[] = [];
    for await (const key of await kv.keys(`manifest.${keyPart(app)}.*`)) {
      const m = await getJson(key, StoredManifest);
      if (m) out.push(m);
    }
    return out.sort((a, b) => a.storedAt.localeCompare(b.storedAt));
  };
  const deployment = (app: string): Promise<Deployment | undefined> =>
    getJson(deploymentKey(app), Deployment);
  const record = async (
    app: string,
    version: string,
    deployed: boolean,
    action: string,
  ): Promise<Deployment> => {
    const prev = await deployment(app);
    const d: Deployment = {
      app,
      version,
      deployed,
      history: [...(prev?.history ?? []), { version, action, at: new Date().toISOString() }].slice(
        -50,
      ),
    };
    await kv.put(deploymentKey(app), encodeJson(d));
    return d;
  };
  const requireVersion = async (app: string, version: string | undefined): Promise<string> => {
    const all = await versions(app);
    if (all.length === 0) {
      throw new AloftError('NOT_FOUND', `no application ${app}`, {
        hint: `store it first with "aloft app put <file>"`,
      });
    }
    if (version === undefined) return all[all.length - 1]?.version ?? '';
    if (!all.some((m) => m.version === version)) {
      throw new AloftError(
        'NOT_FOUND',
        `application ${app} has no version ${version} (has: ${all.map((m) => m.version).join(', ')})`,
      );
    }
    return version;
  };

  return {
    async put(text, file) {
      const parsed = parseManifest(text, file);
      if (!parsed.ok) throw new ManifestError(file, [...parsed.errors, ...parsed.warnings]);
      const app = parsed.manifest.name;
      const version =
        parsed.manifest.version ??
        `v-${(await sha256Of(new TextEncoder().encode(text))).slice(0, 12)}`;
      const key = manifestKey(app, version);
      const existing = await getJson(key, StoredManifest);
      if (existing && existing.text !== text) {
        throw new AloftError(
          'MANIFEST_VERSION_EXISTS',
          `${app} version ${version} is already stored with different content; versions are immutable`,
          {
            hint: 'raise metadata.annotations.version',
          },
        );
      }
      if (!existing) {
        await kv.put(
          key,
          encodeJson({ app, version, file, text, storedAt: new Date().toISOString() }),
        );
      }
      return {
        app,
        version,
        warnings: parsed.warnings.map(
          (w) => `${w.file}:${w.line}:${w.column} ${w.path}: ${w.message}`,
        ),
      };
    },
    async deploy(app, version) {
      return record(app, await requireVersion(app, version), true, 'deploy');
    },
    async undeploy(app) {
      const d = await deployment(app);
      if (!d) throw new AloftError('NOT_FOUND', `application ${app} is not deployed`);
      return record(app, d.version, false, 'undeploy');
    },
    async rollback(app) {
      const d = await deployment(app);
      const deploys = (d?.history ?? []).filter(
        (h) => h.action === 'deploy' || h.action === 'rollback',
      );
      const current = d?.version;
      const previous = [...deploys].reverse().find((h) => h.version !== current);
      if (!previous)
        throw new AloftError(
          'NOT_FOUND',
          `application ${app} has no earlier deployed version to roll back to`,
        );
      return record(app, previous.version, true, 'rollback');
    },
    async delete(app) {
      const d = await deployment(app);
      if (d?.deployed) {
        throw new AloftError('APP_DEPLOYED', `application ${app} is deployed`, {
          hint: `undeploy it first: aloft app undeploy ${app}`,
        });
      }
      for (const m of await versions(app)) await kv.purge(manifestKey(app, m.version));
      await kv.purge(deploymentKey(app));
    },
    async list() {
      const out: Deployment[] = [];
      for await (const key of await kv.keys('deployment.*')) {
        const d = await getJson(key, Deployment);
        if (d) out.push(d);
      }
      return out.sort((a, b) => a.app.localeCompare(b.app));
    },
    versions,
    deployment,
    async desired() {
      const out: DesiredApp[] = [];
      for await (const key of await kv.keys('deployment.*')) {
        const d = await getJson(key, Deployment);
        if (!d) continue;
        const m = await getJson(manifestKey(d.app, d.version), StoredManifest);
        if (!m) continue;
        const parsed = parseManifest(m.text, m.file);
        if (parsed.ok)
          out.push({ manifest: parsed.manifest, version: d.version, deployed: d.deployed });
      }
      return out;
    },
    async watchDesired(onChange) {
      const deployments = new Map<string, Deployment>();
      const manifests = new Map<string, StoredManifest>();
      const parsed = new Map<string, DesiredApp['manifest'] | null>();
      const w = await kv.watch({ key: '>' });
      void (async () => {
        for await (const e of w) {
          const gone = e.operation !== 'PUT' || e.length === 0;
          try {
            if (e.key.startsWith('deployment.')) {
              if (gone) deployments.delete(e.key);
              else deployments.set(e.key, decodeJson(e.value, Deployment, e.key));
            } else if (e.key.startsWith('manifest.')) {
              if (gone) manifests.delete(e.key);
              else manifests.set(e.key, decodeJson(e.value, StoredManifest, e.key));
              parsed.delete(e.key);
            } else {
              continue;
            }
          } catch {
            continue; // an entry written by something else
          }
          onChange();
        }
      })();
      return {
        current: () => {
          const out: DesiredApp[] = [];
          for (const d of deployments.values()) {
            const key = manifestKey(d.app, d.version);
            const m = manifests.get(key);
            if (!m) continue;
            if (!parsed.has(key)) {
              const r = parseManifest(m.text, m.file);
              parsed.set(key, r.ok ? r.manifest : null);
            }
            const manifest = parsed.get(key);
            if (manifest) out.push({ manifest, version: d.version, deployed: d.deployed });
          }
          return out;
        },
        stop: () => w.stop(),
      };
    },
    async watch(onChange) {
      const w = await kv.watch({ key: '>', include: 'updates' });
      void (async () => {
        for await (const _e of w) onChange();
      })();
      return () => w.stop();
    },
  };
}
