/**
 * Browser-tab hosts: a page on the dashboard's server (`/join`) whose script joins the lattice as
 * a host — the host core of src/host on a browser platform (NATS over WebSocket, components in
 * Web Workers through the runtime core) — with NATS credentials of its own, issued per tab and
 * bound to its host id. This door is the server side; the tab's code is in `page/` and reaches
 * the browser only through the bundle.
 */
export {
  startJoinService,
  type JoinRoute,
  type JoinService,
  type JoinServiceOptions,
} from './server/service.ts';
export {
  bundleBrowserHost,
  bundleForBrowser,
  type BrowserBuild,
  type BrowserBundle,
} from './server/bundle.ts';
export { browserBundle } from './server/bundle-cache.ts';
export { tabIssuer, type TabIssuer } from './server/issuer.ts';
export {
  tabCredentialsService,
  JOIN_CODES,
  DEFAULT_TAB_TTL_MS,
  type TabCredentialsService,
  type TabCredentialsOptions,
} from './server/credentials.ts';
export {
  JoinConfig,
  JoinChallenge,
  CredentialsRequest,
  TabCredentials,
  challengeText,
  toBase64Url,
  BUILTIN_LABELS,
  labelsFromQuery,
  type LabelsResult,
} from './config.ts';
