import { readFileSync } from 'node:fs';
import { Kvm } from '@nats-io/kv';
import { bucketsFor, decodeJson, latticeJetStream } from '../../lattice/index.ts';
import {
  formatProblem,
  openAppStore,
  parseManifest,
  type AppStore,
} from '../../reconciler/index.ts';
import { AloftError } from '../../support/index.ts';
import { z } from 'zod';
import type { CliIO, Command } from '../command.ts';
import { checkImages } from '../image-check.ts';
import { latticeOptions, withLattice } from '../lattice-client.ts';

function readManifest(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new AloftError(
      'NOT_FOUND',
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

/** `aloft app validate <file>`: every problem as file:line:column field: message; no lattice needed. */
export const validate: Command = {
  summary:
    'Check a manifest: every problem with file:line:column and field path, and that its images can be fetched',
  usage: 'aloft app validate <file.yaml|json> [--no-fetch]',
  options: { 'no-fetch': { type: 'boolean' } },
  async run({ values, positionals, io }) {
    const file = positionals[0];
    if (!file) throw new AloftError('USAGE', 'give the manifest file');
    const r = parseManifest(readManifest(file), file);
    for (const w of r.warnings) io.err(formatProblem(w));
    if (!r.ok) {
      for (const e of r.errors) io.err(formatProblem(e));
      io.err(`${file}: ${r.errors.length} error(s)`);
      return 4;
    }
    const images = values['no-fetch'] ? [] : await checkImages(r.manifest, file);
    for (const p of images) io.err(`${file}: ${p.path}: ${p.message}`);
    if (images.length > 0) {
      io.err(`${file}: ${images.length} image(s) cannot be fetched`);
      return 4;
    }
    io.out(
      `${file}: valid (${r.manifest.name}${r.manifest.version ? ` ${r.manifest.version}` : ''}, ${r.manifest.components.length} components)`,
    );
    return 0;
  },
};

function storeVerb(
  summary: string,
  usage: string,
  act: (
    store: AppStore,
    args: string[],
    io: CliIO,
    ctx: {
      nc: Parameters<typeof openAppStore>[0];
      lattice: string;
      values: Record<string, unknown>;
    },
  ) => Promise<number>,
  extra: Command['options'] = {},
): Command {
  return {
    summary,
    usage,
    options: { ...latticeOptions, ...extra },
    run: ({ values, positionals, io }) =>
      withLattice(values, io, async ({ nc, lattice }) =>
        act(await openAppStore(nc, lattice), positionals, io, { nc, lattice, values }),
      ),
  };
}

export const put = storeVerb(
  'Store a manifest version (validated; versions are immutable)',
  'aloft app put <file>',
  async (store, [file], io) => {
    if (!file) throw new AloftError('USAGE', 'give the manifest file');
    const r = await store.put(readManifest(file), file);
    for (const w of r.warnings) io.err(`warning: ${w}`);
    io.out(`stored ${r.app} ${r.version}`);
    return 0;
  },
);

export const deploy = storeVerb(
  'Deploy an application (a file, or a stored app and optional version)',
  'aloft app deploy <file | app [version]>',
  async (store, [target, version], io) => {
    if (!target) throw new AloftError('USAGE', 'give a manifest file or an application name');
    let app = target;
    let v = version;
    if (/\.(ya?ml|json)$/i.test(target)) {
      const r = await store.put(readManifest(target), target);
      for (const w of r.warnings) io.err(`warning: ${w}`);
      app = r.app;
      v = r.version;
    }
    const d = await store.deploy(app, v);
    io.out(`deploying ${d.app} ${d.version}; watch it with: aloft app status ${d.app} --watch`);
    return 0;
  },
);

export const undeploy = storeVerb(
  'Stop everything an application runs (its manifests stay stored)',
  'aloft app undeploy <app>',
  async (store, [app], io) => {
    if (!app) throw new AloftError('USAGE', 'give the application name');
    await store.undeploy(app);
    io.out(`undeploying ${app}`);
    return 0;
  },
);

export const remove = storeVerb(
  'Delete an undeployed application and its stored versions',
  'aloft app delete <app>',
  async (store, [app], io) => {
    if (!app) throw new AloftError('USAGE', 'give the application name');
    await store.delete(app);
    io.out(`deleted ${app}`);
    return 0;
  },
);

export const rollback = storeVerb(
  'Deploy the previously deployed version again',
  'aloft app rollback <app>',
  async (store, [app], io) => {
    if (!app) throw new AloftError('USAGE', 'give the application name');
    const d = await store.rollback(app);
    io.out(`rolling ${app} back to ${d.version}`);
    return 0;
  },
);

export const list = storeVerb(
  'List applications and their deployed versions',
  'aloft app list',
  async (store, _args, io) => {
    const all = await store.list();
    if (all.length === 0) io.out('no applications');
    for (const d of all)
      io.out(
        `${d.app.padEnd(24)} ${d.version.padEnd(16)} ${d.deployed ? 'deployed' : 'undeployed'}`,
      );
    return 0;
  },
);

export const get = storeVerb(
  "Print an application's deployed (or given) manifest",
  'aloft app get <app> [version]',
  async (store, [app, version], io) => {
    if (!app) throw new AloftError('USAGE', 'give the application name');
    const versions = await store.versions(app);
    const want = version ?? (await store.deployment(app))?.version ?? versions.at(-1)?.version;
    const m = versions.find((x) => x.version === want);
    if (!m)
      throw new AloftError(
        'NOT_FOUND',
        `no application ${app}${version ? ` version ${version}` : ''}`,
      );
    io.out(m.text.trimEnd());
    return 0;
  },
);

export const history = storeVerb(
  "Show an application's versions and deploy history",
  'aloft app history <app>',
  async (store, [app], io) => {
    if (!app) throw new AloftError('USAGE', 'give the application name');
    for (const v of await store.versions(app))
      io.out(`version ${v.version.padEnd(16)} stored ${v.storedAt} from ${v.file}`);
    for (const h of (await store.deployment(app))?.history ?? [])
      io.out(`${h.at} ${h.action.padEnd(9)} ${h.version}`);
    return 0;
  },
);

const AppStatus = z
  .object({
    app: z.string(),
    version: z.string(),
    state: z.string(),
    reason: z.string(),
    scalers: z.array(
      z
        .object({ component: z.string(), kind: z.string(), state: z.string(), reason: z.string() })
        .loose(),
    ),
  })
  .loose();

export const status = storeVerb(
  'Show application status per scaler (Deployed, Reconciling, Waiting, Unhealthy, Failed) with reasons',
  'aloft app status [app] [--watch]',
  async (_store, [app], io, { nc, lattice, values }) => {
    const kv = await new Kvm(latticeJetStream(nc)).open(bucketsFor(lattice).apps);
    const print = async (): Promise<void> => {
      const keys: string[] = [];
      for await (const k of await kv.keys(app ? `status.${app}` : 'status.*')) keys.push(k);
      if (keys.length === 0)
        io.out(app ? `no status for ${app} yet (is a reconciler running?)` : 'no applications');
      for (const k of keys.sort()) {
        const e = await kv.get(k);
        if (!e || e.length === 0) continue;
        const st = decodeJson(e.value, AppStatus, k);
        io.out(`${st.app} ${st.version}: ${st.state} — ${st.reason}`);
        for (const sc of st.scalers)
          io.out(
            `  ${sc.component.padEnd(20)} ${sc.kind.padEnd(7)} ${sc.state.padEnd(12)} ${sc.reason}`,
          );
      }
    };
    await print();
    if (!values.watch) return 0;
    // Follow status changes until interrupted.
    const w = await kv.watch({ key: app ? `status.${app}` : 'status.*', include: 'updates' });
    process.once('SIGINT', () => w.stop());
    for await (const e of w) {
      if (e.length === 0) continue;
      io.out(`--- ${new Date().toISOString()}`);
      await print();
    }
    return 0;
  },
  { watch: { type: 'boolean' } },
);
