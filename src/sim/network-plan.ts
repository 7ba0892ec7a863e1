/**
 * Pure planning of the simulation's network: one network namespace per cloud, joined by a bridge in
 * a namespace of its own (the "WAN"), plus an access link from this machine's namespace into each
 * cloud (its users and load balancer). Faults are data: which clouds are isolated, which directed
 * pairs are cut; the shell (`netns.ts`) turns them into `ip` and `nft` commands.
 */
import { AloftError } from '../support/index.ts';

/** The WAN between clouds lives only inside the simulation's namespaces. */
const WAN_NET = '10.232.0';
/** Access links are /30s in a /24 of this range chosen per run (they exist on this machine). */
const ACCESS_NET = '10.233';

export interface CloudNetwork {
  /** Network namespace of the cloud's processes. */
  ns: string;
  /** The cloud's address on the WAN (other clouds reach it here). */
  wanIp: string;
  /** The cloud's address on its access link (this machine reaches it here). */
  accessIp: string;
  /** This machine's end of the access link. */
  hostIp: string;
  /** The WAN veth inside the cloud's namespace, and its peer enslaved to the bridge. */
  wanVeth: string;
  bridgePort: string;
  /** The access veth on this machine, and its peer inside the cloud's namespace. */
  hostVeth: string;
  accessVeth: string;
}

export interface NetworkPlan {
  /** Unique per run; every namespace and interface name starts with it. */
  prefix: string;
  bridgeNs: string;
  clouds: Record<string, CloudNetwork>;
}

/** A directed cut: packets from `from` to `to` are dropped (a symmetric cut is two of them). */
export interface Cut {
  from: string;
  to: string;
}

/** Names of namespaces and interfaces are limited (15 bytes for an interface): keep them short. */
export const PREFIX_PATTERN = /^al[0-9a-z]{5}$/;

/** A fresh run prefix, `al` and five base-36 characters. */
export function newPrefix(random: () => number = Math.random): string {
  let s = 'al';
  for (let i = 0; i < 5; i++) s += Math.floor(random() * 36).toString(36);
  return s;
}

/** Cloud names become namespace names: keep them to what every tool accepts. */
export function assertCloudName(cloud: string): void {
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(cloud)) {
    throw new AloftError('USAGE', `cloud name ${JSON.stringify(cloud)} is not allowed`, {
      hint: 'use 1-20 lower-case letters, digits or "-", starting with a letter (e.g. aws)',
    });
  }
}

/**
 * Picks the third octet of this run's access /24 so that it collides with no route this machine
 * already has (`ip -4 route` output), e.g. another simulation running at the same time.
 */
export function pickAccessOctet(routes: string, random: () => number = Math.random): number {
  const taken = new Set([...routes.matchAll(/10\.233\.(\d{1,3})\./g)].map((m) => Number(m[1])));
  const start = Math.floor(random() * 256);
  for (let i = 0; i < 256; i++) {
    const octet = (start + i) % 256;
    if (!taken.has(octet)) return octet;
  }
  throw new AloftError('SIM_NETWORK_FULL', `every 10.233.x.0/24 is in use on this machine`, {
    hint: 'stop other simulations (aloft sim down) and try again',
  });
}

export function planNetwork(prefix: string, clouds: string[], accessOctet: number): NetworkPlan {
  if (!PREFIX_PATTERN.test(prefix)) throw new Error(`bad network prefix ${prefix}`);
  if (clouds.length > 60) {
    throw new AloftError('USAGE', `at most 60 clouds can be simulated, not ${clouds.length}`);
  }
  const out: Record<string, CloudNetwork> = {};
  clouds.forEach((cloud, i) => {
    assertCloudName(cloud);
    const id = i.toString(36);
    out[cloud] = {
      ns: `${prefix}-${cloud}`,
      wanIp: `${WAN_NET}.${10 + i}`,
      accessIp: `${ACCESS_NET}.${accessOctet}.${4 * i + 2}`,
      hostIp: `${ACCESS_NET}.${accessOctet}.${4 * i + 1}`,
      wanVeth: `${prefix}w${id}`,
      bridgePort: `${prefix}b${id}`,
      hostVeth: `${prefix}a${id}`,
      accessVeth: `${prefix}c${id}`,
    };
  });
  return { prefix, bridgeNs: `${prefix}-wan`, clouds: out };
}

