/**
 * `npm run bench -- <name> [args]`: runs bench/<name>.ts, prints its figures and appends them to
 * BENCHMARKS.md with the date, the machine and the command that produced them.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import type { Bench, BenchResult } from './harness.ts';

const [name, ...args] = process.argv.slice(2);
if (!name || !/^[a-z0-9-]+$/.test(name)) {
  console.error('usage: npm run bench -- <name> [args]   (name: a file in bench/, e.g. nats)');
  process.exit(2);
}
const file = resolve(import.meta.dirname, `${name}.ts`);
if (!existsSync(file)) {
  console.error(`no benchmark named "${name}" (expected ${file})`);
  process.exit(2);
}
const mod = (await import(file)) as { default: Bench };
const result = await mod.default({ args, log: (line) => console.error(line) });
const table = render(result);
console.log(table);
if (!args.includes('--no-record')) {
  const target = resolve(import.meta.dirname, '..', 'BENCHMARKS.md');
  if (!existsSync(target) || readFileSync(target, 'utf8').trim() === '') {
    appendFileSync(target, '# Benchmarks\n\nEach section was appended by the command it names.\n');
  }
  appendFileSync(target, '\n' + table + '\n');
  console.error(`recorded in ${target}`);
}

function render(r: BenchResult): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  const machine = `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const lines = [
    `## ${r.title}`,
    '',
    `- date: ${new Date().toISOString()}`,
    `- machine: ${machine}`,
    `- command: \`npm run bench -- ${[name, ...args].join(' ')}\``,
    `- baseline: ${r.baseline}`,
    '',
    '| measure | value | unit | × baseline | goal |',
    '| --- | ---: | --- | ---: | --- |',
    ...r.rows.map(
      (row) =>
        `| ${row.name} | ${fmt(row.value)} | ${row.unit} | ${row.ratio === undefined ? '' : fmt(row.ratio)} | ${row.goal ?? ''} |`,
    ),
  ];
  if (r.notes?.length) lines.push('', ...r.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 1) return n.toFixed(2);
  return n.toFixed(3);
}
