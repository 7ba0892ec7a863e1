import { connect, type Socket } from 'node:net';

/** A reply value: simple strings as string, integers as bigint, bulk strings as Buffer. */
export type RespValue = string | bigint | Buffer | null | RespValue[];

/** Redis answered the command with an error reply (`-ERR ...`). */
export class RedisReplyError extends Error {
  override name = 'RedisReplyError';
}

/** The connection is down, could not be opened, or a reply did not come in time. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/** Options of {@link respClient}. */
export interface RespClientOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  /** Default 1000 ms. */
  connectTimeoutMs?: number;
  /** A command without a reply after this long fails and resets the connection. Default 2000 ms. */
  commandTimeoutMs?: number;
  /** After a failed connect, commands fail at once for this long before the next attempt. Default 100 ms. */
  retryDelayMs?: number;
}

/** A pipelined Redis connection that reconnects on demand. */
export interface RespClient {
  command(args: (string | Uint8Array)[]): Promise<RespValue>;
  close(): void;
}

interface Conn {
  socket: Socket;
  pending: Pending[];
  buf: Buffer;
}

interface Pending {
  resolve(v: RespValue): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

const CRLF = Buffer.from('\r\n');

function encode(args: (string | Uint8Array)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b =
      typeof a === 'string' ? Buffer.from(a) : Buffer.from(a.buffer, a.byteOffset, a.length);
    parts.push(Buffer.from(`$${b.length}\r\n`), b, CRLF);
  }
  return Buffer.concat(parts);
}

/** Parses one reply at `at`; undefined when the buffer does not hold all of it yet. */
function parse(
  buf: Buffer,
  at: number,
): { value: RespValue | RedisReplyError; end: number } | undefined {
  const eol = buf.indexOf(CRLF, at);
  if (eol < 0) return undefined;
  const line = buf.toString('utf8', at + 1, eol);
  switch (String.fromCharCode(buf[at] ?? 0)) {
    case '+':
      return { value: line, end: eol + 2 };
    case '-':
      return { value: new RedisReplyError(line), end: eol + 2 };
    case ':':
      return { value: BigInt(line), end: eol + 2 };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      if (buf.length < eol + 2 + n + 2) return undefined;
      return { value: Buffer.from(buf.subarray(eol + 2, eol + 2 + n)), end: eol + 2 + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      const items: RespValue[] = [];
      let end = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, end);
        if (!item) return undefined;
        if (item.value instanceof RedisReplyError) throw item.value;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new RedisUnavailableError(`unexpected reply byte ${buf[at]}`);
  }
}

/**
 * A small Redis client (RESP2): commands are pipelined on one socket and answered in order. It
 * never queues commands while disconnected: a command either goes out on a live connection or fails
 * at once with {@link RedisUnavailableError}, and the next command dials again. So a dead server
 * gives prompt errors and a restarted one is picked up by the next call.
 */
export function respClient(options: RespClientOptions): RespClient {
  const connectTimeout = options.connectTimeoutMs ?? 1000;
  const commandTimeout = options.commandTimeoutMs ?? 2000;
  const retryDelay = options.retryDelayMs ?? 100;
  const where = `${options.host}:${options.port}`;
  let live: Conn | undefined;
  let dialing: Promise<Conn> | undefined;
  let downUntil = 0;
  let lastFailure = '';
  let closed = false;

  /** Ends a connection and fails the commands waiting on it (once; later calls do nothing). */
  const fail = (c: Conn, why: string): void => {
    if (live === c) live = undefined;
    c.socket.destroy();
    const err = new RedisUnavailableError(`redis at ${where}: ${why}`);
    for (const p of c.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  };

  const onData = (c: Conn, chunk: Buffer): void => {
    c.buf = c.buf.length === 0 ? chunk : Buffer.concat([c.buf, chunk]);
    let at = 0;
    try {
      for (let r = parse(c.buf, at); r; r = parse(c.buf, at)) {
        at = r.end;
        const p = c.pending.shift();
        if (!p) return fail(c, 'a reply arrived for no command');
        clearTimeout(p.timer);
        if (r.value instanceof RedisReplyError) p.reject(r.value);
        else p.resolve(r.value);
      }
    } catch (err) {
      return fail(c, String(err));
    }
    c.buf = c.buf.subarray(at);
  };

  const send = (c: Conn, args: (string | Uint8Array)[]): Promise<RespValue> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => fail(c, `no reply within ${commandTimeout} ms`),
        commandTimeout,
      );
      c.pending.push({ resolve, reject, timer });
      c.socket.write(encode(args));
    });

  const dial = (): Promise<Conn> =>
    new Promise<Conn>((resolve, reject) => {
      const socket = connect({ host: options.host, port: options.port });
      const timer = setTimeout(
        () => socket.destroy(new Error(`connect timed out after ${connectTimeout} ms`)),
        connectTimeout,
      );
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        const c: Conn = { socket, pending: [], buf: Buffer.alloc(0) };
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 5000);
        socket.removeAllListeners('error');
        socket.on('error', (err) => fail(c, err.message));
        socket.on('close', () => fail(c, 'connection closed'));
        socket.on('data', (chunk: Buffer) => onData(c, chunk));
        void (async () => {
          try {
            if (options.password !== undefined) {
              const user = options.username ? [options.username] : [];
              await send(c, ['AUTH', ...user, options.password]);
            }
            if (options.db) await send(c, ['SELECT', String(options.db)]);
            resolve(c);
          } catch (err) {
            fail(c, String(err));
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        })();
      });
    });

  /** The live connection, or one dial shared by every command waiting for it. */
  const ready = (): Promise<Conn> => {
    if (closed) return Promise.reject(new RedisUnavailableError('the redis client is closed'));
    if (live) return Promise.resolve(live);
    if (dialing) return dialing;
    if (performance.now() < downUntil) {
      return Promise.reject(
        new RedisUnavailableError(`redis at ${where} is unreachable: ${lastFailure}`),
      );
    }
    // Every command waiting for this dial gets the same answer, a failure as an unavailable
    // server (not only the first one to ask).
    dialing = dial().then(
      (c) => {
        live = c;
        return c;
      },
      (err: unknown) => {
        lastFailure = err instanceof Error ? err.message : String(err);
        downUntil = performance.now() + retryDelay;
        throw new RedisUnavailableError(`redis at ${where} is unreachable: ${lastFailure}`, {
          cause: err,
        });
      },
    );
    const settled = (): void => {
      dialing = undefined;
    };
    dialing.then(settled, settled);
    return dialing;
  };

  return {
    command: async (args) => send(await ready(), args),
    close: () => {
      closed = true;
      if (live) fail(live, 'the redis client is closed');
    },
  };
}
