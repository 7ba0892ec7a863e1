import { connectLattice } from '../lattice/index.ts';
import { builtinProviders } from '../providers/index.ts';
import { createRuntime } from '../runtime/index.ts';
import { fetchArtifact } from './artifacts.ts';
import { startHostOn, type Host, type HostOptions, type HostPlatform } from './host.ts';
import { hostIdentity } from './identity.ts';

/**
 * The Node pieces of a host: nats.js over TCP (credentials, TLS), an nkey identity named after
 * the machine, components in worker threads with transpiled code cached under `cacheDir`, and
 * artifacts from files (relative to `cwd`), URLs, the lattice's store and OCI registries.
 */
export function nodePlatform(options: HostOptions): HostPlatform {
  return {
    connect: (name, logger) => connectLattice({ ...options, name, logger }),
    identity: hostIdentity({ seed: options.seed, name: options.name }),
    createRuntime: ({ logger, capabilities }) =>
      createRuntime({
        logger,
        capabilities,
        ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      }),
    fetchArtifact: (ref, nc) =>
      fetchArtifact(ref, { nc, lattice: options.lattice, cwd: options.cwd }),
  };
}

/**
 * Starts a host on Node: connects, joins the lattice (heartbeats, control subjects,
 * `host_started`), and watches the other hosts and the lattice state. Built-in provider kinds
 * unless `providerKinds` says otherwise.
 *
 * @example
 * const host = await startHost({ lattice: 'default', servers: ['nats://127.0.0.1:4222'], labels: { cloud: 'aws' } });
 * await host.stop();
 */
export function startHost(options: HostOptions): Promise<Host> {
  return startHostOn(
    { ...options, providerKinds: options.providerKinds ?? builtinProviders },
    nodePlatform(options),
  );
}
