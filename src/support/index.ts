export { AloftError, isAloftError, errorMessage } from './errors.ts';
export type { Logger, LogFields, LogLevel, LineSink } from './logger.ts';
export { jsonLogger, silentLogger, parseLogLevel } from './logger.ts';
export type { Clock } from './clock.ts';
export { systemClock, manualClock } from './clock.ts';
export type { Deferred } from './async.ts';
export { delay, deferred, pollUntil } from './async.ts';
export { concatBytes } from './bytes.ts';
