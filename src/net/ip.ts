import { isIPv4, isIPv6 } from 'node:net'

/** A parsed IP address: 4 or 16 bytes in network order. */
export interface IPAddress {
  readonly family: 4 | 6
  readonly bytes: Uint8Array
}

function parseIPv4Bytes (s: string, out: Uint8Array, offset: number): boolean {
  let part = 0
  let digits = 0
  let idx = offset
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46
    if (c === 46) {
      if (digits === 0 || part > 255 || idx - offset > 3) return false
      out[idx++] = part
      part = 0
      digits = 0
    } else if (c >= 48 && c <= 57) {
      // Leading zeros are ambiguous (octal in some parsers); reject them like inet_pton does.
      if (digits === 1 && part === 0) return false
      part = part * 10 + (c - 48)
      digits++
      if (digits > 3) return false
    } else {
      return false
    }
  }
  return idx - offset === 4
}

function parseIPv6Bytes (s: string): Uint8Array | null {
  if (!isIPv6(s)) return null
  const out = new Uint8Array(16)
  let head = s
  let tail = ''
  const dbl = s.indexOf('::')
  if (dbl !== -1) {
    head = s.slice(0, dbl)
    tail = s.slice(dbl + 2)
  }
  const groups = (text: string): number[] | null => {
    if (text === '') return []
    const words: number[] = []
    const parts = text.split(':')
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]
      if (p.includes('.')) {
        if (i !== parts.length - 1) return null
        const v4 = new Uint8Array(4)
        if (!parseIPv4Bytes(p, v4, 0)) return null
        words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3])
      } else {
        words.push(parseInt(p, 16))
      }
    }
    return words
  }
  const h = groups(head)
  const t = groups(tail)
  if (h === null || t === null) return null
  const words = new Array<number>(8).fill(0)
  h.forEach((w, i) => { words[i] = w })
  t.forEach((w, i) => { words[8 - t.length + i] = w })
  for (let i = 0; i < 8; i++) {
    out[i * 2] = words[i] >> 8
    out[i * 2 + 1] = words[i] & 0xff
  }
  return out
}

/** Parses an IPv4 or IPv6 literal (no brackets, no port, no zone). Returns null when it is not one. */
export function parseIP (s: string): IPAddress | null {
  if (s.length === 0 || s.length > 45) return null
  const v4 = new Uint8Array(4)
  if (parseIPv4Bytes(s, v4, 0)) return { family: 4, bytes: v4 }
  if (s.indexOf(':') === -1) return null
  const pct = s.indexOf('%')
  const v6 = parseIPv6Bytes(pct === -1 ? s : s.slice(0, pct))
  return v6 === null ? null : { family: 6, bytes: v6 }
}

/** True for ::ffff:a.b.c.d. */
export function isMappedIPv4 (ip: IPAddress): boolean {
  if (ip.family !== 6) return false
  const b = ip.bytes
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false
  return b[10] === 0xff && b[11] === 0xff
}

/** ::ffff:a.b.c.d becomes a.b.c.d; anything else is returned unchanged. */
export function unmapIPv4 (ip: IPAddress): IPAddress {
  return isMappedIPv4(ip) ? { family: 4, bytes: ip.bytes.slice(12) } : ip
}

/** The canonical text form: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run compressed). */
export function formatIP (ip: IPAddress): string {
  const b = ip.bytes
  if (ip.family === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`
  if (isMappedIPv4(ip)) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`
  const words: number[] = []
  for (let i = 0; i < 16; i += 2) words.push((b[i] << 8) | b[i + 1])
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) { i++; continue }
    let j = i
    while (j < 8 && words[j] === 0) j++
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i }
    i = j
  }
  if (bestStart === -1) return words.map((w) => w.toString(16)).join(':')
  const left = words.slice(0, bestStart).map((w) => w.toString(16)).join(':')
  const right = words.slice(bestStart + bestLen).map((w) => w.toString(16)).join(':')
  return `${left}::${right}`
}

export { isIPv4, isIPv6 }
