import { relative, resolve } from 'node:path';
import { assertLatticeName, latticeAccount } from '../../lattice/index.ts';
import {
  DEPLOYMENT_TOPOLOGIES,
  writeDeployment,
  type DeploymentTopology,
} from '../../nats/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';

const list = (v: unknown): string[] =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : [];

/**
 * Checks `--app-subjects`: NATS subject patterns that components may use for messaging. The
 * platform's own subjects and the server's are refused: they are granted per role, never as app
 * subjects.
 */
export function parseAppSubjects(value: string): string[] {
  const subjects = list(value);
  if (subjects.length === 0) throw new AloftError('USAGE', '--app-subjects is empty');
  for (const s of subjects) {
    const tokens = s.split('.');
    const valid = tokens.every(
      (t, i) => /^[^\s*>]+$/.test(t) || t === '*' || (t === '>' && i === tokens.length - 1),
    );
    if (!valid) {
      throw new AloftError(
        'USAGE',
        `--app-subjects: ${JSON.stringify(s)} is not a subject pattern`,
        {
          hint: 'e.g. orders.> or payments.*.created, several separated by commas',
        },
      );
    }
    const first = tokens[0] ?? '';
    if (first === 'aloft' || first.startsWith('$') || first.startsWith('_INBOX')) {
      throw new AloftError('USAGE', `--app-subjects: ${s} is reserved for the platform`, {
        hint: 'name the subjects your components publish and subscribe to, e.g. orders.>',
      });
    }
  }
  return subjects;
}

