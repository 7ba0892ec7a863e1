import type { ServerInfo } from '@nats-io/nats-core';

/** Why a replicated JetStream asset cannot reach a quorum from this connection. */
export interface QuorumCut {
  /** Servers the connected server has routes to, itself included. */
  reachable: number;
  /** Servers a write to an asset with this many replicas needs. */
  needed: number;
  /** The connected server's name, when it told us. */
  server: string | undefined;
}

/**
 * Whether the server a connection uses is cut off from a quorum of an asset replicated
 * `replicas` times: it advertises the client URLs of the cluster members it has routes to
 * (INFO `connect_urls`, its own included, updated as routes come and go), and fewer servers than
 * a majority of the replicas are among them. Then no write can be acknowledged, and a read could
 * only come from a stale leader, so there is no point waiting for JetStream. Undefined when a
 * quorum may be reachable, or when the server does not say (not clustered, or `no_advertise`).
 */
export function quorumCut(info: ServerInfo | undefined, replicas: number): QuorumCut | undefined {
  const needed = Math.floor(replicas / 2) + 1;
  const urls = info?.connect_urls;
  if (!info?.cluster || !urls || urls.length === 0 || replicas <= 1) return undefined;
  const reachable = new Set(urls).size;
  return reachable < needed ? { reachable, needed, server: info.server_name } : undefined;
}
