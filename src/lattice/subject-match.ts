/**
 * NATS subject matching and permission checks, as nats-server applies them. Pure: used to reason
 * about credentials (unit tests, docs) without a server; the server remains the enforcer.
 */

/** True when `subject` (no wildcards) matches `pattern` (`*` one token, `>` one or more at the end). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const t = p[i];
    if (t === '>') return s.length > i;
    if (i >= s.length) return false;
    if (t !== '*' && t !== s[i]) return false;
  }
  return p.length === s.length;
}

/** A publish or subscribe permission: `allow` (empty: everything) minus `deny`. */
export interface SubjectPermission {
  allow: string[];
  deny: string[];
}

/**
 * Whether `perm` lets a client use `subject`, with nats-server's rules: an empty allow list allows
 * everything; a matching deny entry always wins. For a subscription, pass its pattern: the server
 * matches the pattern's wildcards as literal tokens, so `aloft.>` is refused to a client allowed
 * only `aloft.a.>` (and messages matching a deny entry are never delivered to a wider one).
 *
 * @example
 * permits({ allow: ['aloft.a.>'], deny: ['aloft.a.ctl.>'] }, 'aloft.a.ctl.v1.host.stop.N1'); // false
 */
export function permits(perm: SubjectPermission, subject: string): boolean {
  const allowed = perm.allow.length === 0 || perm.allow.some((p) => subjectMatches(p, subject));
  return allowed && !perm.deny.some((p) => subjectMatches(p, subject));
}
