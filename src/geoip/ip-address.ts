import { isIP } from 'node:net'

/** An address ready for a tree walk: 4 or 16 raw bytes plus the text form handed to the maxmind reader. */
export interface ParsedAddress {
  readonly version: 4 | 6
  readonly bytes: Uint8Array
  readonly text: string
}

/**
 * Parses the text of a ComboAddress (`1.2.3.4`, `2001:db8::1`, `[2001:db8::1]`, `fe80::1%eth0`).
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes the plain IPv4 address, as upstream does since 1.4.1,
 * so it finds IPv4 data whether or not the database aliases ::ffff:0:0/96. Returns null when not an IP.
 */
export function parseAddress (input: string): ParsedAddress | null {
  let text = input.trim()
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1)
  const zone = text.indexOf('%')
  if (zone !== -1) text = text.slice(0, zone)
  const kind = isIP(text)
  if (kind === 4) return { version: 4, bytes: parseV4(text), text }
  if (kind !== 6) return null
  const bytes = parseV6(text)
  if (isV4Mapped(bytes)) {
    const v4 = bytes.slice(12)
    return { version: 4, bytes: v4, text: v4.join('.') }
  }
  return { version: 6, bytes, text }
}

function parseV4 (text: string): Uint8Array {
  const out = new Uint8Array(4)
  const parts = text.split('.')
  for (let i = 0; i < 4; i++) out[i] = Number(parts[i])
  return out
}

// Input is already validated by net.isIP, so only the shapes it accepts need handling.
function parseV6 (input: string): Uint8Array {
  let text = input
  const lastColon = text.lastIndexOf(':')
  if (text.includes('.', lastColon)) {
    const v4 = parseV4(text.slice(lastColon + 1))
    text = text.slice(0, lastColon + 1) + ((v4[0]! << 8) | v4[1]!).toString(16) + ':' + ((v4[2]! << 8) | v4[3]!).toString(16)
  }
  const out = new Uint8Array(16)
  const gap = text.indexOf('::')
  const head = gap === -1 ? text.split(':') : groups(text.slice(0, gap))
  const tail = gap === -1 ? [] : groups(text.slice(gap + 2))
  head.forEach((g, i) => writeGroup(out, i, g))
  tail.forEach((g, i) => writeGroup(out, 8 - tail.length + i, g))
  return out
}

function groups (part: string): string[] {
  return part === '' ? [] : part.split(':')
}

function writeGroup (out: Uint8Array, index: number, group: string): void {
  const value = parseInt(group, 16)
  out[index * 2] = value >> 8
  out[index * 2 + 1] = value & 0xff
}

function isV4Mapped (b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false
  return b[10] === 0xff && b[11] === 0xff
}
