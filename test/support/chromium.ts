import { chromium, type Browser, type BrowserServer } from 'playwright-core';
import { recordPid } from '../../src/nats/index.ts';

/** FIELD-NOTES §4: Debian's chromium driven by playwright-core; playwright adds a fresh profile. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts Debian's chromium as its own process (its PID recorded, so the test run fails if it
 * survives) and connects to it. Close with `browser.close()` then `server.close()`.
 */
export async function launchChromium(
  what: string,
): Promise<{ server: BrowserServer; browser: Browser }> {
  const server = await chromium.launchServer({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const pid = server.process().pid;
  if (pid) recordPid(pid, `chromium (${what})`);
  return { server, browser: await chromium.connect(server.wsEndpoint()) };
}
