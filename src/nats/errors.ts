import { AloftError } from '../support/index.ts';

/** No `nats-server` executable could be found. */
export class NatsServerNotFoundError extends AloftError {
  override name = 'NatsServerNotFoundError';
  constructor(searched: string[]) {
    super('NATS_SERVER_NOT_FOUND', `nats-server not found (looked in ${searched.join(', ')})`, {
      hint: 'install it with "apt-get install nats-server", or set ALOFT_NATS_SERVER to its path',
    });
  }
}

/** A port the server was asked to listen on is taken by another process. */
export class PortInUseError extends AloftError {
  override name = 'PortInUseError';
  constructor(port: number | string) {
    super('PORT_IN_USE', `port ${port} is already in use by another process`, {
      hint: 'choose another port, or omit the port option to use a free one',
    });
  }
}

/** The server process exited or never became ready. `logTail` holds its last log lines. */
export class NatsServerFailedError extends AloftError {
  override name = 'NatsServerFailedError';
  readonly logTail: string;
  constructor(message: string, logTail: string) {
    super('NATS_SERVER_FAILED', `${message}${logTail ? `: ${lastLine(logTail)}` : ''}`);
    this.logTail = logTail;
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  const fatal = lines.find((l) => l.includes('[FTL]') || l.includes('[ERR]'));
  return (fatal ?? lines[lines.length - 1] ?? '').replace(/^\[\d+\] [\d/ :.]+ /, '');
}
