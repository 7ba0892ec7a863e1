import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamOptions } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';

const domains = new WeakMap<NatsConnection, string>();

/**
 * Remembers the JetStream domain a connection must address (`$JS.<domain>.API`): set when the
 * lattice's JetStream runs in a hub that this connection reaches over a leaf node.
 */
export function rememberJetStreamDomain(nc: NatsConnection, domain: string | undefined): void {
  if (domain) domains.set(nc, domain);
}

/** The JetStream domain of a connection, if it has one. */
export function jetStreamDomainOf(nc: NatsConnection): string | undefined {
  return domains.get(nc);
}

/**
 * A JetStream client for the lattice's state: every Aloft process opens KV buckets and object
 * stores through this, so that a connection with a domain (see `connectLattice`'s `jsDomain`)
 * reaches the hub's JetStream.
 *
 * @example
 * const kv = await new Kvm(latticeJetStream(nc)).open('aloft_default_apps');
 */
export function latticeJetStream(nc: NatsConnection, opts: JetStreamOptions = {}): JetStreamClient {
  const domain = domains.get(nc);
  return jetstream(nc, domain ? { ...opts, domain } : opts);
}

/** `jetstreamManager` with the connection's JetStream domain. */
export function latticeJetStreamManager(
  nc: NatsConnection,
  opts: JetStreamOptions & { checkAPI?: boolean } = {},
): Promise<JetStreamManager> {
  const domain = domains.get(nc);
  return jetstreamManager(nc, domain ? { ...opts, domain } : opts);
}
