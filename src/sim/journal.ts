import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { AloftError } from '../support/index.ts';
import { simDir } from './state.ts';

/**
 * The simulation's journal: one JSON record per line in `<dataDir>/sim/timeline.jsonl`, appended by
 * the processes that see something happen (the load's per-second figures and the lattice's
 * events by `aloft sim up`, faults by whoever injects them), read by `aloft sim report`.
 * Records of a type this version does not know are skipped, so new kinds of record and fault can
 * be added without breaking older readers.
 */

/** The run began: what was deployed and the placement it should have. */
export const StartRecord = z.object({
  type: z.literal('start'),
  at: z.number(),
  component: z.string(),
  /** Desired instances per cloud (the manifest's spread). */
  desired: z.record(z.string(), z.number().int().nonnegative()),
  ratePerCloud: z.number().optional(),
  topology: z.string().optional(),
});
export type StartRecord = z.infer<typeof StartRecord>;

/** One second of load, as the load generator measured it; `at` is the end of that second. */
export const SecondRecord = z.object({
  type: z.literal('second'),
  at: z.number(),
  servedBy: z.record(z.string(), z.number().nonnegative()),
  errors: z.number().nonnegative(),
  p50Ms: z.number().nonnegative(),
  p99Ms: z.number().nonnegative(),
});
export type SecondRecord = z.infer<typeof SecondRecord>;

/** A fault (or a repair) injected: a kind (`kill`, `hang`, `restore`, …) and what it targets. */
export const FaultRecord = z.object({
  type: z.literal('fault'),
  at: z.number(),
  kind: z.string().min(1),
  /** Clouds or host names (empty: everything the kind applies to). */
  targets: z.array(z.string()),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type FaultRecord = z.infer<typeof FaultRecord>;

/** A lattice event (`host_lost`, `component_started`, …) as the simulation received it. */
export const EventRecord = z.object({
  type: z.literal('event'),
  at: z.number(),
  event: z.string(),
  hostId: z.string().optional(),
  cloud: z.string().optional(),
  name: z.string().optional(),
});
export type EventRecord = z.infer<typeof EventRecord>;

/** Instances (of the sample component) and live hosts per cloud, written whenever they change. */
export const PlacementRecord = z.object({
  type: z.literal('placement'),
  at: z.number(),
  instances: z.record(z.string(), z.number().int().nonnegative()),
  hosts: z.record(z.string(), z.number().int().nonnegative()),
});
export type PlacementRecord = z.infer<typeof PlacementRecord>;

export const JournalRecord = z.discriminatedUnion('type', [
  StartRecord,
  SecondRecord,
  FaultRecord,
  EventRecord,
  PlacementRecord,
]);
export type JournalRecord = z.infer<typeof JournalRecord>;

const KNOWN = new Set(['start', 'second', 'fault', 'event', 'placement']);

/** Where a running simulation's journal is. */
export const journalFile = (dataDir: string): string => join(simDir(dataDir), 'timeline.jsonl');
/** Where `aloft sim down` keeps the last run's journal, so it can be reported after the fact. */
export const lastJournalFile = (dataDir: string): string => join(dataDir, 'sim-timeline.jsonl');

/** Starts a fresh journal for a new run. */
export function resetJournal(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, '');
}

/** Appends one record (one short write with O_APPEND, so several processes may append). */
export function appendRecord(file: string, record: JournalRecord): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, JSON.stringify(record) + '\n');
}

/** Records a fault in the journal of the simulation in `dataDir`, if it has one. */
export function recordFault(
  dataDir: string,
  kind: string,
  targets: string[],
  now: () => number = Date.now,
): void {
  const file = journalFile(dataDir);
  if (!existsSync(file)) return;
  appendRecord(file, { type: 'fault', at: now(), kind, targets });
}

/**
 * Parses a journal's text. A last line cut short (its writer was killed mid-write) is skipped;
 * any other malformed line is an error naming the file, the line and the field.
 */
export function parseJournal(text: string, file = 'journal'): JournalRecord[] {
  const lines = text.split('\n');
  const records: JournalRecord[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${file}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      if (lines.slice(i + 1).every((l) => !l.trim())) return; // a truncated last write
      throw new AloftError('INVALID_INPUT', `${where}: not a JSON record`);
    }
    const type = (json as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !KNOWN.has(type)) return;
    const parsed = JournalRecord.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.join('.') || '(record)';
      throw new AloftError(
        'INVALID_INPUT',
        `${where}: ${type} record: ${path}: ${issue?.message ?? 'invalid'}`,
      );
    }
    records.push(parsed.data);
  });
  return records;
}

/** Reads and parses a journal file. */
export function readJournal(file: string): JournalRecord[] {
  if (!existsSync(file)) {
    throw new AloftError('NOT_FOUND', `no simulation journal at ${file}`, {
      hint: 'run a scenario with "aloft sim up" first',
    });
  }
  return parseJournal(readFileSync(file, 'utf8'), file);
}
