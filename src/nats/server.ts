import { spawn } from 'node:child_process';
import {
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  readdirSync,
  writeFileSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { pollUntil, silentLogger, type Logger } from '../support/index.ts';
import { findNatsServer } from './binary.ts';
import { renderServerConfig, type ServerSpec } from './config.ts';
import { NatsServerFailedError, PortInUseError } from './errors.ts';
import { isAlive, recordPid, signalPid } from './process.ts';

/** The ports a running server listens on, read back from its ports file. */
export interface ServerPorts {
  client: number;
  http: number;
  cluster?: number;
  gateway?: number;
  websocket?: number;
}

/** A running nats-server process. */
export interface NatsServer {
  readonly name: string;
  readonly pid: number;
  readonly ports: ServerPorts;
  /**
   * `nats://<reachHost>:<client port>` (127.0.0.1 unless the server runs in another network;
   * `tls://` when the server requires TLS).
   */
  readonly url: string;
  readonly monitorUrl: string;
  readonly websocketUrl: string | undefined;
  readonly spec: ServerSpec;
  /** The directory holding its config, log and ports file. */
  readonly dir: string;
  /** Resolves with the exit code (or null for a signal) once the process has gone. */
  readonly exited: Promise<number | null>;
  /** Sends a signal: SIGKILL to crash it, SIGSTOP/SIGCONT to hang and resume it. */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  /** Working directory for config, log and ports file (created). */
  dir: string;
  binary?: string;
  logger?: Logger;
  /** Let the server outlive this process (`aloft up`). */
  detached?: boolean;
  readyTimeoutMs?: number;
  /**
   * Run this existing config file (e.g. one `aloft nats config` wrote) instead of rendering `spec`
   * into `<dir>/<name>.conf`; `spec` still describes it (name, JetStream store).
   */
  configFile?: string;
  /**
   * A command prefix that runs the server elsewhere while keeping its PID, e.g.
   * `['ip', 'netns', 'exec', 'ns1']` (which execs, so the PID is the server's own).
   */
  exec?: readonly string[];
  /** The address this process reaches the server at. Default 127.0.0.1. */
  reachHost?: string;
}

/**
 * Starts one nats-server from `spec` and resolves once it accepts clients.
 *
 * @throws {PortInUseError} when a fixed port is taken.
 * @throws {NatsServerFailedError} when it exits early or is not ready in time.
 * @example
 * const srv = await startNatsServer({ name: 'n1', port: -1, httpPort: -1 }, { dir: '/tmp/n1' });
 * await srv.stop();
 */
export async function startNatsServer(
  spec: ServerSpec,
  options: StartOptions,
): Promise<NatsServer> {
  const binary = options.binary ?? findNatsServer();
  const log = (options.logger ?? silentLogger).child({ natsServer: spec.name });
  mkdirSync(options.dir, { recursive: true });
  if (spec.jetstream) mkdirSync(spec.jetstream.storeDir, { recursive: true });
  const configFile = options.configFile ?? join(options.dir, `${spec.name}.conf`);
  const logFile = join(options.dir, `${spec.name}.log`);
  const portsDir = join(options.dir, 'ports');
  mkdirSync(portsDir, { recursive: true });
  if (!options.configFile) writeFileSync(configFile, renderServerConfig(spec));
  const fd = openSync(logFile, 'w');
  const argv = [binary, '-c', configFile, '--ports_file_dir', portsDir];
  const [cmd = binary, ...args] = [...(options.exec ?? []), ...argv];
  const child = spawn(cmd, args, {
    stdio: ['ignore', fd, fd],
    detached: options.detached ?? false,
  });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new NatsServerFailedError(`could not start ${binary}`, '');
  recordPid(pid, `nats-server ${spec.name}`);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
  });
  if (options.detached) child.unref();

  const readLog = (): string => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '';
    }
  };
  const found = await pollUntil(
    () => (exitCode !== undefined || !isAlive(pid) ? 'exited' : readPortsFile(portsDir, pid)),
    {
      timeoutMs: options.readyTimeoutMs ?? 10_000,
      intervalMs: 5,
      what: `nats-server ${spec.name}`,
    },
  ).catch(() => 'timeout' as const);
  if (found === 'exited' || found === 'timeout') {
    signalPid(pid, 'SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
    const tail = readLog();
    if (/address already in use/i.test(tail))
      throw new PortInUseError(portFromLog(tail) ?? spec.port);
    const what = found === 'exited' ? 'exited during start-up' : 'was not ready in time';
    throw new NatsServerFailedError(`nats-server ${spec.name} ${what}`, tail);
  }
  let ports = found;
  const reach = options.reachHost ?? '127.0.0.1';
  if (spec.gateway) ports = { ...ports, gateway: spec.gateway.port };
  log.debug('nats-server started', { pid, ports });
  const server: NatsServer = {
    name: spec.name,
    pid,
    ports,
    url: `${spec.tls ? 'tls' : 'nats'}://${reach}:${ports.client}`,
    monitorUrl: `http://${reach}:${ports.http}`,
    websocketUrl: ports.websocket
      ? `${spec.websocket?.tls ? 'wss' : 'ws'}://${reach}:${ports.websocket}`
      : undefined,
    spec,
    dir: options.dir,
    exited,
    signal: (sig) => signalPid(pid, sig),
    stop: async (graceMs = 3000) => {
      if (exitCode !== undefined) return;
      signalPid(pid, 'SIGCONT');
      signalPid(pid, 'SIGTERM');
      const timer = setTimeout(() => signalPid(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return server;
}

function portFromLog(tail: string): string | undefined {
  return /listen tcp [^:]*:(\d+)/.exec(tail)?.[1];
}

/**
 * The ports a server started by {@link startNatsServer} in `dir` listens on, read back from its
 * ports file (e.g. its WebSocket port, for browser hosts); undefined when there is none for `pid`.
 */
export function serverPorts(dir: string, pid: number): ServerPorts | undefined {
  try {
    return readPortsFile(join(dir, 'ports'), pid);
  } catch {
    return undefined;
  }
}

function readPortsFile(dir: string, pid: number): ServerPorts | undefined {
  const file = readdirSync(dir).find((f) => f.endsWith(`_${pid}.ports`));
  if (!file) return undefined;
  let raw: Record<string, string[] | undefined>;
  try {
    raw = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, string[] | undefined>;
  } catch {
    return undefined; // written but not complete yet
  }
  const port = (key: string): number | undefined => {
    const url = raw[key]?.[0];
    return url ? Number(new URL(url).port) : undefined;
  };
  const client = port('nats');
  const http = port('monitoring');
  if (client === undefined || http === undefined) return undefined;
  return { client, http, cluster: port('cluster'), websocket: port('websocket') };
}

/** Removes a server's JetStream store (for a clean restart in tests). */
export function wipeJetStream(spec: ServerSpec): void {
  if (spec.jetstream) rmSync(spec.jetstream.storeDir, { recursive: true, force: true });
}
