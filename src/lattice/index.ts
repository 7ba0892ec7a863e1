/**
 * The lattice protocol: how every Aloft process talks over NATS. Subjects, message schemas,
 * CloudEvents, errors carried in headers, and the resilient connection.
 */
export { connectLattice, type LatticeConnectionOptions } from './connection.ts';
export { assertLatticeName, assertToken, isValidLatticeName, isValidToken } from './names.ts';
export {
  subjectsFor,
  bucketsFor,
  CONTROL_VERSION,
  CONTROL_VERBS,
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
export type { Heartbeat, HostSummary, Labels, Link, Ack } from './schemas.ts';
