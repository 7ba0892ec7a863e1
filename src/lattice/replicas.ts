import type { NatsConnection } from '@nats-io/nats-core';

/**
 * Replicas for the lattice's JetStream state: 3 when the server is part of a cluster of at least
 * three (it advertises its peers' client URLs), else 1.
 */
export function replicasFor(nc: NatsConnection): number {
  const info = nc.info;
  const peers = new Set(info?.connect_urls ?? []);
  return info?.cluster && peers.size >= 3 ? 3 : 1;
}
