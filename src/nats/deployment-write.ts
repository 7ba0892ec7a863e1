import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureAuth, type AccountPlan, type AuthMaterial } from './auth-store.ts';
import { renderServerConfig } from './config.ts';
import {
  planDeployment,
  type DeploymentOptions,
  type PlannedServer,
  type PortPlan,
} from './deployment.ts';
import { freePort } from './ports.ts';
import { createCertificateAuthority, issueCertificate, type CertificateAuthority } from './tls.ts';

export interface WriteDeploymentOptions extends Pick<
  DeploymentOptions,
  'topology' | 'clouds' | 'serversPerCloud' | 'leafSites' | 'websocket' | 'jsDomain'
> {
  /** Where everything is written. */
  out: string;
  /** `dns`: servers on their own machines; `loopback`: all on this machine, on free ports. */
  network: { kind: 'dns'; domain: string } | { kind: 'loopback' };
  /** The lattices' accounts, their roles and users (see the lattice module's `latticeAccount`). */
  accounts: AccountPlan[];
  /** TLS everywhere, signed by `ca` (an existing CA's files) or a CA created in `<out>/tls`. */
  tls?: { ca?: CertificateAuthority };
  /**
   * Where the servers will find this directory's files (certificates, leaf credentials) and keep
   * their data: configs name absolute paths under it. Default: `out` itself (loopback), else
   * `/etc/nats` for files and `/var/lib/nats` for data.
   */
  serverRoot?: string;
  serverDataRoot?: string;
  /** Expiry of every user credential issued (seconds since the epoch). */
  expiresAt?: number;
}

export interface ClientRoleFiles {
  creds: string;
  cert?: string;
  key?: string;
}

export interface WrittenDeployment {
  out: string;
  servers: (PlannedServer & { configFile: string })[];
  auth: AuthMaterial;
  /** The CA file, when TLS is on. */
  caFile?: string;
  /** Per lattice and role: its credentials (and client certificate) under `out`. */
  clients: Record<string, Record<string, ClientRoleFiles>>;
  /** Client URLs by cloud (or edge site). */
  urls: Record<string, string[]>;
  /** The JetStream domain clients must address (leaf topology). */
  jsDomain?: string;
}

/** Leaf links carry a lattice's whole account between hub and edge: a user pinned to them. */
const LEAF_USER = {
  name: 'leaf',
  permissions: () => ({
    pub: { allow: ['>'], deny: [] },
    sub: { allow: ['>'], deny: [] },
    responses: false,
    connectionTypes: ['LEAFNODE'],
  }),
  tags: ['aloft-role:leaf'],
};

/**
 * Writes a deployment: operator, account and user material (`ensureAuth`: seeds and creds with
 * mode 0600), TLS certificates when asked, one config per server (`servers/<name>.conf`), and
 * `clients.json` naming each cloud's URLs and each role's files.
 */
