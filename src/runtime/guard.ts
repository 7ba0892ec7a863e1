import { AloftError, type Logger } from '../support/index.ts';
import type { CapabilityHandler } from './capabilities.ts';
import { TokenBucket } from './instance/throttle.ts';
import type { InvocationState } from './instance/pool.ts';
import type { HostCallRequest } from './protocol.ts';
import { interfaceShortName } from './protocol.ts';
import type { CapabilityInterface } from './world.ts';
import type { Value } from './codec.ts';

/** Limits on what one component asks of its host (see `ComponentLimits`). */
export interface GuardLimits {
  capabilityCallsPerSecond: number;
  capabilityBurst: number;
  latticeCallsPerSecond: number;
  logLinesPerSecond: number;
}

/** What the guard held back, for stats. */
export interface GuardCounters {
  /** Capability calls that waited for the rate. */
  throttledCalls: number;
  /** Log lines dropped over the rate. */
  droppedLogLines: number;
  /** Calls refused because the claims do not allow them (those refused inside the worker aside). */
  refusedUnclaimed: number;
}

/** An error reply costs this many call tokens: refusals are cheap to loop on and useless. */
const ERROR_COST = 100;

/**
 * The host-call handler of one component: its claims (capabilities it may use), then its rate
 * (over it, a call waits for a token, so a guest looping on calls sleeps rather than spins the
 * host; past its deadline it fails with `CAPABILITY_RATE_LIMITED`), then the host's capabilities.
 * Log lines over their own rate are dropped and counted.
 */
export function guardHostCalls(o: {
  name: string;
  allowed: ReadonlySet<string> | undefined;
  limits: GuardLimits;
  capabilities: CapabilityHandler;
  logger: Logger;
  now?: () => number;
}): {
  onHostCall: (call: HostCallRequest, state: InvocationState) => Promise<Value>;
  counters: GuardCounters;
} {
  const counters: GuardCounters = { throttledCalls: 0, droppedLogLines: 0, refusedUnclaimed: 0 };
  const now = o.now ?? (() => performance.now());
  const calls = new TokenBucket(o.limits.capabilityCallsPerSecond, o.limits.capabilityBurst, now());
  // Calls to other components take their capacity: a tighter rate of their own.
  const lattice = new TokenBucket(
    o.limits.latticeCallsPerSecond,
    Math.max(1, o.limits.latticeCallsPerSecond / 10),
    now(),
  );
  const lines = new TokenBucket(o.limits.logLinesPerSecond, o.limits.logLinesPerSecond, now());
  const refusedOnce = new Set<string>();
  let dropped = 0;
  let droppedSince = now();
  const onHostCall = async (call: HostCallRequest, state: InvocationState): Promise<Value> => {
    const iface = interfaceShortName(call.iface) as CapabilityInterface;
    if (o.allowed && !o.allowed.has(iface)) {
      counters.refusedUnclaimed++;
      if (!refusedOnce.has(iface)) {
        refusedOnce.add(iface);
        o.logger.warn('capability refused: not in the component claims', { capability: iface });
      }
      throw new AloftError(
        'CAPABILITY_NOT_CLAIMED',
        `${o.name} may not use ${iface}: its claims allow ${[...o.allowed].join(', ') || 'no capability'}`,
      );
    }
    if (iface === 'logging') {
      if (!lines.tryTake(now())) {
        dropped++;
        counters.droppedLogLines++;
        if (now() - droppedSince >= 1000) {
          o.logger.warn('log lines dropped: over the rate', {
            dropped,
            perSecond: o.limits.logLinesPerSecond,
          });
          dropped = 0;
          droppedSince = now();
        }
        return undefined;
      }
    } else {
      const t = now();
      const wait = Math.max(calls.take(t), iface === 'lattice' ? lattice.take(t) : 0);
      if (wait > 0) {
        counters.throttledCalls++;
        if (now() + wait >= state.deadline) {
          throw new AloftError(
            'CAPABILITY_RATE_LIMITED',
            `${o.name} makes more than ${iface === 'lattice' ? o.limits.latticeCallsPerSecond : o.limits.capabilityCallsPerSecond} ${iface === 'lattice' ? 'component' : 'capability'} calls per second`,
          );
        }
        await new Promise<void>((resolve) => {
          const onAbort = (): void => {
            clearTimeout(t);
            resolve();
          };
          const t = setTimeout(() => {
            state.signal.removeEventListener('abort', onAbort);
            resolve();
          }, wait);
          state.signal.addEventListener('abort', onAbort, { once: true });
        });
        if (state.signal.aborted)
          throw new AloftError('COMPONENT_UNLOADED', 'the invocation is gone');
      }
    }
    try {
      return await o.capabilities({
        component: o.name,
        interface: iface,
        function: call.fn,
        args: call.args,
        context: state,
      });
    } catch (err) {
      if (iface !== 'logging') calls.take(now(), ERROR_COST - 1);
      throw err;
    }
  };
  return { onHostCall, counters };
}
