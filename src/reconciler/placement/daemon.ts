import type { Scaler } from '../manifest/types.ts';
import { IMPLICIT_SPREAD } from './spread.ts';
import {
  describeRequirements,
  matches,
  type Candidate,
  type PlacementResult,
  type SpreadOutcome,
} from './types.ts';

/**
 * A daemonscaler: `instances` on every eligible host matching any of its spreads (every host when
 * it has none); weights and fallback do not apply. A cordoned host keeps what it runs, up to
 * `instances`, but gets nothing new.
 */
export function planDaemon(
  scaler: Scaler,
  unordered: readonly Candidate[],
  maxPerHost = Number.POSITIVE_INFINITY,
): PlacementResult {
  const candidates = [...unordered].sort((a, b) =>
    a.hostId < b.hostId ? -1 : a.hostId > b.hostId ? 1 : 0,
  );
  const spreads = scaler.spreads.length > 0 ? scaler.spreads : [IMPLICIT_SPREAD];
  const each = Math.min(scaler.instances, maxPerHost);
  const perHost = new Map<string, number>();
  for (const c of candidates) {
    if (!spreads.some((s) => matches(c.labels, s.requirements))) continue;
    const n = c.cordoned ? Math.min(c.units, each) : each;
    if (n > 0) perHost.set(c.hostId, n);
  }
  const outcomes = spreads.map((s): SpreadOutcome => {
    const hosts = candidates.filter((c) => matches(c.labels, s.requirements));
    const placed = hosts.reduce((n, c) => n + (perHost.get(c.hostId) ?? 0), 0);
    const none = hosts.every((c) => c.cordoned);
    const req = describeRequirements(s.requirements);
    const waiting = none && placed === 0;
    return {
      name: s.name,
      target: waiting ? each : placed,
      placed,
      onFallback: false,
      unplaced: waiting ? each : 0,
      at: Object.fromEntries(
        hosts.filter((c) => perHost.has(c.hostId)).map((c) => [c.hostId, perHost.get(c.hostId)!]),
      ),
      ...(waiting
        ? {
            why:
              hosts.length === 0
                ? `no host matches ${req}`
                : `every host matching ${req} is cordoned`,
          }
        : {}),
    };
  });
  return { perHost: new Map([...perHost].sort(([a], [b]) => (a < b ? -1 : 1))), spreads: outcomes };
}
