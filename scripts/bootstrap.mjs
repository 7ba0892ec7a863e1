#!/usr/bin/env node
// Installs what Aloft needs on a fresh machine, so that `npm start` and `npm test` work on their own:
// npm dependencies (when missing or stale) and the system packages below (through apt when running
// as root; otherwise it says what to install). Plain Node, no dependencies: it runs before `npm ci`.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Debian packages and the executable (`bin`) or file (`file`) that shows each is installed;
 * `test: true` ones only with `--test` (npm test), `bench: true` ones only with `--bench` (npm run
 * bench); `optional` ones say what goes missing without them instead of stopping.
 */
const allPackages = [
  { pkg: 'nats-server', bin: ['nats-server', '/usr/sbin/nats-server'] },
  { pkg: 'docker-registry', bin: ['docker-registry'], test: true },
  { pkg: 'redis-server', bin: ['redis-server'], test: true },
  // The dashboard's and browser hosts' tests drive a real browser (playwright-core, no download).
  { pkg: 'chromium', bin: ['chromium', '/usr/bin/chromium'], test: true },
  // Partitions between simulated clouds: network namespaces (iproute2) and per-pair drops (nft).
  // Optional: without them (or without root) partition commands say so and the rest works.
  {
    pkg: 'iproute2',
    bin: ['ip', '/usr/sbin/ip', '/sbin/ip'],
    optional: 'simulated partitions will be unavailable',
  },
  {
    pkg: 'nftables',
    bin: ['nft', '/usr/sbin/nft'],
    optional: 'simulated partitions will be unavailable',
  },
  // A test CA and certificates for TLS between NATS servers and clients.
  { pkg: 'openssl', bin: ['openssl'], test: true },
  // The C example component (examples/hello-c): a language other than TypeScript, built by
  // Debian's toolchain. Optional: without it that one test is skipped, visibly.
  ...[
    { pkg: 'clang-19', bin: ['clang-19'] },
    { pkg: 'lld-19', bin: ['wasm-ld-19'] },
    {
      pkg: 'libclang-rt-19-dev-wasm32',
      file: ['/usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a'],
    },
    { pkg: 'wasi-libc', file: ['/usr/lib/wasm32-wasi/libc.a'] },
  ].map((p) => ({ ...p, test: true, optional: 'the C example test will be skipped' })),
  // The HTTP load generator of `npm run bench -- http` (benchmarks only; CI does not run them).
  { pkg: 'wrk', bin: ['wrk'], bench: true },
];
const forTests = process.argv.includes('--test');
const forBench = process.argv.includes('--bench');
const systemPackages = allPackages.filter((p) => (forTests || !p.test) && (forBench || !p.bench));

function log(msg) {
  process.stderr.write(`[bootstrap] ${msg}\n`);
}

function onPath(name) {
  if (name.startsWith('/')) {
    try {
      accessSync(name, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  log(`Node ${process.versions.node} is too old: install Node.js 20 or newer.`);
  process.exit(1);
}

const isRoot = process.getuid?.() === 0;
const canInstall = isRoot && onPath('apt-get');
const present = (p) => (p.bin ?? []).some(onPath) || (p.file ?? []).some((f) => existsSync(f));
const absent = systemPackages.filter((p) => !present(p));
for (const p of absent.filter((p) => p.optional && !canInstall)) {
  log(`optional system package ${p.pkg} is missing; ${p.optional}`);
}
const missing = absent.filter((p) => canInstall || !p.optional).map((p) => p.pkg);
if (missing.length > 0) {
  if (!canInstall) {
    log(
      `missing system packages: ${missing.join(' ')}. Install them, e.g.: sudo apt-get install -y ${missing.join(' ')}`,
    );
    process.exit(1);
  }
  log(`installing ${missing.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
}

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  // `npm install --no-save` installs exactly the locked versions. `npm ci` would be the usual
  // choice, but npm 11 refuses this lock file: some toolchain packages declare optional
  // per-platform binaries that were never published, which `npm ci` reports as missing.
  log('installing npm dependencies from package-lock.json');
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
  });
}

// npm skips an optional dependency whose download fails, without failing the install; the
// toolchain's platform binaries (wizer, jco's fs bindings, esbuild) are such dependencies.
// Install any locked one for this platform that is still missing.
const locked = JSON.parse(readFileSync(lock, 'utf8')).packages ?? {};
const missingOptional = Object.entries(locked)
  .filter(
    ([path, p]) =>
      path.startsWith('node_modules/') &&
      p.optional &&
      (p.os || p.cpu) &&
      (!p.os || p.os.includes(process.platform)) &&
      (!p.cpu || p.cpu.includes(process.arch)) &&
      !path.slice('node_modules/'.length).includes('node_modules/') &&
      (!p.libc || p.libc.includes('glibc')) &&
      !existsSync(join(root, path, 'package.json')),
  )
  .map(
    ([path, p]) =>
      `${path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${p.version}`,
  );
if (missingOptional.length > 0) {
  log(`installing platform packages npm skipped: ${missingOptional.join(' ')}`);
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', ...missingOptional], {
    cwd: root,
    stdio: 'inherit',
  });
}
