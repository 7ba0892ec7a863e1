/** Reads a nats-server's monitoring endpoints (`/varz`, `/routez`, `/gatewayz`, `/leafz`, `/jsz`). */

export interface RouteInfo {
  num_routes: number;
}
export interface GatewayInfo {
  outbound_gateways?: Record<string, unknown>;
  inbound_gateways?: Record<string, unknown[]>;
}
export interface JetStreamInfo {
  meta_cluster?: { leader?: string; cluster_size?: number };
  config?: unknown;
}

export async function monitor<T>(monitorUrl: string, endpoint: string): Promise<T> {
  const res = await fetch(`${monitorUrl}/${endpoint}`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`${endpoint}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Number of other servers this server has routes to. */
export async function routeCount(monitorUrl: string): Promise<number> {
  return (await monitor<RouteInfo>(monitorUrl, 'routez')).num_routes;
}

/** Names of the clusters this server has both an outbound and an inbound gateway with. */
export async function connectedGateways(monitorUrl: string): Promise<string[]> {
  const gw = await monitor<GatewayInfo>(monitorUrl, 'gatewayz');
  const out = Object.keys(gw.outbound_gateways ?? {});
  const inbound = new Set(Object.keys(gw.inbound_gateways ?? {}));
  return out.filter((name) => inbound.has(name));
}

/** The JetStream meta-leader's server name as this server sees it, if one is elected. */
export async function jetStreamLeader(monitorUrl: string): Promise<string | undefined> {
  const jsz = await monitor<JetStreamInfo>(monitorUrl, 'jsz');
  if (!jsz.meta_cluster) return jsz.config ? 'standalone' : undefined;
  return jsz.meta_cluster.leader || undefined;
}

/** Number of leaf-node connections of this server (to hubs, or from leaves). */
export async function leafCount(monitorUrl: string): Promise<number> {
  return (await monitor<{ leafnodes: number }>(monitorUrl, 'leafz')).leafnodes;
}
