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
}

export interface DispatchLimits {
  maxInstances: number;
  minInstances: number;
  pipelineDepth: number;
}

/**
 * Whether an instance can take one more invocation now: ready, ring not full, and, when busy,
 * not waiting on a capability call (that call may be waiting for this very invocation: a
 * component calling itself, or A → B → A; queueing behind it would deadlock until the deadline).
 */
export function canTake(i: InstanceView, limits: DispatchLimits): boolean {
  if (i.state !== 'ready' || i.load >= limits.pipelineDepth) return false;
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
    if (i.state !== 'dead') live++;
    if (!canTake(i, limits)) continue;
    if (!best || i.load < best.load) best = i;
  }
  if (best && best.load > 0 && mayWaitForGrowth && live < limits.maxInstances) return undefined;
  return best;
}

/**
 * Whether to start one more instance: below the minimum, or work is waiting, every ready
 * instance is busy, none is starting already, and the maximum allows it.
 */
export function shouldStartInstance(
  instances: Iterable<InstanceView>,
  queued: number,
  limits: DispatchLimits,
): boolean {
  let live = 0;
  let starting = 0;
  let idle = false;
  for (const i of instances) {
    if (i.state === 'dead') continue;
    live++;
    if (i.state === 'starting') starting++;
    else if (i.load === 0) idle = true;
  }
  if (live < limits.minInstances) return true;
  return queued > 0 && !idle && starting === 0 && live < limits.maxInstances;
}
