import path from 'node:path';
import type { Page } from 'playwright-core';
import type { PageTry, PageTryResult } from './page-nats-entry.ts';

export type { PageTry, PageTryResult } from './page-nats-entry.ts';

const GLOBAL = '__aloftPageNats';
let script: Promise<string> | undefined;

/** nats.js and `tryAsPage` (page-nats-entry.ts), bundled for a browser page as one script. */
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

/**
 * From inside `page` (a `/join` tab), opens a second NATS connection with the credentials the page
 * itself was given (its config element), runs `tries` and returns what the server answered.
 */
export async function tryFromPage(page: Page, tries: PageTry[]): Promise<PageTryResult[]> {
  if (!(await page.evaluate(`typeof globalThis.${GLOBAL} === 'object'`)))
    await page.addScriptTag({ content: await pageScript() });
  return page.evaluate(
    `globalThis.${GLOBAL}.tryAsPage(JSON.parse(document.getElementById('aloft-join').textContent), ${JSON.stringify(tries)})`,
  );
}