export const command: Command = {
  summary:
    'Generate NATS server configs, accounts, per-role credentials and TLS for a real deployment',
  usage:
    'aloft nats config --topology single|cluster|supercluster|leaf [--clouds aws,gcp,azure] [--servers-per-cloud N] [--leaf-sites a,b] [--lattices default,…] [--out DIR] [--domain nats.example.com | --loopback] [--tls [--tls-ca CA.pem --tls-ca-key KEY.pem]] [--websocket] [--app-subjects orders.>,…] [--expires-days N] [--server-root DIR] [--server-data DIR]',
  options: {
    topology: { type: 'string' },
    clouds: { type: 'string' },
    'servers-per-cloud': { type: 'string' },
    'leaf-sites': { type: 'string' },
    lattices: { type: 'string' },
    out: { type: 'string' },
    domain: { type: 'string' },
    loopback: { type: 'boolean' },
    tls: { type: 'boolean' },
    'tls-ca': { type: 'string' },
    'tls-ca-key': { type: 'string' },
    websocket: { type: 'boolean' },
    'app-subjects': { type: 'string' },
    'expires-days': { type: 'string' },
    'server-root': { type: 'string' },
    'server-data': { type: 'string' },
    'js-domain': { type: 'string' },
  },
  async run({ values, io }) {
    const topology = (values.topology as string | undefined) ?? 'cluster';
    if (!DEPLOYMENT_TOPOLOGIES.includes(topology as DeploymentTopology)) {
      throw new AloftError('USAGE', `unknown topology ${JSON.stringify(topology)}`, {
        hint: `use one of ${DEPLOYMENT_TOPOLOGIES.join(', ')}`,
      });
    }
    const clouds = list(values.clouds ?? (topology === 'single' ? 'local' : 'aws,gcp,azure'));
    const lattices = list(values.lattices ?? 'default').map(assertLatticeName);
    const perCloud =
      values['servers-per-cloud'] === undefined ? undefined : Number(values['servers-per-cloud']);
    if (values.loopback && values.domain) {
      throw new AloftError(
        'USAGE',
        'choose --domain (servers on their own machines) or --loopback',
      );
    }
    const caFile = values['tls-ca'] as string | undefined;
    const caKey = values['tls-ca-key'] as string | undefined;
    if ((caFile === undefined) !== (caKey === undefined)) {
      throw new AloftError(
        'USAGE',
        '--tls-ca and --tls-ca-key go together (the CA signs the certificates)',
      );
    }
    let expiresAt: number | undefined;
    if (values['expires-days'] !== undefined) {
      const days = Number(values['expires-days']);
      if (!Number.isFinite(days) || days <= 0) {
        throw new AloftError('USAGE', `--expires-days must be a positive number of days`);
      }
      expiresAt = Math.floor(Date.now() / 1000 + days * 86_400);
    }
    const appSubjects = values['app-subjects']
      ? parseAppSubjects(values['app-subjects'] as string)
      : undefined;
    const out = resolve(io.cwd, (values.out as string | undefined) ?? 'nats-config');
    const jsDomain =
      topology === 'leaf' ? ((values['js-domain'] as string | undefined) ?? 'hub') : undefined;
    if (jsDomain !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(jsDomain)) {
      throw new AloftError('USAGE', `invalid --js-domain ${JSON.stringify(jsDomain)}`, {
        hint: 'letters, digits, "-" or "_"',
      });
    }
    const written = await writeDeployment({
      out,
      topology: topology as DeploymentTopology,
      clouds,
      ...(perCloud !== undefined ? { serversPerCloud: perCloud } : {}),
      ...(values['leaf-sites'] ? { leafSites: list(values['leaf-sites']) } : {}),
      network: values.loopback
        ? { kind: 'loopback' }
        : { kind: 'dns', domain: (values.domain as string | undefined) ?? 'nats.internal' },
      websocket: values.websocket === true,
      ...(jsDomain ? { jsDomain } : {}),
      accounts: lattices.map((l) => ({
        name: l,
        ...latticeAccount(l, {
          ...(appSubjects ? { appSubjects } : {}),
          ...(jsDomain ? { jsDomain } : {}),
        }),
      })),
      ...(values.tls || caFile
        ? {
            tls:
              caFile && caKey
                ? {
                    ca: {
                      dir: out,
                      caFile: resolve(io.cwd, caFile),
                      caKeyFile: resolve(io.cwd, caKey),
                    },
                  }
                : {},
          }
        : {}),
      ...(values['server-root']
        ? { serverRoot: resolve(io.cwd, values['server-root'] as string) }
        : {}),
      ...(values['server-data'] ? { serverDataRoot: values['server-data'] as string } : {}),
      ...(expiresAt ? { expiresAt } : {}),
    });
    const r = (p: string): string => relative(io.cwd, p) || '.';
    io.out(
      `NATS ${topology} for ${clouds.join(', ')}, lattices ${lattices.join(', ')}, in ${r(out)}:`,
    );
    for (const s of written.servers)
      io.out(`  ${r(s.configFile).padEnd(40)} ${s.kind === 'leaf' ? 'leaf ' : ''}${s.clientUrl}`);
    io.out(`  ${r(`${out}/creds`)}/<lattice>/<role>.creds     one user per role (mode 0600)`);
    io.out(
      `  ${r(`${out}/keys`)}/                       operator and account seeds: keep them offline`,
    );
    io.out(
      `  ${r(`${out}/keys`)}/<lattice>.issuer-browser.json  signs browser tabs: give it to the dashboard only`,
    );
    if (written.caFile)
      io.out(`  ${r(`${out}/tls`)}/                        CA, server and client certificates`);
    io.out(`  ${r(`${out}/clients.json`)}                  URLs per cloud and files per role`);
    const first = lattices[0] ?? 'default';
    const hostFiles = written.clients[first]?.host;
    const cloud = Object.keys(written.urls)[0] ?? '';
    io.out('');
    io.out('Start each server with: nats-server -c <config>. A host then joins with:');
    io.out(
      `  aloft host --lattice ${first} --nats-url ${(written.urls[cloud] ?? []).join(',')} --creds ${r(hostFiles?.creds ?? '')}` +
        (hostFiles?.cert
          ? ` --tls-ca ${r(written.caFile ?? '')} --tls-cert ${r(hostFiles.cert)} --tls-key ${r(hostFiles.key ?? '')}`
          : '') +
        ` --label cloud=${cloud}`,
    );
    if (values.websocket === true) {
      io.out('and the dashboard serves /join (one short-lived NATS user per browser tab) with:');
      io.out(
        `  aloft dashboard --lattice ${first} --nats-url … --creds ${r(written.clients[first]?.observer?.creds ?? '')} --ws-url wss://… --browser-issuer ${r(written.auth.issuers[first]?.browser ?? '')}`,
      );
    }
    return 0;
  },
};
