export { findNatsServer } from './binary.ts';
export { renderServerConfig, LIVENESS, type ServerSpec } from './config.ts';
export { NatsServerNotFoundError, PortInUseError, NatsServerFailedError } from './errors.ts';
export { monitor, routeCount, connectedGateways, jetStreamLeader } from './monitor.ts';
export { freePort, isPortOpen } from './ports.ts';
export { isAlive, recordPid, signalPid, stopPid } from './process.ts';
export {
  startNatsServer,
  serverPorts,
  wipeJetStream,
  type NatsServer,
  type ServerPorts,
  type StartOptions,
} from './server.ts';
export {
  startTopology,
  type Topology,
  type TopologyKind,
  type TopologyMember,
  type MemberNetwork,
  type TopologyOptions,
} from './topology.ts';
