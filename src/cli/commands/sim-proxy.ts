import { readSimState, startLatencyProxy } from '../../sim/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { dataDir } from '../local-state.ts';

/**
 * The latency proxy of one simulated cloud, started by `aloft sim up` (supercluster topology) in
 * that cloud's network: forwards its gateway listeners with the delay that `aloft sim latency`
 * records in the simulation's state, re-read on SIGHUP.
 */
export const command: Command = {
  summary: "(internal) Run a simulated cloud's gateway latency proxy",
  usage: 'aloft sim proxy <cloud> [--data-dir DIR]',
  options: { 'data-dir': { type: 'string' } },
  async run({ values, positionals, io }) {
    const dir = dataDir(values['data-dir'] as string | undefined, io.env, io.cwd);
    const cloud = positionals[0] ?? '';
    const read = (): { listeners: { listen: string; target: string }[]; delay: number } => {
      const c = readSimState(dir)?.clouds[cloud];
      if (!c?.proxy) {
        throw new AloftError('NOT_FOUND', `no proxy for cloud ${JSON.stringify(cloud)} in ${dir}`);
      }
      return { listeners: c.proxy.listeners, delay: c.latencyMs };
    };
    const initial = read();
    let delay = initial.delay;
    const proxy = await startLatencyProxy(initial.listeners, () => delay);
    process.on('SIGHUP', () => {
      try {
        delay = read().delay;
        io.err(JSON.stringify({ msg: 'latency changed', cloud, delayMs: delay }));
      } catch (err) {
        io.err(JSON.stringify({ msg: 'could not re-read the latency', error: String(err) }));
      }
    });
    io.out(JSON.stringify({ proxy: cloud, addresses: proxy.addresses, delayMs: delay }));
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await proxy.stop();
    return 0;
  },
};
