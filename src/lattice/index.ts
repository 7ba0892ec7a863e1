/**
 * The lattice protocol: how every Aloft process talks over NATS. Subjects, message schemas,
 * CloudEvents, errors carried in headers, and the resilient connection.
 */
export { connectLattice, type LatticeConnectionOptions, type TlsFiles } from './connection.ts';
export {
  parseCredentials,
  readCredentialsFile,
  assertCredentialsFor,
  credentialsOf,
  describeCredentials,
  CREDENTIAL_TAGS,
  type CredentialsInfo,
} from './credentials.ts';
export {
  rolePermissions,
  latticeAccount,
  inboxPrefixFor,
  INBOX_TEMPLATE,
  LATTICE_ROLES,
  ROLE_PURPOSE,
  READ_ONLY_VERBS,
  BROWSER_ISSUER,
  type LatticeRole,
  type RoleOptions,
  type RolePermissions,
  type LatticeAccountPlan,
} from './roles.ts';
export { tabPermissions, TAB_EVENTS } from './tab-permissions.ts';
export { subjectMatches, permits, type SubjectPermission } from './subject-match.ts';
export { assertLatticeName, assertToken, isValidLatticeName, isValidToken } from './names.ts';
export {
  subjectsFor,
  bucketsFor,
  CONTROL_VERSION,
  CONTROL_VERBS,
  LATTICE_WIDE_VERBS,
  EVENT_TYPES,
  type ControlVerb,
  type EventType,
  type LatticeSubjects,
} from './subjects.ts';
export {
  ERROR_HEADERS,
  LatticeCodes,
  LatticeError,
  errorHeaders,
  errorFromHeaders,
} from './errors.ts';
export { encodeJson, decodeJson } from './codec.ts';
export {
  request,
  requestJson,
  replyJson,
  replyError,
  toLatticeError,
  type RequestOptions,
} from './rpc.ts';
export { CloudEvent, makeEvent, eventType, EVENT_TYPE_PREFIX } from './events.ts';
export * as schemas from './schemas.ts';
export type {
  Heartbeat,
  HostSummary,
  Labels,
  Link,
  Ack,
  LatticePolicy,
  SealedSecret,
  CallStats,
  ComponentLogLine,
} from './schemas.ts';
export { openSecurityState, noSecurityState, type SecurityState } from './security-state.ts';
export {
  rankHosts,
  isExpired,
  MISSED_BEATS_FOR_LOSS,
  type HostEntry,
  type Caller,
} from './routing.ts';
export {
  watchHosts,
  type HostsView,
  type HostChange,
  type WatchHostsOptions,
} from './hosts-view.ts';
export {
  createCaller,
  CALL_HEADERS,
  type CallOptions,
  type CallerOptions,
  type CallOutcome,
  type LatticeCaller,
  type LocalInvoke,
} from './caller.ts';
export { putArtifact, getArtifact, sha256Of } from './artifact-store.ts';
export { replicasFor } from './replicas.ts';
export { latticeJetStream, latticeJetStreamManager, jetStreamDomainOf } from './jetstream.ts';
export {
  openLatticeState,
  openStateBucket,
  openKvBucket,
  linkKey,
  type LatticeState,
} from './state.ts';
export {
  toWire,
  fromWire,
  encodeCapabilityCall,
  decodeCapabilityCall,
  encodeCapabilityResult,
  decodeCapabilityResult,
  type CapabilityCall,
} from './capability-codec.ts';
export { serveCapability } from './capability-server.ts';
export {
  ensureLogStream,
  logStreamName,
  readComponentLogs,
  LOG_RETENTION,
  type LogEvent,
} from './logs.ts';
