import type { NatsConnection } from '@nats-io/nats-core';
import { decodeJson, encodeJson } from './codec.ts';
import { LatticePolicy, SealedSecret } from './schemas.ts';
import { Kvm } from '@nats-io/kv';
import { latticeJetStream } from './jetstream.ts';
import { openKvBucket, watchBucket } from './state.ts';
import { bucketsFor } from './subjects.ts';

/**
 * The lattice's security bucket, watched: the policy and the sealed secrets. Values are only
 * ever sealed here; opening a secret needs the secrets key, which only hosts hold.
 */
export interface SecurityState {
  /** The current policy; undefined when none was ever written. */
  policy(): LatticePolicy | undefined;
  /** A sealed secret by name. */
  secret(name: string): SealedSecret | undefined;
  secretNames(): string[];
  putPolicy(policy: LatticePolicy): Promise<void>;
  putSecret(secret: SealedSecret): Promise<void>;
  /** False when there was no such secret. */
  deleteSecret(name: string): Promise<boolean>;
  /** Resolves once the initial values have been read. */
  ready(): Promise<void>;
  onChange(listener: (kind: 'policy' | 'secret', key: string) => void): () => void;
  stop(): Promise<void>;
}

const POLICY_KEY = 'policy';
const secretKey = (name: string): string => `secret.${name}`;

/**
 * Opens (creating when needed) and watches the security bucket of `lattice`. With
 * `create: false` it only opens an existing bucket (for readers whose credentials may not create
 * streams), failing when there is none.
 */
export async function openSecurityState(
  nc: NatsConnection,
  lattice: string,
  options: { create?: boolean } = {},
): Promise<SecurityState> {
  const name = bucketsFor(lattice).security;
  const kv =
    options.create === false
      ? await new Kvm(latticeJetStream(nc)).open(name)
      : await openKvBucket(nc, name, 1);
  let policy: LatticePolicy | undefined;
  const secrets = new Map<string, SealedSecret>();
  const listeners = new Set<(kind: 'policy' | 'secret', key: string) => void>();
  const { watch, initialPending } = await watchBucket(nc, kv, name);
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((r) => (resolveReady = r));
  let seen = 0;
  if (initialPending === 0) resolveReady();
  void (async () => {
    for await (const e of watch) {
      const deleted = e.operation === 'DEL' || e.operation === 'PURGE';
      const kind = e.key === POLICY_KEY ? 'policy' : 'secret';
      try {
        if (e.key === POLICY_KEY) {
          policy = deleted ? undefined : decodeJson(e.value, LatticePolicy, 'lattice policy');
        } else if (e.key.startsWith('secret.')) {
          const name = e.key.slice('secret.'.length);
          if (deleted) secrets.delete(name);
          else secrets.set(name, decodeJson(e.value, SealedSecret, `secret ${name}`));
        }
      } catch {
        // A malformed entry written by something else: the old value stays unusable, not wrong.
        if (e.key === POLICY_KEY) policy = undefined;
        else secrets.delete(e.key.slice('secret.'.length));
      }
      for (const l of listeners) l(kind, e.key);
      if (++seen >= initialPending || e.delta === 0) resolveReady();
    }
  })();
  return {
    policy: () => policy,
    secret: (name) => secrets.get(name),
    secretNames: () => [...secrets.keys()].sort(),
    putPolicy: async (p) => {
      await kv.put(POLICY_KEY, encodeJson(LatticePolicy.parse(p)));
    },
    putSecret: async (s) => {
      await kv.put(secretKey(s.name), encodeJson(SealedSecret.parse(s)));
    },
    deleteSecret: async (name) => {
      if (!(await kv.get(secretKey(name)))?.length) return false;
      await kv.delete(secretKey(name));
      return true;
    },
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

/** A security state with no policy and no secrets, for a host that cannot read the bucket. */
export function noSecurityState(): SecurityState {
  return {
    policy: () => undefined,
    secret: () => undefined,
    secretNames: () => [],
    putPolicy: () => Promise.reject(new Error('the security bucket is not readable here')),
    putSecret: () => Promise.reject(new Error('the security bucket is not readable here')),
    deleteSecret: () => Promise.resolve(false),
    ready: () => Promise.resolve(),
    onChange: () => () => undefined,
    stop: () => Promise.resolve(),
  };
}
