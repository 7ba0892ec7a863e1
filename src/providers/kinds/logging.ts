import { encodeJson, subjectsFor, type ComponentLogLine } from '../../lattice/index.ts';
import { parseTraceparent } from '../../telemetry/index.ts';
import { AloftError } from '../../support/index.ts';
import {
  startWith,
  unknownFunction,
  type ProviderCall,
  type ProviderFactory,
} from '../provider.ts';

/** `wasi:logging` levels, lowest first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'critical'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A level from a guest (its enum index, or the name) or from config. */
export function logLevel(value: unknown, where: string): LogLevel {
  if (typeof value === 'number' && LOG_LEVELS[value]) return LOG_LEVELS[value];
  if (typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value)) {
    return value as LogLevel;
  }
  throw new AloftError('PROVIDER_CONFIG_INVALID', `${where}: unknown log level ${String(value)}`, {
    hint: `one of ${LOG_LEVELS.join(', ')}`,
  });
}

/**
 * `logging-lattice`: a component's `logging.log` lines go to the host's log (the provider's
 * logger) and, as JSON lines ({@link ComponentLogLine}, with the trace id when traced), to the
 * lattice's log subject for the component, which `aloft logs` follows and keeps. Link config `min_level` (default `trace`) drops lines
 * below it. Every host runs one as the default for components without a logging link.
 */
export const loggingLattice: ProviderFactory = (ctx) =>
  startWith(() => {
    const s = subjectsFor(ctx.lattice);
    const log = (call: ProviderCall): undefined => {
      const [level, context, message] = call.args as [unknown, string, string];
      const name = LOG_LEVELS.includes(level as LogLevel)
        ? (level as LogLevel)
        : (LOG_LEVELS[level as number] ?? 'info');
      const min = call.linkConfig.min_level;
      if (min && LOG_LEVELS.indexOf(name) < LOG_LEVELS.indexOf(logLevel(min, 'min_level'))) {
        return undefined;
      }
      const cloud = ctx.labels().cloud;
      const trace = parseTraceparent(call.traceparent);
      const line: ComponentLogLine = {
        time: new Date().toISOString(),
        level: name,
        msg: message,
        component: call.component,
        context,
        hostId: ctx.hostId,
        host: ctx.hostName,
        lattice: ctx.lattice,
        ...(cloud !== undefined ? { cloud } : {}),
        ...(trace ? { traceId: trace.traceId, spanId: trace.spanId } : {}),
      };
      ctx.nc.publish(s.logs(call.component), encodeJson(line));
      const { time: _t, level: _l, msg: _m, hostId: _h, host: _n, ...fields } = line;
      const out = ctx.logger.child(fields);
      if (name === 'error' || name === 'critical') out.error(message);
      else if (name === 'warn') out.warn(message);
      else if (name === 'info') out.info(message);
      else out.debug(message);
      return undefined;
    };
    return {
      interfaces: ['logging'],
      handle: (call) =>
        startWith(() => {
          if (call.interface !== 'logging' || call.function !== 'log') throw unknownFunction(call);
          return log(call);
        }),
      stop: () => Promise.resolve(),
    };
  });
