import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, recordPid, signalPid } from '../../src/nats/index.ts';
import { pollUntil } from '../../src/support/index.ts';

/** Debian's `docker-registry` (the CNCF distribution registry) on a random loopback port. */
export async function startRegistry(
  dir: string,
): Promise<{ address: string; stop(): Promise<void> }> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const pid = child.pid ?? 0;
  recordPid(pid, 'docker-registry');
  const exited = new Promise((r) => child.once('exit', r));
  const address = `127.0.0.1:${port}`;
  await pollUntil(
    async () =>
      (await fetch(`http://${address}/v2/`).catch(() => undefined))?.ok ? true : undefined,
    { timeoutMs: 10_000, intervalMs: 50, what: 'docker-registry to listen' },
  );
  return {
    address,
    stop: async () => {
      signalPid(pid, 'SIGTERM');
      await exited;
    },
  };
}
