import type { ComponentLogLine } from '../lattice/index.ts';
import { AloftError } from '../support/index.ts';

/** Which lines `aloft logs` shows. */
export interface LogFilter {
  /** A host id, a prefix of one, or a host name. */
  host?: string | undefined;
  cloud?: string | undefined;
}

export function matchesFilter(line: ComponentLogLine, filter: LogFilter): boolean {
  if (filter.cloud !== undefined && line.cloud !== filter.cloud) return false;
  if (filter.host !== undefined) {
    const h = filter.host;
    if (line.host !== h && !line.hostId.startsWith(h)) return false;
  }
  return true;
}

/**
 * A duration such as `90s`, `15m`, `2h` or `1d`, in milliseconds.
 *
 * @throws {AloftError} `USAGE` naming the value.
 */
export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) {
    throw new AloftError('USAGE', `${flag} ${JSON.stringify(value)} is not a duration`, {
      hint: 'e.g. 30s, 15m, 2h',
    });
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

/** `2026-05-01T10:00:00.000Z INFO  edge-1 [aws] counter: visits is now 3  trace=4bf9…` */
export function formatLogLine(line: ComponentLogLine): string {
  const where = `${line.host ?? line.hostId.slice(0, 12)}${line.cloud ? ` [${line.cloud}]` : ''}`;
  const context = line.context ? `${line.context}: ` : '';
  const trace = line.traceId ? `  trace=${line.traceId}` : '';
  return `${line.time} ${line.level.toUpperCase().padEnd(5)} ${where} ${context}${line.msg}${trace}`;
}
