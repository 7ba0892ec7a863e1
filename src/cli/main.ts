import { parseArgs } from 'node:util';
import { isAloftError, errorMessage } from '../support/index.ts';
import type { CliIO, Command } from './command.ts';
import { exitCodeFor } from './exit-codes.ts';

/** The verbs, each loaded lazily from its own file. Multi-word verbs are joined with a space. */
const commands: Record<string, () => Promise<{ command: Command }>> = {
  up: () => import('./commands/up.ts'),
  down: () => import('./commands/down.ts'),
  host: () => import('./commands/host.ts'),
  'get hosts': () => import('./commands/get-hosts.ts'),
  'get inventory': () => import('./commands/get-inventory.ts'),
  call: () => import('./commands/call.ts'),
  events: () => import('./commands/events.ts'),
  logs: () => import('./commands/logs.ts'),
  'start component': () => import('./commands/start-component.ts'),
  'stop component': () => import('./commands/stop-component.ts'),
  'start provider': () => import('./commands/start-provider.ts'),
  'stop provider': () => import('./commands/stop-provider.ts'),
  'scale component': () => import('./commands/scale-component.ts'),
  label: () => import('./commands/label.ts'),
  unlabel: () => import('./commands/unlabel.ts'),
  cordon: () => import('./commands/cordon.ts'),
  uncordon: () => import('./commands/uncordon.ts'),
  drain: () => import('./commands/drain.ts'),
  push: () => import('./commands/push.ts'),
  'link put': () => import('./commands/link-put.ts'),
  'link del': () => import('./commands/link-del.ts'),
  'config put': () => import('./commands/config-put.ts'),
  'config del': () => import('./commands/config-del.ts'),
  'app validate': () => import('./commands/app-validate.ts'),
  'app put': () => import('./commands/app-put.ts'),
  'app deploy': () => import('./commands/app-deploy.ts'),
  'app undeploy': () => import('./commands/app-undeploy.ts'),
  'app delete': () => import('./commands/app-delete.ts'),
  'app list': () => import('./commands/app-list.ts'),
  'app get': () => import('./commands/app-get.ts'),
  'app history': () => import('./commands/app-history.ts'),
  'app rollback': () => import('./commands/app-rollback.ts'),
  'app status': () => import('./commands/app-status.ts'),
  reconciler: () => import('./commands/reconciler.ts'),
  'sim up': () => import('./commands/sim-up.ts'),
  'sim down': () => import('./commands/sim-down.ts'),
  'sim kill': () => import('./commands/sim-kill.ts'),
  'sim hang': () => import('./commands/sim-hang.ts'),
  'sim restore': () => import('./commands/sim-restore.ts'),
  'sim heal': () => import('./commands/sim-heal.ts'),
  'sim partition': () => import('./commands/sim-partition.ts'),
  'sim latency': () => import('./commands/sim-latency.ts'),
  'sim proxy': () => import('./commands/sim-proxy.ts'),
  'sim status': () => import('./commands/sim-status.ts'),
  'sim report': () => import('./commands/sim-report.ts'),
  'new component': () => import('./commands/new-component.ts'),
  dashboard: () => import('./commands/dashboard.ts'),
  build: () => import('./commands/build.ts'),
  inspect: () => import('./commands/inspect.ts'),
  'keys gen': () => import('./commands/keys-gen.ts'),
  'keys public': () => import('./commands/keys-public.ts'),
  'claims sign': () => import('./commands/claims-sign.ts'),
  'claims inspect': () => import('./commands/claims-inspect.ts'),
  'policy show': () => import('./commands/policy-show.ts'),
  'policy set': () => import('./commands/policy-set.ts'),
  'secret put': () => import('./commands/secret-put.ts'),
  'secret del': () => import('./commands/secret-del.ts'),
  'secret list': () => import('./commands/secret-list.ts'),
  'nats config': () => import('./commands/nats-config.ts'),
};

/** The known verbs, sorted. */
export function verbs(): string[] {
  return Object.keys(commands).sort();
}

function defaultIO(): CliIO {
  return {
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    env: process.env,
    cwd: process.cwd(),
  };
}

/**
 * Runs `aloft <argv>` and returns the exit code. Errors become one line on stderr: a user
 * never sees a stack trace for bad input (set ALOFT_DEBUG=1 to see one).
 */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const two = argv.slice(0, 2).join(' ');
  const key = commands[two] ? two : (argv[0] ?? 'help');
  const rest = argv.slice(key.split(' ').length);
  if (key === 'help' || key === '--help' || key === '-h') return help(io);
  const load = commands[key];
  if (!load) {
    io.err(
      `aloft: unknown command "${argv.join(' ')}". Run "aloft help" for the list of commands.`,
    );
    return 2;
  }
  const { command } = await load();
  try {
    const parsed = parseArgs({
      args: rest,
      options: { help: { type: 'boolean', short: 'h' }, ...(command.options ?? {}) },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.values.help) {
      io.out(`${command.summary}\n\nUsage:\n  ${command.usage}`);
      return 0;
    }
    return await command.run({ values: parsed.values, positionals: parsed.positionals, io });
  } catch (err) {
    if (isAloftError(err)) {
      io.err(`aloft ${key}: ${err.message}${err.hint ? ` (${err.hint})` : ''}`);
      if (io.env.ALOFT_DEBUG) io.err(String(err.stack));
      return exitCodeFor(err.code);
    }
    if (
      err instanceof TypeError &&
      'code' in err &&
      String(err.code).startsWith('ERR_PARSE_ARGS')
    ) {
      io.err(`aloft ${key}: ${err.message}\nUsage: ${command.usage}`);
      return 2;
    }
    io.err(`aloft ${key}: unexpected failure: ${errorMessage(err)}`);
    if (io.env.ALOFT_DEBUG) io.err(String((err as Error).stack));
    return 1;
  }
}

async function help(io: CliIO): Promise<number> {
  io.out('aloft: a resilient multi-cloud WebAssembly platform on NATS\n\nCommands:');
  for (const verb of verbs()) {
    const load = commands[verb];
    if (!load) continue;
    const { command } = await load();
    io.out(`  ${verb.padEnd(22)} ${command.summary}`);
  }
  io.out('\nRun "aloft <command> --help" for its options.');
  return 0;
}
