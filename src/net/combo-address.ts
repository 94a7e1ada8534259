import { formatIP, isMappedIPv4, parseIP, type IPAddress } from './ip.ts'

/** An IP address with an optional port, as upstream's ComboAddress ("1.2.3.4", "1.2.3.4:53", "[::1]:53", "::1"). */
export interface ComboAddress {
  readonly ip: IPAddress
  readonly port: number
  /** Canonical address text without the port. */
  readonly text: string
}

/** Parses `IP`, `IPv4:port`, `[IPv6]:port` or a bare IPv6. Returns null for anything else (hostnames included). */
export function parseComboAddress (s: string, defaultPort = 0): ComboAddress | null {
  let host = s
  let port = defaultPort
  if (s.startsWith('[')) {
    const close = s.indexOf(']')
    if (close === -1) return null
    host = s.slice(1, close)
    const rest = s.slice(close + 1)
    if (rest !== '') {
      if (!rest.startsWith(':')) return null
      const p = parsePort(rest.slice(1))
      if (p === null) return null
      port = p
    }
  } else {
    const colon = s.indexOf(':')
    if (colon !== -1 && s.indexOf(':', colon + 1) === -1) {
      host = s.slice(0, colon)
      const p = parsePort(s.slice(colon + 1))
      if (p === null) return null
      port = p
    }
  }
  const ip = parseIP(host)
  if (ip === null) return null
  return { ip, port, text: formatIP(ip) }
}

function parsePort (s: string): number | null {
  if (!/^\d{1,5}$/.test(s)) return null
  const n = Number(s)
  return n <= 65535 ? n : null
}

export function comboToStringWithPort (ca: ComboAddress): string {
  return ca.ip.family === 6 ? `[${ca.text}]:${ca.port}` : `${ca.text}:${ca.port}`
}

export { isMappedIPv4 }
