import { z } from 'zod';
import { checkImageRef } from './image-ref.ts';
import { show } from './problems.ts';

/**
 * The manifest as written: wadm's OAM shape (`core.oam.dev/v1beta1`) plus Aloft extensions under
 * `aloft.dev/…` keys. Objects are strict so that unknown fields surface (as warnings: the parser
 * strips them and parses again). Every field carries its own message, naming what was expected
 * and what was found.
 */

type Issue = { input?: unknown };
const expect =
  (what: string) =>
  (iss: Issue): string =>
    iss.input === undefined
      ? `missing (expected ${what})`
      : `expected ${what}, got ${show(iss.input)}`;

const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const tokenLike = (what: string): z.ZodString =>
  z.string({ error: expect(`a valid ${what}`) }).regex(TOKEN, {
    error: (iss) =>
      `invalid ${what} ${show(iss.input)}: use 1-63 letters, digits, "-" or "_", starting with a letter or digit`,
  });
const text = (what: string): z.ZodString =>
  z.string({ error: expect(what) }).min(1, { error: `expected ${what}, got an empty string` });
const stringMap = (what: string) =>
  z.record(
    z.string(),
    z.string({
      error: (iss) =>
        iss.input === null || typeof iss.input === 'object'
          ? `expected a string ${what}, got ${show(iss.input)}`
          : `expected a string ${what}, got ${show(iss.input)}`,
    }),
    { error: expect(`a map of ${what}s`) },
  );
const posInt = z
  .number({ error: expect('a positive integer') })
  .int()
  .positive();
const intIn = (min: number, max: number) =>
  z
    .number({ error: expect(`an integer from ${min} to ${max}`) })
    .int()
    .min(min)
    .max(max);
const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, { error: expect(what) });
const obj = <T extends z.core.$ZodLooseShape>(shape: T, what: string) =>
  z.strictObject(shape, { error: expect(what) });

export const ConfigEntry = obj(
  {
    name: tokenLike('config name'),
    properties: stringMap('value').optional(),
  },
  'a config entry {name, properties}',
);

export const Spread = obj(
  {
    name: text('a spread name'),
    requirements: stringMap('label value').optional(),
    weight: z
      .number({ error: expect('a weight (an integer ≥ 0)') })
      .int()
      .nonnegative()
      .optional(),
    'aloft.dev/fallback': z.enum(['any', 'none'], { error: expect('"any" or "none"') }).optional(),
  },
  'a spread {name, requirements, weight}',
);

const ScalerProperties = obj(
  {
    instances: posInt.optional(),
    /** wadm accepts `replicas` as another name for `instances`. */
    replicas: posInt.optional(),
    spread: list(Spread, 'a list of spreads').optional(),
  },
  'scaler properties {instances, spread}',
);

const LinkTarget = z.preprocess(
  (v) => (typeof v === 'string' ? { name: v } : v),
  obj(
    {
      name: text('a target component name'),
      config: list(ConfigEntry, 'a list of config entries').optional(),
    },
    'a link target {name, config}',
  ),
);

const LinkProperties = obj(
  {
    target: LinkTarget,
    namespace: text('a WIT namespace, e.g. wasi'),
    package: text('a WIT package, e.g. keyvalue'),
    interfaces: list(text('a WIT interface name'), 'a list of WIT interfaces').min(1, {
      error: 'expected at least one interface, e.g. [atomics, store]',
    }),
    name: tokenLike('link name').optional(),
    source: obj(
      { config: list(ConfigEntry, 'a list of config entries').optional() },
      'a link source {config}',
    ).optional(),
  },
  'link properties {target, namespace, package, interfaces}',
);

export const TRAIT_TYPES = ['spreadscaler', 'daemonscaler', 'link'] as const;

