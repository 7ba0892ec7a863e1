#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ (or the files/folders given) with node:test + tsx, then
// checks that no process the tests started is still alive: each process Aloft spawns records its
// PID in $ALOFT_PID_LOG, and any survivor is killed and fails the run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const roots = args.length > 0 ? args : ['src', 'test'];

function collect(path, out) {
  if (!existsSync(path)) return;
  const st = statSync(path);
  if (st.isFile()) {
    if (path.endsWith('.test.ts')) out.push(path);
    return;
  }
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    collect(join(path, entry), out);
  }
}

const files = [];
for (const r of roots) collect(join(root, r), files);
files.sort();
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'aloft-tests-'));
const pidLog = join(work, 'pids');
const specLog = join(work, 'spec.txt');
const concurrency = process.env.ALOFT_TEST_CONCURRENCY ?? '1';
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=300000',
    // TAP on stdout as it happens; a spec report on the side, whose summary of failures (with
    // their errors and stacks) is printed again at the very end, where a truncated log keeps it.
    '--test-reporter=tap',
    '--test-reporter-destination=stdout',
    '--test-reporter=spec',
    `--test-reporter-destination=${specLog}`,
    ...files.map((f) => relative(root, f)),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, ALOFT_PID_LOG: pidLog } },
);

if (result.status !== 0 && existsSync(specLog)) {
  const spec = readFileSync(specLog, 'utf8');
  const at = spec.lastIndexOf('failing tests:');
  if (at >= 0) console.log(`\n# ${spec.slice(at).split('\n').join('\n# ')}`);
}

let leaked = [];
if (existsSync(pidLog)) {
  for (const line of readFileSync(pidLog, 'utf8').split('\n').filter(Boolean)) {
    const [pid, ...what] = line.split(' ');
    try {
      process.kill(Number(pid), 0);
      leaked.push(`${pid} (${what.join(' ')})`);
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
}
rmSync(work, { recursive: true, force: true });
if (leaked.length > 0) {
  console.error(`\nFAIL: the tests left processes running (now killed): ${leaked.join(', ')}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
