/**
 * Where an invocation goes: the pool's placement rules as pure functions of its instances'
 * state, so they can be tested exhaustively without threads.
 */

/** What the rules need to know about one instance. */
export interface InstanceView {
  state: 'starting' | 'ready' | 'dead';
  /** Invocations handed to it and not yet answered (the first one runs). */
  load: number;
  /** True while it waits for the host to answer a capability call. */
  inHostCall: boolean;
  /** How long its current capability call has waited, in ms (unknown: as long as it takes). */
  hostCallMs?: number;
  /** Takes no new work: it finishes what it holds, then stops (see {@link shouldRetire}). */
  retiring?: boolean;
}

export interface DispatchLimits {
  maxInstances: number;
  minInstances: number;
  pipelineDepth: number;
  /**
   * Instances that may start beyond `maxInstances` while instances wait on capability calls, so
   * that at most `maxInstances` of them compete for CPU (0: never beyond `maxInstances`).
   */
  overflowInstances: number;
  /**
   * How long a capability call must have waited before its instance counts as blocked (and the
   * pool may grow beyond `maxInstances` for it). Most calls answer in a millisecond or two; growing
   * for those would start instances (tens to hundreds of ms of CPU each) on every request and
   * starve the ones serving. Default 0.
   */
  blockedAfterMs?: number;
}

/**
 * Whether an instance can take one more invocation now: ready, ring not full, and, when busy,
 * not waiting on a capability call (that call may be waiting for this very invocation: a
 * component calling itself, or A → B → A; queueing behind it would deadlock until the deadline).
 */
export function canTake(i: InstanceView, limits: DispatchLimits): boolean {
  if (i.state !== 'ready' || i.retiring || i.load >= limits.pipelineDepth) return false;
  return i.load === 0 || !i.inHostCall;
}

/** Instances that are starting or ready. */
export function liveCount(instances: Iterable<InstanceView>): number {
  let n = 0;
  for (const i of instances) if (i.state !== 'dead') n++;
  return n;
}

/**
 * The instance for an invocation: the least-loaded one that can take it (idle first). For new
 * work (`mayWaitForGrowth`), a busy instance is used only when no more instances may start, so
 * that the pool grows before it pipelines; for queued work, pipelining meanwhile is fine.
 */
export function chooseInstance<T extends InstanceView>(
  instances: Iterable<T>,
  limits: DispatchLimits,
  mayWaitForGrowth: boolean,
): T | undefined {
  let best: T | undefined;
  let live = 0;
  for (const i of instances) {
    if (i.state !== 'dead' && !i.retiring) live++;
    if (!canTake(i, limits)) continue;
    if (!best || i.load < best.load) best = i;
  }
  if (best && best.load > 0 && mayWaitForGrowth && live < limits.maxInstances) return undefined;
  return best;
}

/**
 * Instances starting at once beyond `maxInstances`: each start costs CPU (tens of ms for a
 * TypeScript component), which a burst of them would take from the instances serving.
 */
export const MAX_STARTING_BEYOND_MAX = 2;

/**
 * True for an instance that holds a slot but no CPU: busy, and waiting on a capability call for
 * at least `blockedAfterMs`.
 */
export function isBlocked(i: InstanceView, blockedAfterMs = 0): boolean {
  return (
    i.state === 'ready' &&
    i.load > 0 &&
    i.inHostCall &&
    (i.hostCallMs ?? Number.POSITIVE_INFINITY) >= blockedAfterMs
  );
}

/**
 * How many instances to start now. Up to the minimum; for work that is waiting while no instance
 * is idle, one at a time up to `maxInstances`; beyond it — I/O wait is not CPU — as many as
 * there is waiting work (at most {@link MAX_STARTING_BEYOND_MAX} at a time), within
 * `overflowInstances`, while fewer than `maxInstances` instances
 * are running rather than waiting on a capability call. And while every instance waits on one,
 * one more ahead of need, so that the next invocation does not wait for an instance to start.
 */
export function instancesToStart(
  instances: Iterable<InstanceView>,
  queued: number,
  limits: DispatchLimits,
): number {
  let live = 0;
  let starting = 0;
  let blocked = 0;
  let idle = false;
  for (const i of instances) {
    // A retiring instance takes no more work: it is neither capacity nor idle.
    if (i.state === 'dead' || i.retiring) continue;
    live++;
    if (i.state === 'starting') starting++;
    else if (i.load === 0) idle = true;
    if (isBlocked(i, limits.blockedAfterMs)) blocked++;
  }
  if (live < limits.minInstances) return limits.minInstances - live;
  if (idle) return 0;
  const ceiling = limits.maxInstances + limits.overflowInstances;
  if (queued === 0) return live > 0 && blocked === live && live < ceiling ? 1 : 0;
  if (live < limits.maxInstances) return starting === 0 ? 1 : 0;
  if (live - blocked - starting >= limits.maxInstances) return 0;
  return Math.max(
    0,
    Math.min(queued - starting, ceiling - live, MAX_STARTING_BEYOND_MAX - starting),
  );
}

/**
 * Whether an idle instance beyond `maxInstances` (started while others waited on capability
 * calls) should stop: the pool is above its maximum and the instance has nothing to do.
 */
export function isSurplus(
  instance: InstanceView,
  instances: Iterable<InstanceView>,
  limits: DispatchLimits,
): boolean {
  if (instance.state !== 'ready' || instance.load > 0) return false;
  let live = 0;
  let othersBlocked = true;
  for (const i of instances) {
    if (i.state === 'dead') continue;
    live++;
    if (i !== instance && !isBlocked(i, limits.blockedAfterMs)) othersBlocked = false;
  }
  // The one instance kept free while every other waits on I/O is not surplus.
  return live > Math.max(limits.maxInstances, limits.minInstances) && !othersBlocked;
}

/**
 * Whether an instance that has just answered should take no more work and stop once it holds
 * none: the pool grew beyond `maxInstances` while instances waited on capability calls, and fewer
 * wait now, so more than `maxInstances` instances compete for CPU. Under steady load an extra
 * instance is never idle (every connection keeps it fed), so waiting for idleness
 * ({@link isSurplus}) would keep it, and its thread, for as long as the load lasts.
 */
export function shouldRetire(
  instance: InstanceView,
  instances: Iterable<InstanceView>,
  limits: DispatchLimits,
): boolean {
  if (instance.state !== 'ready' || instance.retiring) return false;
  if (isBlocked(instance, limits.blockedAfterMs)) return false;
  let running = 0;
  let blocked = 0;
  for (const i of instances) {
    if (i.state === 'dead' || i.retiring) continue;
    running++;
    if (isBlocked(i, limits.blockedAfterMs)) blocked++;
  }
  return (
    running > Math.max(limits.maxInstances, limits.minInstances) &&
    running - blocked > limits.maxInstances
  );
}
