import type { HostsView } from '../lattice/index.ts';
import { isAlive } from '../nats/index.ts';
import type { LoadSecond } from './load.ts';
import type { SimState } from './state.ts';

/** Renders the live terminal view of a simulation: one frame, as lines. */
export function renderFrame(input: {
  state: SimState;
  view: HostsView;
  last: LoadSecond | undefined;
  totals: { ok: number; errors: number; skipped?: number };
  component: string;
  now?: Date;
  /** The live web dashboard's address, when one runs. */
  dashboardUrl?: string | undefined;
}): string[] {
  const { state, view, last } = input;
  const lines = [
    `Aloft simulation: lattice "${state.lattice}", ${state.topology} topology, t=${last?.t ?? 0}s   ${(input.now ?? new Date()).toISOString().slice(11, 19)}`,
    '',
    `${'CLOUD'.padEnd(8)}${'REGION'.padEnd(14)}${'NATS'.padEnd(6)}${'HOSTS'.padEnd(7)}${'INSTANCES'.padEnd(11)}${'CONDITION'.padEnd(12)}SERVED/s`,
  ];
  for (const [cloud, c] of Object.entries(state.clouds)) {
    const natsUp = c.nats.filter((n) => isAlive(n.pid)).length;
    const inCloud = view.entries().filter((e) => e.labels.cloud === cloud);
    const live = inCloud.filter((e) => e.labels.role !== 'ingress');
    const instances = live.reduce((n, e) => n + (e.components[input.component] ?? 0), 0);
    const served = last?.servedBy[cloud] ?? 0;
    lines.push(
      `${cloud.padEnd(8)}${c.region.padEnd(14)}${`${natsUp}/${c.nats.length}`.padEnd(6)}${`${live.length}/${c.hosts.length}`.padEnd(7)}${String(instances).padEnd(11)}${c.condition.padEnd(12)}${bar(served)} ${served}`,
    );
  }
  const total = Object.values(last?.servedBy ?? {}).reduce((a, b) => a + b, 0);
  const origins = Object.entries(last?.byOrigin ?? {})
    .map(([cloud, o]) => `${cloud} ${o.ok} ok${o.errors ? ` / ${o.errors} failed` : ''}`)
    .join(', ');
  lines.push(
    '',
    `HTTP: ${total}/s ok, ${last?.errors ?? 0} errors/s, p50 ${fmt(last?.p50Ms)} ms, p99 ${fmt(last?.p99Ms)} ms` +
      `   since start: ${input.totals.ok} ok, ${input.totals.errors} failed` +
      (input.totals.skipped
        ? `, ${input.totals.skipped} not sent (too many waiting: lower --rate)`
        : ''),
    `by ingress: ${origins || '-'}`,
    networkLine(state),
    '',
    'faults (from another terminal): aloft sim kill|hang|restore|partition <cloud>, aloft sim partition <a> <b>,',
    '  aloft sim latency <cloud> <ms>, aloft sim heal [<cloud> [<other>]], aloft sim down',
  );
  if (input.dashboardUrl) lines.push(`dashboard (with fault buttons): ${input.dashboardUrl}`);
  return lines;
}

function networkLine(state: SimState): string {
  const net = state.network;
  const latency = Object.entries(state.clouds)
    .filter(([, c]) => c.latencyMs > 0)
    .map(([cloud, c]) => `${cloud} +${c.latencyMs} ms`);
  const extra = latency.length ? `; latency: ${latency.join(', ')}` : '';
  if (net.mode === 'loopback') return `network: loopback (no partitions: ${net.reason})${extra}`;
  const cuts = net.cuts.map((c) => `${c.from}→${c.to}`);
  return (
    `network: namespaces ${net.plan.prefix}-*` +
    (net.isolated.length ? `; isolated: ${net.isolated.join(', ')}` : '') +
    (cuts.length ? `; cut: ${cuts.join(' ')}` : '') +
    extra
  );
}

function bar(n: number): string {
  return '█'.repeat(Math.min(30, Math.round(n / 10))).padEnd(30);
}

function fmt(n: number | undefined): string {
  return n === undefined ? '-' : n.toFixed(2);
}
