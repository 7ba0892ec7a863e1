import { AloftError } from '../support/index.ts';

/**
 * Checks a NATS URL given on the command line: `nats://`, `tls://`, `ws://`, `wss://` or
 * `host:port`; several may be separated by commas.
 *
 * @throws {AloftError} `USAGE` naming the bad URL and the expected form.
 */
export function parseNatsUrls(value: string): string[] {
  const urls = value
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (urls.length === 0) throw badUrl(value);
  for (const u of urls) {
    const withScheme = /^[a-z]+:\/\//.test(u) ? u : `nats://${u}`;
    let parsed: URL;
    try {
      parsed = new URL(withScheme);
    } catch {
      throw badUrl(u);
    }
    if (!['nats:', 'tls:', 'ws:', 'wss:'].includes(parsed.protocol) || !parsed.hostname)
      throw badUrl(u);
  }
  return urls;
}

function badUrl(u: string): AloftError {
  return new AloftError('USAGE', `invalid NATS URL ${JSON.stringify(u)}`, {
    hint: 'expected nats://host:port (or tls://, ws://, wss://), several separated by commas',
  });
}
