import type { ControlVerb } from '../lattice/index.ts';
import type { Command } from './model.ts';

/** One control request: the verb, the host it is addressed to (if any) and its JSON body. */
export interface ControlRequest {
  verb: ControlVerb;
  hostId?: string;
  body: Record<string, unknown>;
}

export interface ControlRequestOptions {
  /** The provider kind a capability's image stands for (default: the image reference itself). */
  providerKind?: (ref: string) => string;
}

/**
 * Maps a command to the control request that carries it (protocol v1), stamping placement
 * commands with the lease `epoch` so hosts can refuse a deposed reconciler.
 *
 * @example
 * const req = toControlRequest(cmd, lease.epoch);
 * await requestJson(nc, subjects.control(req.verb, req.hostId), req.body);
 */
export function toControlRequest(
  c: Command,
  epoch: number,
  options: ControlRequestOptions = {},
): ControlRequest {
  switch (c.type) {
    case 'start':
      return {
        verb: 'component.start',
        hostId: c.hostId,
        body: {
          name: c.component,
          ref: c.ref,
          count: c.count,
          app: c.app,
          epoch,
          ...(c.limits ? { limits: c.limits } : {}),
        },
      };
    case 'scale':
      return {
        verb: 'component.scale',
        hostId: c.hostId,
        body: { name: c.component, count: c.count, app: c.app, epoch },
      };
    case 'stop':
      return {
        verb: 'component.stop',
        hostId: c.hostId,
        body: { name: c.component, app: c.app, epoch },
      };
    case 'startProvider':
      return {
        verb: 'provider.start',
        hostId: c.hostId,
        body: {
          name: c.provider,
          kind: (options.providerKind ?? ((r) => r))(c.ref),
          config: c.config,
          app: c.app,
          epoch,
        },
      };
    case 'stopProvider':
      return { verb: 'provider.stop', hostId: c.hostId, body: { name: c.provider, epoch } };
    case 'putConfig':
      return { verb: 'config.put', body: { name: c.name, values: c.values } };
    case 'deleteConfig':
      return { verb: 'config.del', body: { name: c.name } };
    case 'putLink':
      return { verb: 'link.put', body: { ...c.link } };
    case 'deleteLink':
      return { verb: 'link.del', body: { source: c.source, interface: c.interface, name: c.name } };
  }
}
