import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm, type KV } from '@nats-io/kv';
import { delay } from '../support/index.ts';
import { decodeJson, encodeJson } from './codec.ts';
import { Link } from './schemas.ts';
import { bucketsFor } from './subjects.ts';
import { replicasFor } from './replicas.ts';
import { latticeJetStream } from './jetstream.ts';
import { permissionViolation, toLatticeError } from './rpc.ts';
import { credentialsOf, describeCredentials } from './credentials.ts';
import { z } from 'zod';

const ConfigValues = z.record(z.string(), z.string());

/** The lattice's shared, replicated state: links and named config, in JetStream KV. */
export interface LatticeState {
  putLink(link: Link): Promise<void>;
  deleteLink(source: string, iface: string, name: string): Promise<boolean>;
  putConfig(name: string, values: Record<string, string>): Promise<void>;
  deleteConfig(name: string): Promise<boolean>;
  /** The current local copy (kept up to date by the watch). */
  links(): Link[];
  config(name: string): Record<string, string> | undefined;
  configNames(): string[];
  /**
   * Claims JWTs of components that some host verified and runs (key `claims.<component>`), so a
   * link can be checked against what the component may use. Readers verify them again.
   */
  putClaims(component: string, jwt: string): Promise<void>;
  claims(component: string): string | undefined;
  /** Resolves once the initial values have been read. */
  ready(): Promise<void>;
  onChange(listener: (kind: 'link' | 'config' | 'claims', key: string) => void): () => void;
  stop(): Promise<void>;
}

const keyPart = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '_');
export const linkKey = (source: string, iface: string, name: string): string =>
  `link.${keyPart(source)}.${keyPart(iface)}.${keyPart(name)}`;
const configKey = (name: string): string => `config.${keyPart(name)}`;
const claimsKey = (name: string): string => `claims.${keyPart(name)}`;

/** Opens (creating when needed) the state bucket; R3 when the cluster has three servers. */
export function openStateBucket(nc: NatsConnection, lattice: string): Promise<KV> {
  return openKvBucket(nc, bucketsFor(lattice).state, 1);
}

/**
 * Opens (creating when needed) one of the lattice's KV buckets, R3 when the cluster has three
 * servers, retrying for a few seconds while a freshly formed cluster answers "no suitable peers"
 * or is still electing.
 *
 * @throws {LatticeError} `PERMISSION_DENIED` at once when the credentials may not use the bucket.
 */
export async function openKvBucket(
  nc: NatsConnection,
  name: string,
  history: number,
  attempts = 51,
): Promise<KV> {
  const kvm = new Kvm(latticeJetStream(nc));
  for (let attempt = 1; ; attempt++) {
    try {
      return await kvm.create(name, { replicas: replicasFor(nc), history });
    } catch (err) {
      // A refusal by the credentials will not change with time: say so at once.
      if (permissionViolation(err)) {
        throw toLatticeError(err, `bucket ${name}`, 0, describeCredentials(credentialsOf(nc)));
      }
      if (attempt >= attempts) throw err;
      await delay(100);
    }
  }
}

/**
 * Watches every key of a bucket and reads how many values it holds (to know when the watch has
 * caught up), retrying for a few seconds: right after a bucket is created, a clustered server may
 * not know its stream yet ("stream not found"), and a process starting then must wait, not fail.
 *
 * @throws {LatticeError} `PERMISSION_DENIED` at once when the credentials may not read the bucket.
 */
export async function watchBucket(
  nc: NatsConnection,
  kv: KV,
  name: string,
  attempts = 50,
): Promise<{ watch: Awaited<ReturnType<KV['watch']>>; initialPending: number }> {
  for (let attempt = 1; ; attempt++) {
    let watch: Awaited<ReturnType<KV['watch']>> | undefined;
    try {
      watch = await kv.watch({ key: '>' });
      const initialPending = (await kv.status()).values;
      return { watch, initialPending };
    } catch (err) {
      watch?.stop();
      if (permissionViolation(err)) {
        throw toLatticeError(err, `bucket ${name}`, 0, describeCredentials(credentialsOf(nc)));
      }
      if (attempt >= attempts) throw err;
      await delay(200);
    }
  }
}

/**
 * Opens the lattice state and starts watching it, so every process converges on the same links
 * and config.
 */
export async function openLatticeState(nc: NatsConnection, lattice: string): Promise<LatticeState> {
  const kv = await openStateBucket(nc, lattice);
  const links = new Map<string, Link>();
  const configs = new Map<string, Record<string, string>>();
  const claims = new Map<string, string>();
  const listeners = new Set<(kind: 'link' | 'config' | 'claims', key: string) => void>();
  // An empty bucket yields no entries: read the initial state's size to know when we are current.
  const { watch, initialPending } = await watchBucket(nc, kv, bucketsFor(lattice).state);
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((r) => (resolveReady = r));
  let seen = 0;
  if (initialPending === 0) resolveReady();
  void (async () => {
    for await (const e of watch) {
      const isLink = e.key.startsWith('link.');
      const deleted = e.operation === 'DEL' || e.operation === 'PURGE';
      try {
        if (isLink) {
          if (deleted) links.delete(e.key);
          else links.set(e.key, decodeJson(e.value, Link, `link ${e.key}`));
        } else if (e.key.startsWith('config.')) {
          const name = e.key.slice('config.'.length);
          if (deleted) configs.delete(name);
          else configs.set(name, decodeJson(e.value, ConfigValues, `config ${name}`));
        } else if (e.key.startsWith('claims.')) {
          const name = e.key.slice('claims.'.length);
          if (deleted) claims.delete(name);
          else claims.set(name, new TextDecoder().decode(e.value));
        }
      } catch {
        // a malformed entry written by something else: skip it
      }
      const kind = isLink ? 'link' : e.key.startsWith('claims.') ? 'claims' : 'config';
      for (const l of listeners) l(kind, e.key);
      if (++seen >= initialPending || e.delta === 0) resolveReady();
    }
  })();

  return {
    putLink: async (link) => {
      await kv.put(linkKey(link.source, link.interface, link.name), encodeJson(link));
    },
    deleteLink: async (source, iface, name) => {
      const key = linkKey(source, iface, name);
      if (!(await kv.get(key))?.length) return false;
      await kv.delete(key);
      return true;
    },
    putConfig: async (name, values) => {
      await kv.put(configKey(name), encodeJson(values));
    },
    deleteConfig: async (name) => {
      if (!(await kv.get(configKey(name)))?.length) return false;
      await kv.delete(configKey(name));
      return true;
    },
    putClaims: async (component, jwt) => {
      if (claims.get(keyPart(component)) === jwt) return;
      await kv.put(claimsKey(component), new TextEncoder().encode(jwt));
    },
    claims: (component) => claims.get(keyPart(component)),
    links: () => [...links.values()],
    config: (name) => configs.get(name),
    configNames: () => [...configs.keys()],
    ready: () => readyPromise,
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    stop: async () => {
      watch.stop();
      listeners.clear();
      await Promise.resolve();
    },
  };
}
