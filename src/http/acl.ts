import { type Socket } from 'node:net'
import { parseIP, unmapIPv4, type Netmask } from '../net/index.ts'

const kAclVerdict = Symbol('trackalert.http.aclVerdict')
type AclSocket = Socket & { [kAclVerdict]?: { acl: readonly Netmask[], allowed: boolean } }

/**
 * Decides whether a connection's source address is in the ACL. The verdict is computed once per
 * connection (on parsed integers) and recomputed only if the ACL object changes (setACL at runtime).
 */
export function aclAllows (socket: Socket, acl: readonly Netmask[]): boolean {
  const s = socket as AclSocket
  const cached = s[kAclVerdict]
  if (cached !== undefined && cached.acl === acl) return cached.allowed
  const ip = parseIP(socket.remoteAddress ?? '')
  const addr = ip === null ? null : unmapIPv4(ip)
  let allowed = false
  if (addr !== null) {
    for (let i = 0; i < acl.length; i++) {
      if (acl[i].match(addr)) { allowed = true; break }
    }
  }
  s[kAclVerdict] = { acl, allowed }
  return allowed
}

/** The source address as reported in the ACL error (mapped IPv4 shown as IPv4). */
export function sourceAddress (socket: Socket): string {
  const text = socket.remoteAddress ?? ''
  return text.startsWith('::ffff:') && text.includes('.') ? text.slice(7) : text
}