const Trait = z.discriminatedUnion(
  'type',
  [
    obj({ type: z.literal('spreadscaler'), properties: ScalerProperties }, 'a trait'),
    obj({ type: z.literal('daemonscaler'), properties: ScalerProperties }, 'a trait'),
    obj({ type: z.literal('link'), properties: LinkProperties }, 'a trait'),
  ],
  {
    error: (iss) => {
      const input = iss.input as Record<string, unknown> | undefined;
      if (input === undefined || input === null || typeof input !== 'object')
        return expect('a trait {type, properties}')(iss);
      return input.type === undefined
        ? `missing (expected a trait type: ${TRAIT_TYPES.join(', ')})`
        : `unknown trait type ${show(input.type)}: expected ${TRAIT_TYPES.join(', ')}`;
    },
  },
);

const Limits = obj(
  {
    memoryMiB: intIn(1, 4096).optional(),
    deadlineMs: intIn(1, 600_000).optional(),
    maxConcurrent: intIn(1, 10_000).optional(),
  },
  'limits {memoryMiB, deadlineMs, maxConcurrent}',
);

const Properties = obj(
  {
    image: text('an image reference')
      .check((ctx) => {
        const check = checkImageRef(ctx.value);
        if (!check.ok) {
          ctx.issues.push({
            code: 'custom',
            input: ctx.value,
            message: `invalid image reference "${ctx.value}": ${check.reason}`,
          });
        }
      })
      .optional(),
    id: text('a component id').optional(),
    config: list(ConfigEntry, 'a list of config entries').optional(),
    /** wadm: a component shared from another application. Recognised, refused in parse. */
    application: z.unknown().optional(),
    /** wadm: secrets; recognised, warned about, ignored. */
    secrets: z.unknown().optional(),
    'aloft.dev/limits': Limits.optional(),
    'aloft.dev/idempotent': list(text('an operation name'), 'a list of operation names').optional(),
  },
  'component properties {image, config}',
);

export const Component = obj(
  {
    name: tokenLike('component name'),
    type: z.enum(['component', 'capability'], { error: expect('"component" or "capability"') }),
    properties: Properties,
    traits: list(Trait, 'a list of traits').optional(),
  },
  'a component {name, type, properties, traits}',
);

export const API_VERSION = 'core.oam.dev/v1beta1';

export const RawManifest = obj(
  {
    apiVersion: z.literal(API_VERSION, { error: expect(`"${API_VERSION}"`) }),
    kind: z.literal('Application', { error: expect('"Application"') }),
    metadata: obj(
      {
        name: tokenLike('application name'),
        annotations: stringMap('annotation').optional(),
        labels: stringMap('label').optional(),
      },
      'metadata {name, annotations}',
    ),
    spec: obj(
      {
        components: list(Component, 'a list of components').min(1, {
          error: 'expected at least one component',
        }),
        /** wadm: policies (e.g. secret backends); recognised, warned about, ignored. */
        policies: z.unknown().optional(),
      },
      'spec {components}',
    ),
  },
  'an Application manifest',
);
export type RawManifest = z.infer<typeof RawManifest>;
export type RawComponent = z.infer<typeof Component>;
export type RawSpread = z.infer<typeof Spread>;
export type RawConfigEntry = z.infer<typeof ConfigEntry>;

/** Every field name the format knows, for "did you mean" hints on unknown fields. */
export const KNOWN_FIELDS = [
  'apiVersion',
  'kind',
  'metadata',
  'name',
  'annotations',
  'labels',
  'spec',
  'components',
  'policies',
  'type',
  'properties',
  'traits',
  'image',
  'id',
  'config',
  'application',
  'secrets',
  'instances',
  'replicas',
  'spread',
  'requirements',
  'weight',
  'target',
  'namespace',
  'package',
  'interfaces',
  'source',
  'aloft.dev/fallback',
  'aloft.dev/limits',
  'aloft.dev/idempotent',
  'memoryMiB',
  'deadlineMs',
  'maxConcurrent',
] as const;
