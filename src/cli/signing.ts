import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { CAPABILITY_INTERFACES, validateComponent } from '../runtime/index.ts';
import { signComponent, type ComponentClaims } from '../security/index.ts';
import { AloftError } from '../support/index.ts';
import { DEV_KEYS, readSeedFile } from './key-files.ts';

/**
 * A time given as an ISO date (`2027-01-31`, `2027-01-31T12:00:00Z`) or as a duration from now
 * (`90d`, `12h`, `30m`, `45s`). Throws `USAGE` naming the flag.
 */
export function parseWhen(text: string, flag: string, now: Date): Date {
  const d = /^(\d+)([smhd])$/.exec(text.trim());
  if (d) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[d[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() + Number(d[1]) * unit);
  }
  const t = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(t)) {
    throw new AloftError(
      'USAGE',
      `${flag} ${JSON.stringify(text)} is neither a date (2027-01-31) nor a duration (90d, 12h, 30m)`,
    );
  }
  return new Date(t);
}

/** Capability names from `--caps`, checked against the platform world. */
export function parseCaps(text: string): string[] {
  const caps = text.split(/[\s,]+/).filter(Boolean);
  const unknown = caps.filter((c) => !(CAPABILITY_INTERFACES as readonly string[]).includes(c));
  if (unknown.length > 0) {
    throw new AloftError(
      'USAGE',
      `unknown capabilit${unknown.length > 1 ? 'ies' : 'y'} in --caps: ${unknown.join(', ')}`,
      {
        hint: `capabilities are ${CAPABILITY_INTERFACES.join(', ')}`,
      },
    );
  }
  return caps;
}

export interface SignFileOptions {
  issuerFile: string;
  componentKeyFile?: string;
  name: string;
  version?: string;
  /** Default: the capabilities the component imports. */
  caps?: string[];
  notBefore?: Date;
  expires?: Date;
}

/** Signs component bytes; returns them with notes for the user (e.g. imports its claims deny). */
export async function signBytes(
  bytes: Uint8Array,
  o: SignFileOptions,
): Promise<{ bytes: Uint8Array; claims: ComponentClaims; notes: string[] }> {
  const imports = validateComponent(bytes).capabilities;
  const caps = o.caps ?? [...imports];
  const issuer = readSeedFile(o.issuerFile, 'the issuer seed');
  if (issuer.kind !== 'account') {
    throw new AloftError(
      'KEY_INVALID',
      `the issuer seed ${o.issuerFile} is a ${issuer.kind} key; expected account`,
      {
        hint: 'components are signed by an account: aloft keys gen account --out FILE',
      },
    );
  }
  const componentKey = o.componentKeyFile
    ? readSeedFile(o.componentKeyFile, 'the component key')
    : undefined;
  const signedOut = await signComponent(bytes, {
    issuerSeed: issuer.seed,
    ...(componentKey ? { componentSeed: componentKey.seed } : {}),
    name: o.name,
    ...(o.version !== undefined ? { version: o.version } : {}),
    caps,
    ...(o.notBefore ? { notBefore: o.notBefore } : {}),
    ...(o.expires ? { expires: o.expires } : {}),
  });
  const denied = imports.filter((i) => !caps.includes(i));
  const notes = denied.length
    ? [
        `the component imports ${denied.join(', ')} but its claims do not allow ${denied.length > 1 ? 'them' : 'it'}: those calls will be refused`,
      ]
    : [];
  return { bytes: signedOut.bytes, claims: signedOut.claims, notes };
}

/** One line describing signed claims. */
export function describeClaims(c: ComponentClaims): string {
  const exp = c.exp !== undefined ? `, expires ${new Date(c.exp * 1000).toISOString()}` : '';
  const nbf = c.nbf !== undefined ? `, valid from ${new Date(c.nbf * 1000).toISOString()}` : '';
  return `issuer ${c.iss}, component ${c.sub}, caps ${c.aloft.caps.join(', ') || '(none)'}${nbf}${exp}`;
}

const ProjectConfig = z.object({
  signing: z
    .object({
      issuer: z.string().optional(),
      componentKey: z.string().optional(),
      expires: z.string().optional(),
    })
    .optional(),
});

/**
 * The signing key for `aloft build`: `--issuer`, else `$ALOFT_ISSUER` (a seed file), else
 * `signing.issuer` in `aloft.json` (in the component's folder or the working directory, paths
 * relative to that file), else the development issuer `aloft up` made in the data directory.
 */
export function buildSigningKey(ctx: {
  flag: string | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
  componentDir: string;
  dataDir: string;
}):
  { issuerFile: string; componentKeyFile?: string; expires?: string; source: string } | undefined {
  if (ctx.flag) return { issuerFile: resolve(ctx.cwd, ctx.flag), source: '--issuer' };
  if (ctx.env.ALOFT_ISSUER)
    return { issuerFile: resolve(ctx.cwd, ctx.env.ALOFT_ISSUER), source: 'ALOFT_ISSUER' };
  for (const dir of [ctx.componentDir, ctx.cwd]) {
    const file = join(dir, 'aloft.json');
    if (!existsSync(file)) continue;
    let parsed;
    try {
      parsed = ProjectConfig.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch (err) {
      throw new AloftError(
        'INVALID_INPUT',
        `${file}: ${err instanceof z.ZodError ? (err.issues[0]?.path.join('.') ?? '') + ' ' + (err.issues[0]?.message ?? '') : 'not valid JSON'}`,
      );
    }
    const s = parsed.signing;
    if (s?.issuer) {
      return {
        issuerFile: resolve(dir, s.issuer),
        ...(s.componentKey ? { componentKeyFile: resolve(dir, s.componentKey) } : {}),
        ...(s.expires ? { expires: s.expires } : {}),
        source: file,
      };
    }
  }
  const dev = join(DEV_KEYS.dir(ctx.dataDir), DEV_KEYS.issuer);
  if (existsSync(dev)) return { issuerFile: dev, source: 'the development issuer of "aloft up"' };
  return undefined;
}
