import type { NatsConnection } from '@nats-io/nats-core';
import { Objm } from '@nats-io/obj';
import { AloftError } from '../support/index.ts';
import { bucketsFor } from './subjects.ts';
import { replicasFor } from './replicas.ts';
import { latticeJetStream } from './jetstream.ts';

/** Lower-case hex sha256 of `bytes`. */
export async function sha256Of(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Stores component bytes in the lattice's object store under their sha256 and returns the
 * reference `sha256:<hex>` that hosts accept. Storing the same bytes twice is a no-op.
 */
export async function putArtifact(
  nc: NatsConnection,
  lattice: string,
  bytes: Uint8Array,
): Promise<string> {
  const hex = await sha256Of(bytes);
  const store = await new Objm(latticeJetStream(nc)).create(bucketsFor(lattice).artifacts, {
    replicas: replicasFor(nc),
  });
  const existing = await store.info(hex);
  if (!existing || existing.deleted) await store.putBlob({ name: hex }, bytes);
  return `sha256:${hex}`;
}

/**
 * Fetches the bytes stored under `sha256:<hex>` and verifies them against the digest.
 *
 * @throws {AloftError} `ARTIFACT_NOT_FOUND`, or `ARTIFACT_DIGEST_MISMATCH` when the bytes differ.
 */
export async function getArtifact(
  nc: NatsConnection,
  lattice: string,
  ref: string,
): Promise<Uint8Array> {
  const hex = ref.replace(/^sha256:/, '');
  const store = await new Objm(latticeJetStream(nc))
    .open(bucketsFor(lattice).artifacts)
    .catch(() => undefined);
  const bytes = store ? await store.getBlob(hex) : null;
  if (!bytes) {
    throw new AloftError('ARTIFACT_NOT_FOUND', `no artifact ${ref} in lattice ${lattice}'s store`, {
      hint: 'upload it with "aloft push <file.wasm>"',
    });
  }
  const actual = await sha256Of(bytes);
  if (actual !== hex) {
    throw new AloftError('ARTIFACT_DIGEST_MISMATCH', `artifact ${ref} has digest sha256:${actual}`);
  }
  return bytes;
}
