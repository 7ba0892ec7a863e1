import path from 'node:path';
import type { Page } from 'playwright-core';
import type { PageCreds, PageTry, PageTryResult } from './page-nats-entry.ts';

export type { PageCreds, PageTry, PageTryResult } from './page-nats-entry.ts';

const GLOBAL = '__aloftPageNats';
let script: Promise<string> | undefined;

/** nats.js, nkeys and the probes of page-nats-entry.ts, bundled for a browser page as one script. */
function pageScript(): Promise<string> {
  script ??= import('esbuild').then(async ({ build }) => {
    const out = await build({
      entryPoints: [path.join(import.meta.dirname, 'page-nats-entry.ts')],
      bundle: true,
      format: 'iife',
      globalName: GLOBAL,
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    return out.outputFiles[0]?.text ?? '';
  });
  return script;
}

/** Runs `fn` of page-nats-entry.ts inside `page` with the page's own config and `args`. */
async function inPage<T>(page: Page, fn: string, ...args: unknown[]): Promise<T> {
  if (!(await page.evaluate(`typeof globalThis.${GLOBAL} === 'object'`)))
    await page.addScriptTag({ content: await pageScript() });
  const rest = args.map((a) => `, ${JSON.stringify(a ?? null)}`).join('');
  return page.evaluate(
    `globalThis.${GLOBAL}.${fn}(JSON.parse(document.getElementById('aloft-join').textContent)${rest})`,
  );
}

/**
 * From inside `page` (a `/join` tab), asks the page's server for credentials with a fresh host key
 * (as any code in the page can), or for `claim`'s host id while signing with that fresh key.
 */
export function credentialsFromPage(
  page: Page,
  claim?: string,
): Promise<{ ok: true; creds: PageCreds } | { ok: false; status: number; code: string }> {
  return inPage(page, 'credentialsFor', claim);
}

/** From inside `page`, opens a second NATS connection with `creds`, runs `tries`. */
export function tryFromPage(
  page: Page,
  creds: PageCreds | undefined,
  tries: PageTry[],
): Promise<PageTryResult[]> {
  return inPage(page, 'tryAsPage', creds, tries);
}

/** From inside `page`, whether the server accepts a connection with `creds`. */
export function connectFromPage(
  page: Page,
  creds: PageCreds,
): Promise<{ ok: boolean; error?: string }> {
  return inPage(page, 'tryConnect', creds);
}
