/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A structured logger. Library code receives one; it never writes to the console itself. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Anything with a `write(string)` method: a stream, or a test's collector. */
export interface LineSink {
  write(line: string): unknown;
}

/**
 * A logger writing one JSON object per line: `{"time","level","msg",...fields}`.
 *
 * @example
 * const log = jsonLogger(process.stderr, 'info').child({ host: 'h1' });
 * log.info('started', { components: 3 });
 */
export function jsonLogger(sink: LineSink, level: LogLevel = 'info', base: LogFields = {}): Logger {
  const emit = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (rank[lvl] < rank[level]) return;
    const line = { time: new Date().toISOString(), level: lvl, msg, ...base, ...fields };
    sink.write(JSON.stringify(line, errorReplacer) + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => jsonLogger(sink, level, { ...base, ...fields }),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return value;
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/** Parses a level name, defaulting to `info`. */
export function parseLogLevel(value: string | undefined): LogLevel {
  return value === 'debug' || value === 'warn' || value === 'error' ? value : 'info';
}