export async function writeDeployment(o: WriteDeploymentOptions): Promise<WrittenDeployment> {
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const root = o.serverRoot ?? (o.network.kind === 'loopback' ? out : '/etc/nats');
  const dataRoot =
    o.serverDataRoot ?? (o.network.kind === 'loopback' ? join(out, 'data') : '/var/lib/nats');
  const accounts = o.accounts.map((a) =>
    o.topology === 'leaf' ? { ...a, users: [...a.users, LEAF_USER] } : a,
  );
  const auth = await ensureAuth(out, {
    operator: 'aloft',
    accounts,
    ...(o.expiresAt ? { expiresAt: o.expiresAt } : {}),
  });
  const lattices = Object.fromEntries(
    Object.entries(auth.accounts).map(([name, a]) => [name, a.publicKey]),
  );
  const ports = new Map<string, PortPlan>();
  const network: DeploymentOptions['network'] =
    o.network.kind === 'dns'
      ? o.network
      : { kind: 'loopback', ports: (n) => ports.get(n) ?? fail(n) };
  const base: Omit<DeploymentOptions, 'paths' | 'network'> = {
    topology: o.topology,
    clouds: o.clouds,
    ...(o.serversPerCloud !== undefined ? { serversPerCloud: o.serversPerCloud } : {}),
    ...(o.leafSites ? { leafSites: o.leafSites } : {}),
    ...(o.jsDomain ? { jsDomain: o.jsDomain } : {}),
    websocket: o.websocket,
    operator: auth.server,
    lattices,
  };
  const rel = (p: string): string => join(root, p);
  const paths: DeploymentOptions['paths'] = {
    store: (n) => join(dataRoot, n, 'jetstream'),
    resolver: (n) => join(dataRoot, n, 'jwt'),
    leafCreds: (l) => rel(join('creds', l, 'leaf.creds')),
    ...(o.tls
      ? {
          tls: {
            ca: rel(join('tls', 'ca.pem')),
            cert: (n: string) => rel(join('tls', 'servers', `${n}.pem`)),
            key: (n: string) => rel(join('tls', 'servers', `${n}-key.pem`)),
          },
        }
      : {}),
  };
  // Plan once to learn the names, reserve ports for loopback, then plan for real.
  const names = planDeployment({
    ...base,
    paths,
    network: {
      kind: 'loopback',
      ports: () => ({ client: 0, http: 0, cluster: 0, gateway: 0, leaf: 0, websocket: 0 }),
    },
  }).map((s) => s.name);
  if (o.network.kind === 'loopback') {
    for (const n of names) {
      const [client, http, cluster, gateway, leaf, websocket] = await Promise.all(
        Array.from({ length: 6 }, () => freePort()),
      );
      ports.set(n, { client, http, cluster, gateway, leaf, websocket } as PortPlan);
    }
  }
  const servers = planDeployment({ ...base, paths, network });

  const clients: WrittenDeployment['clients'] = {};
  const ca = o.tls ? (o.tls.ca ?? createCertificateAuthority(join(out, 'tls'))) : undefined;
  let caFile: string | undefined;
  if (ca) {
    caFile = join(out, 'tls', 'ca.pem');
    mkdirSync(join(out, 'tls'), { recursive: true });
    if (resolve(ca.caFile) !== caFile) copyFileSync(ca.caFile, caFile);
    for (const s of servers) {
      const dns =
        o.network.kind === 'dns'
          ? [`${s.name}.${o.network.domain}`, s.name]
          : [s.name, 'localhost'];
      issueCertificate(ca, s.name, {
        kind: 'server',
        dns,
        ips: ['127.0.0.1'],
        outDir: join(out, 'tls', 'servers'),
      });
    }
  }
  for (const [lattice, users] of Object.entries(auth.creds)) {
    const roles: Record<string, ClientRoleFiles> = {};
    for (const [role, creds] of Object.entries(users)) {
      if (role === 'leaf') continue;
      const files: ClientRoleFiles = { creds };
      if (ca) {
        const cert = issueCertificate(ca, `${lattice}-${role}`, {
          kind: 'client',
          outDir: join(out, 'tls', 'clients'),
        });
        files.cert = cert.certFile;
        files.key = cert.keyFile;
      }
      roles[role] = files;
    }
    clients[lattice] = roles;
  }
  mkdirSync(join(out, 'servers'), { recursive: true });
  const written = servers.map((s) => {
    const configFile = join(out, 'servers', `${s.name}.conf`);
    writeFileSync(configFile, renderServerConfig(s.spec));
    return { ...s, configFile };
  });
  const urls: Record<string, string[]> = {};
  for (const s of servers) {
    if (o.topology === 'leaf' && s.kind !== 'leaf') continue;
    (urls[s.cloud] ??= []).push(s.clientUrl);
  }
  if (o.topology === 'leaf')
    urls.hub = servers.filter((s) => s.kind === 'server').map((s) => s.clientUrl);
  const jsDomain = o.topology === 'leaf' ? (o.jsDomain ?? 'hub') : undefined;
  const result: WrittenDeployment = {
    ...(jsDomain ? { jsDomain } : {}),
    out,
    servers: written,
    auth,
    clients,
    urls,
    ...(caFile ? { caFile } : {}),
  };
  writeFileSync(join(out, 'clients.json'), JSON.stringify(describe(result, out), null, 2) + '\n');
  return result;
}

function fail(name: string): never {
  throw new Error(`no ports reserved for ${name}`);
}

/** clients.json: paths relative to the output directory. */
function describe(d: WrittenDeployment, out: string): unknown {
  const relTo = (p: string | undefined): string | undefined =>
    p ? p.replace(`${out}/`, '') : undefined;
  return {
    urls: d.urls,
    ...(d.jsDomain ? { jsDomain: d.jsDomain } : {}),
    ...(d.caFile ? { tlsCa: relTo(d.caFile) } : {}),
    systemCreds: relTo(d.auth.systemCreds),
    // Issuer files: the /join service signs each browser tab's user with `browser`.
    issuers: Object.fromEntries(
      Object.entries(d.auth.issuers).map(([l, files]) => [
        l,
        Object.fromEntries(Object.entries(files).map(([n, f]) => [n, relTo(f)])),
      ]),
    ),
    lattices: Object.fromEntries(
      Object.entries(d.clients).map(([l, roles]) => [
        l,
        Object.fromEntries(
          Object.entries(roles).map(([r, f]) => [
            r,
            {
              creds: relTo(f.creds),
              ...(f.cert ? { cert: relTo(f.cert), key: relTo(f.key) } : {}),
            },
          ]),
        ),
      ]),
    ),
    servers: d.servers.map((s) => ({
      name: s.name,
      cloud: s.cloud,
      kind: s.kind,
      config: relTo(s.configFile),
      url: s.clientUrl,
    })),
  };
}
