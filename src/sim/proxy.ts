/**
 * A TCP proxy that delays what it forwards: the simulation puts one in front of each cloud's
 * gateway listeners to add WAN latency (tc netem is not available in every kernel).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { AloftError } from '../support/index.ts';

export interface ProxyListener {
  /** `host:port` to listen on. */
  listen: string;
  /** `host:port` to forward to. */
  target: string;
}

export interface LatencyProxy {
  /** The bound addresses, in the order of the listeners. */
  readonly addresses: string[];
  stop(): Promise<void>;
}

function split(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AloftError('USAGE', `${JSON.stringify(address)} is not host:port`);
  }
  return { host: address.slice(0, i), port };
}

/**
 * Forwards from `from` to `to`, each chunk `delayMs()` after it arrived, in order (a later chunk
 * never overtakes an earlier one, even when the delay shrinks). Reading pauses while more than
 * 4 MiB wait.
 */
function delayedPipe(from: Socket, to: Socket, delayMs: () => number): void {
  const queue: { due: number; chunk: Buffer }[] = [];
  let queued = 0;
  let timer: NodeJS.Timeout | undefined;
  let lastDue = 0;
  let ended = false;
  const flush = (): void => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && (queue[0]?.due ?? 0) <= now) {
      const item = queue.shift();
      if (!item) break;
      queued -= item.chunk.length;
      to.write(item.chunk);
    }
    if (queued < 4 * 1024 * 1024 && from.isPaused()) from.resume();
    if (queue.length > 0) timer = setTimeout(flush, Math.max(0, (queue[0]?.due ?? now) - now));
    else if (ended) to.end();
  };
  from.on('data', (chunk: Buffer) => {
    const due = Math.max(performance.now() + delayMs(), lastDue);
    lastDue = due;
    queue.push({ due, chunk });
    queued += chunk.length;
    if (queued >= 4 * 1024 * 1024) from.pause();
    timer ??= setTimeout(flush, Math.max(0, due - performance.now()));
  });
  from.once('end', () => {
    ended = true;
    if (queue.length === 0 && !timer) to.end();
  });
}

/**
 * Starts one proxy listener per entry; every connection is forwarded to its target with
 * `delayMs()` added in each direction.
 *
 * @example
 * const proxy = await startLatencyProxy([{ listen: '127.0.0.1:0', target: '127.0.0.1:7222' }], () => 50);
 */
export async function startLatencyProxy(
  listeners: readonly ProxyListener[],
  delayMs: () => number,
): Promise<LatencyProxy> {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const addresses: string[] = [];
  try {
    for (const l of listeners) {
      const target = split(l.target);
      const listen = split(l.listen);
      const server = createServer((client) => {
        const upstream = createConnection(target);
        track(client);
        track(upstream);
        client.setNoDelay(true);
        upstream.setNoDelay(true);
        const close = (): void => {
          client.destroy();
          upstream.destroy();
        };
        client.once('error', close);
        upstream.once('error', close);
        client.once('close', close);
        upstream.once('close', close);
        delayedPipe(client, upstream, delayMs);
        delayedPipe(upstream, client, delayMs);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) =>
          reject(
            new AloftError('PROXY_LISTEN_FAILED', `cannot listen on ${l.listen}: ${err.message}`, {
              cause: err,
            }),
          ),
        );
        server.listen(listen.port, listen.host, () => resolve());
      });
      servers.push(server);
      const bound = server.address();
      addresses.push(
        typeof bound === 'object' && bound ? `${listen.host}:${bound.port}` : l.listen,
      );
    }
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }
  return {
    addresses,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