/** The `ip` commands (argument lists) that build the plan, in order. */
export function setupCommands(plan: NetworkPlan): string[][] {
  const b = plan.bridgeNs;
  const cmds: string[][] = [
    ['netns', 'add', b],
    ['-n', b, 'link', 'set', 'lo', 'up'],
    ['-n', b, 'link', 'add', 'br0', 'type', 'bridge'],
    ['-n', b, 'link', 'set', 'br0', 'up'],
  ];
  for (const c of Object.values(plan.clouds)) {
    cmds.push(
      ['netns', 'add', c.ns],
      ['-n', c.ns, 'link', 'set', 'lo', 'up'],
      ['link', 'add', c.wanVeth, 'type', 'veth', 'peer', 'name', c.bridgePort],
      ['link', 'set', c.wanVeth, 'netns', c.ns],
      ['link', 'set', c.bridgePort, 'netns', b],
      ['-n', b, 'link', 'set', c.bridgePort, 'master', 'br0'],
      ['-n', b, 'link', 'set', c.bridgePort, 'up'],
      ['-n', c.ns, 'addr', 'add', `${c.wanIp}/24`, 'dev', c.wanVeth],
      ['-n', c.ns, 'link', 'set', c.wanVeth, 'up'],
      ['link', 'add', c.hostVeth, 'type', 'veth', 'peer', 'name', c.accessVeth],
      ['link', 'set', c.accessVeth, 'netns', c.ns],
      ['addr', 'add', `${c.hostIp}/30`, 'dev', c.hostVeth],
      ['link', 'set', c.hostVeth, 'up'],
      ['-n', c.ns, 'addr', 'add', `${c.accessIp}/30`, 'dev', c.accessVeth],
      ['-n', c.ns, 'link', 'set', c.accessVeth, 'up'],
    );
  }
  return cmds;
}

/** Every namespace of the plan (deleting them removes every interface the plan made). */
export function namespacesOf(plan: NetworkPlan): string[] {
  return [...Object.values(plan.clouds).map((c) => c.ns), plan.bridgeNs];
}

/**
 * The nftables script that makes a cloud's namespace drop exactly the cut traffic: outgoing to
 * clouds it is cut from, incoming from clouds cut from it. Replaces the previous rules atomically.
 */
export function cutScript(plan: NetworkPlan, cloud: string, cuts: readonly Cut[]): string {
  const ip = (c: string): string => plan.clouds[c]?.wanIp ?? '';
  const out = cuts.filter((c) => c.from === cloud && ip(c.to)).map((c) => ip(c.to));
  const inc = cuts.filter((c) => c.to === cloud && ip(c.from)).map((c) => ip(c.from));
  return [
    'table inet aloft_sim {}',
    'delete table inet aloft_sim',
    'table inet aloft_sim {',
    '  chain out {',
    '    type filter hook output priority 0; policy accept;',
    ...out.map((a) => `    ip daddr ${a} drop`),
    '  }',
    '  chain in {',
    '    type filter hook input priority 0; policy accept;',
    ...inc.map((a) => `    ip saddr ${a} drop`),
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Adds the cuts between `a` and `b` (both directions, or only a → b when `oneWay`). */
export function addCut(cuts: readonly Cut[], a: string, b: string, oneWay = false): Cut[] {
  const next = [...cuts];
  const add = (from: string, to: string): void => {
    if (!next.some((c) => c.from === from && c.to === to)) next.push({ from, to });
  };
  add(a, b);
  if (!oneWay) add(b, a);
  return next;
}

/** Removes the cuts between `a` and `b` (both directions), or every cut touching `a`. */
export function removeCuts(cuts: readonly Cut[], a: string, b?: string): Cut[] {
  return cuts.filter((c) =>
    b === undefined
      ? c.from !== a && c.to !== a
      : !((c.from === a && c.to === b) || (c.from === b && c.to === a)),
  );
}
