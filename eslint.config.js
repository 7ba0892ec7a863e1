// Lint rules, including the architecture: which domain folder may import which.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

/** Domain folders under src/ and the folders each may import (through their index.ts only). */
const allowed = {
  support: [],
  lattice: ['support'],
  security: ['support'],
  telemetry: ['support'],
  nats: ['support', 'security'],
  runtime: ['support', 'lattice'],
  providers: ['support', 'lattice', 'telemetry'],
  reconciler: ['support', 'lattice', 'telemetry'],
  host: ['support', 'lattice', 'runtime', 'providers', 'nats', 'security', 'telemetry'],
  // The tab runs the host core (src/host) on its own platform; see src/browser/index.ts. Its
  // server side issues each tab's NATS user with the nats domain's JWT and nkey code.
  browser: ['support', 'lattice', 'runtime', 'host', 'nats'],
  web: ['support', 'lattice', 'nats', 'telemetry'],
  sim: [
    'support',
    'lattice',
    'nats',
    'host',
    'reconciler',
    'runtime',
    'providers',
    'security',
    'telemetry',
  ],
  cli: [
    'support',
    'lattice',
    'nats',
    'runtime',
    'host',
    'providers',
    'reconciler',
    'web',
    'sim',
    'security',
    'telemetry',
    'browser',
  ],
};
const domains = Object.keys(allowed);

/**
 * Import rules for the files of `domain` that sit `depth` folders below `src/<domain>/`: other
 * domains are reached with `depth + 1` leading `../`, and only through their index.ts.
 */
function rulesFor(domain, depth) {
  const up = '../'.repeat(depth + 1);
  const banned = domains.filter((d) => d !== domain && !allowed[domain].includes(d));
  const patterns = [
    {
      group: [`${up}*/*`, `!${up}*/index.ts`, `${up}*/*/**`],
      message: 'Import another domain through its index.ts door only.',
    },
  ];
  if (banned.length > 0) {
    const may = allowed[domain].join(', ') || 'nothing of ours';
    patterns.push({
      group: banned.flatMap((d) => [`${up}${d}`, `${up}${d}/**`]),
      message: `src/${domain} may import only: ${may}.`,
    });
  }
  const files = [`src/${domain}/${'*/'.repeat(depth)}*.ts`];
  return { files, rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

const domainRules = domains.flatMap((domain) => [0, 1, 2].map((depth) => rulesFor(domain, depth)));

export default tseslint.config(
  {
    // Guest code (AssemblyScript, component sources, generated guest types) is compiled by the
    // guest toolchains, not by this project's tsc.
    ignores: [
      'dist/**',
      'node_modules/**',
      '.aloft/**',
      '.cache/**',
      'sdk/**',
      'examples/**',
      'templates/**',
      'test/fixtures/**',
      'src/web/public/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'error',
    },
  },
  ...domainRules,
  {
    // Processes' entry points, the CLI, tests, benchmarks and scripts may write to the console.
    files: [
      'src/**/main.ts',
      'src/cli/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'scripts/**/*.ts',
      'src/**/*.test.ts',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: globals.node, parserOptions: { project: false } },
  },
  {
    files: ['scripts/**/*.mjs'],
    rules: { 'no-console': 'off' },
  },
  prettier,
);
