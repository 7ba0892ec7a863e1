import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, parseSeed, type Key } from '../security/index.ts';
import { simDir } from './state.ts';

/**
 * The simulation's development issuer: its hosts trust it, and the sample component is signed
 * with it, so the simulated clouds run as production does (signed components only). Made on
 * first use in `<data dir>/sim/keys/issuer.nk`, mode 0600.
 */
export function simIssuer(dataDir: string): Key {
  const dir = join(simDir(dataDir), 'keys');
  const file = join(dir, 'issuer.nk');
  if (existsSync(file)) return parseSeed(readFileSync(file, 'utf8'), file);
  const key = generateKey('account');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `# aloft sim development issuer ${key.publicKey}\n${key.seed}\n`, {
    mode: 0o600,
  });
  chmodSync(file, 0o600);
  return key;
}
