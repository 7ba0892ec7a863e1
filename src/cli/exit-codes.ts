/**
 * The one place where error codes become process exit codes.
 * 1: something failed; 2: the command line was wrong; 3: the lattice or NATS is unreachable;
 * 4: input (a file, a manifest, a component) was rejected; 5: not found; 6: not allowed (the
 * credentials in use lack the permission, or were refused).
 */
const byCode: Record<string, number> = {
  USAGE: 2,
  TELEMETRY_CONFIG_INVALID: 2,
  NATS_UNREACHABLE: 3,
  NATS_SERVER_NOT_FOUND: 3,
  PORT_IN_USE: 3,
  METRICS_LISTEN_FAILED: 3,
  NO_RESPONDERS: 3,
  TIMEOUT: 3,
  INVALID_INPUT: 4,
  NOT_FOUND: 5,
  SECRET_NOT_FOUND: 5,
  KEY_INVALID: 4,
  KEY_EXISTS: 4,
  CAPABILITY_NOT_CLAIMED: 4,
  PERMISSION_DENIED: 6,
  NATS_AUTH_FAILED: 6,
};

export function exitCodeFor(code: string): number {
  if (code in byCode) return byCode[code] ?? 1;
  if (
    code.startsWith('COMPONENT_') ||
    code.startsWith('MANIFEST_') ||
    code.startsWith('BUILD_') ||
    code.startsWith('CLAIMS_')
  )
    return 4;
  return 1;
}
