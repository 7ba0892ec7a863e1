import type { ParseArgsConfig } from 'node:util';

/** Where a command writes: stdout for results, stderr for progress and errors. */
export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** One verb of the `aloft` CLI, in a file of its own under `commands/`, loaded only when used. */
export interface Command {
  /** One line for `aloft help`. */
  summary: string;
  /** Usage line(s) shown in `aloft <verb> --help` and on a usage error. */
  usage: string;
  /** Options for `node:util` `parseArgs`. */
  options?: ParseArgsConfig['options'];
  /** Runs the command and returns the process exit code. Throw an `AloftError` for failures. */
  run(ctx: {
    values: Record<string, string | boolean | (string | boolean)[] | undefined>;
    positionals: string[];
    io: CliIO;
  }): Promise<number>;
}
