import type { SimState } from './state.ts';

/**
 * The clouds whose users still send requests, with their ingress URLs: every cloud that is up or
 * partitioned (its users reach its ingress over their own access link); not a killed or hung one.
 */
export function originClouds(state: SimState | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [cloud, c] of Object.entries(state?.clouds ?? {})) {
    if (c.ingress && (c.condition === 'up' || c.condition === 'partitioned')) {
      out[cloud] = c.ingress.url;
    }
  }
  return out;
}
