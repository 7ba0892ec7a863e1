export { findNatsServer } from './binary.ts';
export { renderServerConfig, LIVENESS, type ServerSpec, type LeafRemote } from './config.ts';
export type { OperatorSpec, TlsSpec } from './config-security.ts';
export {
  accountJwt,
  issueUser,
  userJwt,
  operatorJwt,
  publicKeyOf,
  type UserSigner,
  type AccountOptions,
  type Entity,
  type IssuedUser,
  type UserPermissions,
} from './auth.ts';
export {
  ensureAuth,
  writeSecret,
  SYSTEM_ACCOUNT,
  type AccountPlan,
  type AuthMaterial,
  type AuthPlan,
  type UserPlan,
} from './auth-store.ts';
export { readIssuerFile, writeIssuerFile, type IssuerFile, type IssuerKey } from './issuer-file.ts';
export { userKeyOf, isServerKey } from './nkey-codec.ts';
export {
  planDeployment,
  DEPLOYMENT_TOPOLOGIES,
  STANDARD_PORTS,
  type DeploymentOptions,
  type DeploymentTopology,
  type PlannedServer,
  type PortPlan,
} from './deployment.ts';
export {
  writeDeployment,
  type WriteDeploymentOptions,
  type WrittenDeployment,
  type ClientRoleFiles,
} from './deployment-write.ts';
export {
  createCertificateAuthority,
  issueCertificate,
  type CertificateAuthority,
  type IssuedCertificate,
} from './tls.ts';
export { NatsServerNotFoundError, PortInUseError, NatsServerFailedError } from './errors.ts';
export { monitor, routeCount, connectedGateways, jetStreamLeader, leafCount } from './monitor.ts';
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
