/**
 * Pure rendering of the security blocks of a nats-server config: TLS (client, route, gateway,
 * leaf, WebSocket) and decentralized authentication (operator JWT, system account, resolver).
 */

/** TLS files of one listener or outgoing link. */
export interface TlsSpec {
  certFile: string;
  keyFile: string;
  /** The CA that signed the peers' certificates. */
  caFile: string;
  /**
   * Require and verify the peer's certificate (mutual TLS). Default true: a client, route, gateway
   * or leaf without a certificate the CA signed is refused.
   */
  verify?: boolean;
}

/**
 * Decentralized authentication: the operator JWT signs account JWTs, accounts sign user JWTs; the
 * server holds only public material (JWTs), never a seed.
 */
export interface OperatorSpec {
  /** The operator's JWT, inline. */
  jwt: string;
  /** Public key of the system account (server events, account updates). */
  systemAccount: string;
  /**
   * `full`: accounts live in `dir`, and updated or new account JWTs can be pushed at run time (by
   * the system account's user, e.g. to revoke a user) and spread over the cluster. `memory`: only
   * the preloaded accounts, changed by editing the config and reloading (used on leaf nodes).
   */
  resolver: { type: 'full'; dir: string } | { type: 'memory' };
  /** Account public key → account JWT, loaded at start-up (the system account's included). */
  accounts: Record<string, string>;
}

const q = (s: string): string => JSON.stringify(s);

/** A `tls { … }` block, indented by `indent`; `dialing` for an outgoing link (no `verify`). */
export function renderTls(tls: TlsSpec, indent = '', dialing = false): string[] {
  return [
    `${indent}tls {`,
    `${indent}  cert_file: ${q(tls.certFile)}`,
    `${indent}  key_file: ${q(tls.keyFile)}`,
    `${indent}  ca_file: ${q(tls.caFile)}`,
    ...(dialing ? [] : [`${indent}  verify: ${tls.verify ?? true}`]),
    `${indent}  timeout: 2`,
    `${indent}}`,
  ];
}

/** The operator, system account, resolver and preloaded accounts. */
export function renderOperator(op: OperatorSpec): string[] {
  const lines = [`operator: ${q(op.jwt)}`, `system_account: ${q(op.systemAccount)}`];
  if (op.resolver.type === 'full') {
    lines.push(
      `resolver {`,
      `  type: full`,
      `  dir: ${q(op.resolver.dir)}`,
      `  allow_delete: false`,
      `  interval: "2m"`,
      `}`,
    );
  } else {
    lines.push(`resolver: MEMORY`);
  }
  const preload = Object.entries(op.accounts);
  if (preload.length > 0) {
    lines.push(`resolver_preload {`, ...preload.map(([k, jwt]) => `  ${k}: ${q(jwt)}`), `}`);
  }
  return lines;
}
