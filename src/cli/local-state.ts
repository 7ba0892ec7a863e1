import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { isAlive } from '../nats/index.ts';

/** One process that `aloft up` started and `aloft down` stops. */
const Proc = z.object({
  role: z.string(),
  pid: z.number().int().positive(),
  detail: z.string().optional(),
});

/** What `aloft up` started, kept in `<data dir>/up.json` so that `aloft down` stops exactly that. */
const UpState = z.object({
  startedAt: z.string(),
  lattice: z.string(),
  natsUrl: z.string(),
  /** True when NATS was given with --nats-url and is not ours to stop. */
  externalNats: z.boolean(),
  websocketUrl: z.string().optional(),
  monitorUrl: z.string().optional(),
  /** The live web dashboard `up` started. */
  dashboardUrl: z.string().optional(),
  processes: z.array(Proc),
  /**
   * The lattice's NATS accounts (`aloft up` without `--insecure`): where the operator material
   * lives, and the credentials file of each role (the CLI uses `admin`).
   */
  auth: z
    .object({
      dir: z.string(),
      creds: z.record(z.string(), z.string()),
      /** The browser-tab issuer file (`keys/<lattice>.issuer-browser.json`): /join signs tabs with it. */
      browserIssuer: z.string().optional(),
    })
    .optional(),
});
export type UpState = z.infer<typeof UpState>;

/** The data directory: `--data-dir`, else `$ALOFT_HOME`, else `./.aloft`. */
export function dataDir(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  return resolve(cwd, flag ?? env.ALOFT_HOME ?? '.aloft');
}

const stateFile = (dir: string): string => join(dir, 'up.json');

export function readUpState(dir: string): UpState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  const parsed = UpState.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

export function writeUpState(dir: string, state: UpState): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(stateFile(dir), JSON.stringify(state, null, 2) + '\n');
}

export function removeUpState(dir: string): void {
  rmSync(stateFile(dir), { force: true });
}

/** The recorded processes that are still alive. */
export function liveProcesses(state: UpState): UpState['processes'] {
  return state.processes.filter((p) => isAlive(p.pid));
}
